package proxysuite

import (
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/dialrecord"
	"github.com/kio-go/kafka-protocol/kio/proxy"
)

// guard is the suite's view of a proxied cluster: the brokers' own addresses, and a
// response filter that checks every decoded response, as the client receives it, for
// them. It also keeps the listener address of each upstream broker, so that a proxy
// started again listens where the last one did (ListenAddr), as a restarted proxy with
// fixed ports would.
type guard struct {
	brokers map[string]bool // host:port of every upstream listener, controller ones too

	mu     sync.Mutex
	listen map[string]string // upstream host:port -> listener address
	leaks  []string
	all    []*proxy.Proxy // every proxy started, closed ones too

	checked atomic.Int64 // responses checked
}

func newGuard(brokers ...string) *guard {
	g := &guard{brokers: map[string]bool{}, listen: map[string]string{}}
	for _, b := range brokers {
		g.brokers[b] = true
	}
	return g
}

// listenAddr returns a Proxy.ListenAddr for the proxy called name: a free port the
// first time an upstream endpoint comes, the same one after, for a proxy of that name.
func (g *guard) listenAddr(name string) func(up proxy.Endpoint) string {
	return func(up proxy.Endpoint) string { return g.listenOnce(name + "/" + up.String()) }
}

func (g *guard) listenOnce(key string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if a, ok := g.listen[key]; ok {
		return a
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0"
	}
	a := ln.Addr().String()
	ln.Close()
	g.listen[key] = a
	return a
}

// install adds the checking filter to f: every response of every API is decoded, and
// every endpoint field in it (after the proxy's rewrite, as the client gets it) must be
// no broker's own address.
func (g *guard) install(f *proxy.Filters) {
	proxy.OnEveryResponse(f, func(c *proxy.Call, body any) proxy.Verdict {
		g.checked.Add(1)
		proxy.RewriteEndpoints(body, func(e proxy.Endpoint) (proxy.Endpoint, error) {
			if g.brokers[e.String()] {
				g.mu.Lock()
				g.leaks = append(g.leaks, fmt.Sprintf("API %d v%d: %s", c.APIKey, c.Version, e))
				g.mu.Unlock()
			}
			return e, nil
		})
		return proxy.Pass
	})
}

// newProxy starts a proxy called name in front of bootstrap with the guard's filter
// (extra may add filters and settings), stopped when t ends. A proxy of a name used
// before listens where the last one did.
func (g *guard) newProxy(t testing.TB, name, bootstrap string, extra func(*proxy.Proxy, *proxy.Filters)) *proxy.Proxy {
	t.Helper()
	var f proxy.Filters
	p := &proxy.Proxy{Upstream: []string{bootstrap}, Filters: &f, ListenAddr: g.listenAddr(name),
		ErrorLog: func(err error) { t.Logf("proxy %s: %v", name, err) }}
	if extra != nil {
		extra(p, &f)
	}
	g.install(&f)
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	g.mu.Lock()
	g.all = append(g.all, p)
	g.mu.Unlock()
	return p
}

// proxies returns every proxy the guard started.
func (g *guard) proxies() []*proxy.Proxy {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.all)
}

// leaked returns the broker addresses clients were handed.
func (g *guard) leaked() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.leaks)
}

// dialRecorder is a kgo Dialer (its Dial) that records the addresses a client connects
// to, and tells which of them are a broker's own.
type dialRecorder struct{ dialrecord.Recorder }

// around returns the dialled addresses that are a broker's own.
func (d *dialRecorder) around(g *guard) []string {
	var out []string
	for _, a := range d.Addrs() {
		if g.brokers[a] {
			out = append(out, a)
		}
	}
	return out
}
