package proxy_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/internal/frametest"
	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// blackHole is an upstream that accepts connections, reads everything and answers
// nothing: a stalled broker. closed counts the connections its peer closed.
type blackHole struct {
	ln     net.Listener
	mu     sync.Mutex
	closed int
}

func newBlackHole(t *testing.T) *blackHole {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackHole{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				io.Copy(io.Discard, c)
				c.Close()
				b.mu.Lock()
				b.closed++
				b.mu.Unlock()
			}()
		}
	}()
	return b
}

func (b *blackHole) closedConns() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

func metadataFrame(t *testing.T, corr int32) []byte {
	t.Helper()
	body := serial.Default[metadata.MetadataRequest]()
	id := "raw"
	return frametest.Request(t, &body, 12, corr, &id)
}

// TestStalledUpstream: one upstream broker stalls. A client of it is cut off after
// UpstreamTimeout (it would retry elsewhere, as on its own timeout), a client that gives
// up first takes its upstream connection with it, and clients of the healthy broker
// behind the same proxy never notice.
func TestStalledUpstream(t *testing.T) {
	_, brokers := fakeCluster(t, 1)
	hole := newBlackHole(t)
	var logged []error
	var mu sync.Mutex
	p := startProxy(t, &proxy.Proxy{UpstreamTimeout: time.Second, ErrorLog: func(err error) {
		mu.Lock()
		logged = append(logged, err)
		mu.Unlock()
	}}, []string{brokers[0], hole.ln.Addr().String()})
	stalled := p.Mappings()[1].Listen

	c, err := net.Dial("tcp", stalled)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	c.Write(metadataFrame(t, 1))
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Fatalf("waiting for the proxy to give up: %v", err)
	}
	if d := time.Since(start); d < time.Second || d > 10*time.Second {
		t.Errorf("the proxy closed the stalled connection after %v, want about UpstreamTimeout (1 s)", d)
	}
	waitFor(t, func() bool { return hole.closedConns() == 1 })
	// OnClose (and so ErrorLog) runs just after the client's connection is closed:
	// wait for it rather than look once.
	waitFor(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range logged {
			if ne := net.Error(nil); errors.As(e, &ne) && ne.Timeout() {
				return true
			}
		}
		return false
	})

	// A client that gives up by itself: its upstream connection goes too.
	c2, err := net.Dial("tcp", stalled)
	if err != nil {
		t.Fatal(err)
	}
	c2.Write(metadataFrame(t, 1))
	time.Sleep(200 * time.Millisecond)
	c2.Close()
	waitFor(t, func() bool { return hole.closedConns() == 2 })

	// Meanwhile the healthy broker serves through the same proxy.
	produceOK(t, p.BootstrapAddr())
}

// TestClientDisconnectsMidRequest: a client that hangs up halfway through a request
// frame, and one that hangs up right after a whole one, before its answer. Neither
// disturbs the proxy or the next client; the half frame never goes upstream.
func TestClientDisconnectsMidRequest(t *testing.T) {
	_, brokers := fakeCluster(t, 1)
	p := startProxy(t, &proxy.Proxy{}, brokers)
	whole := metadataFrame(t, 7)

	before := p.Stats()
	c, err := net.Dial("tcp", p.BootstrapAddr())
	if err != nil {
		t.Fatal(err)
	}
	c.Write(whole[:len(whole)/2])
	c.Close()
	c, err = net.Dial("tcp", p.BootstrapAddr())
	if err != nil {
		t.Fatal(err)
	}
	c.Write(whole)
	c.Close()
	waitFor(t, func() bool { return p.Stats().Requests == before.Requests+1 })

	produceOK(t, p.BootstrapAddr())
	if got := p.Stats().Requests - before.Requests; got < 2 {
		t.Errorf("%d requests counted", got)
	}
}

// produceOK produces a record to topic t through addr with franz-go, and fails t if
// that fails.
func produceOK(t *testing.T, addr string) {
	t.Helper()
	cl := newKgo(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t", Value: []byte("ok")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestIdleTimeout: a client that sends nothing for IdleTimeout is closed; one that
// keeps talking is not.
func TestIdleTimeout(t *testing.T) {
	_, brokers := fakeCluster(t, 1)
	p := startProxy(t, &proxy.Proxy{IdleTimeout: 300 * time.Millisecond}, brokers)
	c, err := net.Dial("tcp", p.BootstrapAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Fatalf("the idle connection was not closed: %v", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("closed after %v, before IdleTimeout", d)
	}
}
