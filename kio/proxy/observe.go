package proxy

import (
	"context"
	"time"

	"github.com/kio-go/kafka-protocol/kio/server"
)

// Frame is one frame between a client and the proxy, as the client sees it: a request
// as the client sent it (before any filter changed or answered it) or the response the
// proxy writes back (after endpoints were rewritten, ApiVersions clamped and filters
// ran; a filter's answer included). Proxy.OnFrame gets one per frame.
type Frame struct {
	Conn     *Conn
	Response bool // false: a request the client sent; true: the response it is sent
	// APIKey and Version are the request's (a response is read at its request's
	// version, or at version 0 when a broker answered an ApiVersions version it does
	// not know, KIP-511); CorrelationID is the one both carry.
	APIKey, Version int16
	CorrelationID   int32
	// Raw is the whole frame, size prefix included. It is valid only during the call
	// (the proxy reuses its buffers): copy what must outlive it.
	Raw []byte
	// Time is when the proxy had the request read, or the response ready to write.
	Time time.Time
}

// observe wraps the relay of one request frame with OnFrame's two calls: the request as
// it came, then the response the client is sent (none for a request that gets no
// answer, such as a Produce with acks=0, or that ends the connection).
func (r relay) observe(ctx context.Context, c *conn, req *server.RawRequest) ([]byte, bool, error) {
	r.p.OnFrame(&Frame{Conn: &c.info, APIKey: req.Key, Version: req.Version, CorrelationID: req.CorrelationID, Raw: req.Frame, Time: time.Now()})
	out, handled, err := r.serve(ctx, c, req)
	if err == nil && handled && out != nil {
		r.p.OnFrame(&Frame{Conn: &c.info, Response: true, APIKey: req.Key, Version: req.Version, CorrelationID: req.CorrelationID, Raw: out, Time: time.Now()})
	}
	return out, handled, err
}
