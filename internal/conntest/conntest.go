// Package conntest serves and dials over loopback for tests (those of kio/client,
// kio/server and kio/proxy, which cannot share a _test.go helper across their packages,
// and those of tests/): what it starts, it stops when the test ends.
package conntest

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// Serve serves srv on a loopback listener until the test ends, then closes it, waits
// for Serve to return and fails tb if it returned anything but server.ErrServerClosed.
// It returns the listener's address.
func Serve(tb testing.TB, srv *server.Server) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, server.ErrServerClosed) {
			tb.Errorf("Serve returned %v", err)
		}
	})
	return ln.Addr().String()
}

// Dial is DialWith with a zero Dialer, as client.Dial.
func Dial(tb testing.TB, ctx context.Context, addr string) *client.Conn {
	tb.Helper()
	return DialWith(tb, ctx, &client.Dialer{}, addr)
}

// DialWith dials addr with d and fails tb if it cannot; the connection is closed when
// the test ends.
func DialWith(tb testing.TB, ctx context.Context, d *client.Dialer, addr string) *client.Conn {
	tb.Helper()
	c, err := d.Dial(ctx, addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}
