package conntest_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// TestServeDial: a connection dialed in a subtest is closed when the subtest ends,
// while the server the parent test started keeps serving; the server stops listening
// when its own test ends.
func TestServeDial(t *testing.T) {
	var addr string
	t.Run("server", func(t *testing.T) {
		addr = conntest.Serve(t, &server.Server{Handler: server.NewMux()})
		var done <-chan struct{}
		t.Run("conn", func(t *testing.T) {
			done = conntest.Dial(t, context.Background(), addr).Done()
			select {
			case <-done:
				t.Fatal("connection closed while its test runs")
			default:
			}
		})
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("connection still open after its test")
		}
		conntest.Dial(t, context.Background(), addr) // still serving
	})
	if nc, err := net.Dial("tcp", addr); err == nil {
		nc.Close()
		t.Error("server still listening after its test")
	}
}
