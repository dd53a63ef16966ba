package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kio-go/kafka-protocol/kio/proxy"
)

// runTap runs a kio/proxy Proxy in front of the upstream cluster and prints every frame
// that crosses it as decode does. The proxy keeps one listener per upstream broker and
// rewrites the broker endpoints in responses to them, so a client given the tap's
// address never talks to a broker directly and every one of its frames is printed.
func runTap(args []string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return serveTap(ctx, args, stdout, stderr, nil)
}

// serveTap is tap until ctx ends; started, if not nil, is given the running proxy.
func serveTap(ctx context.Context, args []string, stdout, stderr io.Writer, started func(*proxy.Proxy)) error {
	fs := flag.NewFlagSet("tap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:19092", "the bootstrap listener's address, the one clients are given; the listeners for the other brokers listen on its host, on free ports")
	upstream := fs.String("upstream", "127.0.0.1:9092", "the upstream cluster's bootstrap servers (host:port, comma-separated)")
	advertise := fs.String("advertise", "", "the host clients are told for every listener (default: the -listen host, or this machine's name if that is empty or unspecified, as Kafka's brokers do)")
	var df decodeFlags
	df.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := df.printer(stdout, stderr)
	if err != nil {
		return err
	}
	host, err := advertisedHost(*listen, *advertise)
	if err != nil {
		return err
	}
	t := newTap(p)
	px := t.proxy(strings.Split(*upstream, ","), *listen, host)
	if err := px.Start(); err != nil {
		return err
	}
	for _, m := range px.Mappings() {
		fmt.Fprintf(stderr, "kio tap: %s (clients are told %s) -> %s\n", m.Listen, m.Advertised, m.Upstream)
	}
	if started != nil {
		started(px)
	}
	<-ctx.Done()
	px.Close()
	t.mu.Lock()
	defer t.mu.Unlock()
	p.out.Flush()
	fmt.Fprintf(stderr, "kio tap: %d frames (%d requests, %d responses, %d not decoded)\n", p.frames, p.requests, p.responses, p.failed)
	return nil
}

// advertisedHost is the host clients are told: -advertise, else -listen's host, else,
// when that is empty or unspecified (all interfaces), the machine's name, as Kafka's
// brokers advertise a listener without a host.
func advertisedHost(listen, advertise string) (string, error) {
	if advertise != "" {
		return advertise, nil
	}
	h, _, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("-listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(h); h != "" && (ip == nil || !ip.IsUnspecified()) {
		return "", nil // the proxy advertises the listeners' own addresses
	}
	return os.Hostname()
}

// tap prints the frames its proxy observes. A connection's frames come one at a time,
// each request and then its response (the proxy relays a connection's requests in
// order, one at a time); different connections' come concurrently.
type tap struct {
	mu    sync.Mutex // the printer and the connections
	p     *printer
	conns map[uint64]*tapConn // by proxy.Conn.ID, while a request is in flight
}

// tapConn is what decode's printer keeps of a connection: its two directions.
type tapConn struct{ req, resp half }

func newTap(p *printer) *tap { return &tap{p: p, conns: map[uint64]*tapConn{}} }

// proxy returns the Proxy in front of upstream whose frames t prints.
func (t *tap) proxy(upstream []string, listen, advertise string) *proxy.Proxy {
	return &proxy.Proxy{
		Upstream:       upstream,
		Addr:           listen,
		AdvertisedHost: advertise,
		OnFrame:        t.frame,
		ErrorLog:       t.errorLog,
	}
}

// frame prints one frame as the client sent it or is sent it: responses with the
// broker endpoints the proxy rewrote to its listeners.
func (t *tap) frame(f *proxy.Frame) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tc := t.conns[f.Conn.ID]
	if tc == nil {
		c := newConn(f.Conn.Client.String() + ">" + f.Conn.Upstream)
		tc = &tapConn{req: half{c: c, request: true, synced: true}, resp: half{c: c, synced: true}}
		t.conns[f.Conn.ID] = tc
	}
	c := tc.req.c
	if f.Response {
		// The proxy says which request a response answers, even where the printer could
		// not decode the request.
		if _, ok := c.inflight[f.CorrelationID]; !ok {
			c.inflight[f.CorrelationID] = pending{key: f.APIKey, version: f.Version}
		}
		t.p.frame(&tc.resp, f.Raw, f.Time)
	} else {
		t.p.frame(&tc.req, f.Raw, f.Time)
	}
	if len(c.inflight) == 0 {
		// Nothing to pair: forget the connection, so closed ones hold no memory (the
		// next request of this one starts afresh; the proxy gives every response's API).
		delete(t.conns, f.Conn.ID)
	}
	t.p.out.Flush()
}

// errorLog reports why the proxy closed a connection.
func (t *tap) errorLog(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.p.stderr, "kio tap: %s %v\n", time.Now().UTC().Format(time.RFC3339), err)
}
