package client

import (
	"context"
	"sync"
)

// Client holds one Conn per broker address, dialed on first use with Dialer and again
// after it breaks, as net/http's Transport holds connections per host. It is safe for
// concurrent use; the zero value is ready and dials with a zero Dialer.
type Client struct {
	Dialer Dialer

	mu     sync.Mutex
	conns  map[string]*dialing
	closed bool
}

// dialing is one address's connection, or the dial in progress that makes it.
type dialing struct {
	done chan struct{}
	conn *Conn
	err  error
}

// Conn returns the open connection to address, dialing it if there is none (or the
// last one broke). Concurrent callers share one dial; a failed dial is not remembered.
func (cl *Client) Conn(ctx context.Context, address string) (*Conn, error) {
	for {
		cl.mu.Lock()
		if cl.closed {
			cl.mu.Unlock()
			return nil, &ConnError{Addr: address}
		}
		d, ok := cl.conns[address]
		if !ok {
			d = &dialing{done: make(chan struct{})}
			if cl.conns == nil {
				cl.conns = map[string]*dialing{}
			}
			cl.conns[address] = d
			cl.mu.Unlock()
			d.conn, d.err = cl.Dialer.Dial(ctx, address)
			cl.mu.Lock()
			if d.err != nil || cl.closed {
				delete(cl.conns, address)
				if d.err == nil {
					d.conn.Close()
					d.err = &ConnError{Addr: address}
				}
			}
			close(d.done)
			cl.mu.Unlock()
			return d.conn, d.err
		}
		cl.mu.Unlock()
		select {
		case <-d.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if d.err != nil {
			return nil, d.err
		}
		if d.conn.Err() == nil {
			return d.conn, nil
		}
		cl.mu.Lock() // broken: forget it, and dial again
		if cl.conns[address] == d {
			delete(cl.conns, address)
		}
		cl.mu.Unlock()
	}
}

// Call sends body to the broker at address, as Conn.Call does.
func (cl *Client) Call(ctx context.Context, address string, body any) (any, error) {
	c, err := cl.Conn(ctx, address)
	if err != nil {
		return nil, err
	}
	return c.Call(ctx, body)
}

// Close closes every connection; later calls fail with ErrClosed.
func (cl *Client) Close() error {
	cl.mu.Lock()
	cl.closed = true
	conns := cl.conns
	cl.conns = nil
	cl.mu.Unlock()
	for _, d := range conns {
		<-d.done
		if d.conn != nil {
			d.conn.Close()
		}
	}
	return nil
}
