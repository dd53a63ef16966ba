// Package dialrecord records the addresses a client dials, for tests that check where a
// Kafka client connects (through a proxy, never to a broker itself): a Recorder's Dial
// is a kgo.Dialer, or any dial function of that shape.
// It sits at the module root's internal/ so that kio/proxy's own tests and the suites
// under tests/ share it without kio/ importing tests/ (see internal/layers).
package dialrecord

import (
	"context"
	"net"
	"slices"
	"sync"
)

// Recorder dials TCP and records each address asked for. Its zero value is ready; it is
// safe for concurrent use, as a client dials from many goroutines.
type Recorder struct {
	mu    sync.Mutex
	addrs []string
}

// Dial records addr and dials it with a plain net.Dialer.
func (r *Recorder) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	r.mu.Lock()
	r.addrs = append(r.addrs, addr)
	r.mu.Unlock()
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// Addrs returns the addresses dialled so far, in order, repeats included.
func (r *Recorder) Addrs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.addrs)
}
