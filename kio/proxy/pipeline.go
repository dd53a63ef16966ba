package proxy

import (
	"context"
	"sync"
	"time"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// StartKafkaFrame relays a request pipelined (kio/server's PipelineRawHandler): on the
// client connection's reader it runs the request side (request filters, the decision to
// relay, answer or drop) and writes the request upstream (client.Conn.SendFrame, or
// SendStream for a streamed one, cut-through); the response side (the wait for the
// upstream response, UpstreamTimeout, endpoint rewriting, response filters, stats) runs
// when the server's writer awaits the returned PendingFrame, in request order. So the
// reader goes on to the client's next request while the broker works on this one, and
// with decoding filters the request and response work of a connection runs on two
// goroutines at once.
//
// It declines (the synchronous ServeKafkaFrame path, whose answer the server writes
// after the pending responses before it) ApiVersions, which the proxy answers from its
// upstream connection's negotiation, and every request when OnFrame is set (OnFrame
// keeps its order: each request, then its response). A streamed request it cannot
// relay cut-through is declined too, and comes back whole.
func (r relay) StartKafkaFrame(ctx context.Context, req *server.RawRequest) (server.PendingFrame, error) {
	c, _ := ctx.Value(connKey{}).(*conn)
	if c == nil || r.p.OnFrame != nil || req.Key == apiversions.APIKey {
		return nil, nil // ServeKafkaFrame says what is wrong with a conn without state
	}
	if req.Body != nil {
		return c.startStream(ctx, req)
	}
	p := c.p
	p.stats.requests.Add(1)
	if req.Peer != nil && c.info.Principal == "" {
		c.info.Principal = req.Peer.Principal // set by the server before the first request
	}
	o, out, err := c.request(req.Frame)
	if err != nil {
		return nil, c.connError("request", o.key, err)
	}
	if !o.expect {
		if out != nil {
			up, err := c.upstream(ctx)
			if err != nil {
				return nil, c.connError("dial upstream", o.key, err)
			}
			if _, err := up.SendFrame(ctx, out); err != nil {
				return nil, c.connError("write request", o.key, err)
			}
		}
		return server.NoResponse, nil
	}
	if o.answer != nil {
		pr := newPending(c, o.slot)
		return pr, nil
	}
	up, err := c.upstream(ctx)
	if err != nil {
		return nil, c.connError("dial upstream", o.key, err)
	}
	pr := newPending(c, o.slot)
	pr.setTimeout(ctx)
	if pr.up, err = up.SendFrame(pr.ctx, out); err != nil {
		pr.release()
		return nil, c.connError("round trip", o.key, err)
	}
	return pr, nil
}

// startStream relays a streamed request cut-through, pipelined: what StreamKafkaFrame
// does, its wait for the response left to the PendingFrame.
func (c *conn) startStream(ctx context.Context, req *server.RawRequest) (server.PendingFrame, error) {
	s, expect, ok := c.passThrough(req.Frame)
	if !ok {
		return nil, nil
	}
	p := c.p
	p.stats.requests.Add(1)
	p.stats.relayed.Add(1)
	p.stats.streamed.Add(1)
	if req.Peer != nil && c.info.Principal == "" {
		c.info.Principal = req.Peer.Principal
	}
	up, err := c.upstream(ctx)
	if err != nil {
		return nil, c.connError("dial upstream", s.key, err)
	}
	if !expect {
		if _, err := up.SendStream(ctx, req.Frame, req.Body); err != nil {
			return nil, c.connError("write request", s.key, err)
		}
		return server.NoResponse, nil
	}
	pr := newPending(c, s)
	pr.setTimeout(ctx)
	if pr.up, err = up.SendStream(pr.ctx, req.Frame, req.Body); err != nil {
		pr.release()
		return nil, c.connError("round trip", s.key, err)
	}
	return pr, nil
}

// pending is a relayed request's response on its way: the upstream's PendingResponse
// (or a filter's answer) and what the response side needs of the request.
type pending struct {
	c      *conn
	s      *slot
	up     *client.PendingResponse // nil for a filter's answer (s.answer)
	ctx    context.Context         // bounds the write and the wait (UpstreamTimeout)
	cancel context.CancelFunc
}

// pendings recycles pending values: one is free again once awaited.
var pendings = sync.Pool{New: func() any { return new(pending) }}

func newPending(c *conn, s *slot) *pending {
	pr := pendings.Get().(*pending)
	pr.c, pr.s = c, s
	return pr
}

// setTimeout bounds the request's write and the wait for its response with
// UpstreamTimeout, counted from now, as a round trip is; without one, by ctx (the
// client connection's).
func (pr *pending) setTimeout(ctx context.Context) {
	pr.ctx = ctx
	if t := pr.c.p.UpstreamTimeout; t > 0 {
		pr.ctx, pr.cancel = context.WithDeadline(ctx, time.Now().Add(t))
	}
}

// release ends the pending's timeout and recycles it.
func (pr *pending) release() {
	if pr.cancel != nil {
		pr.cancel()
	}
	*pr = pending{}
	pendings.Put(pr)
}

// Ready reports whether the response (or the answer) is there to be written.
func (pr *pending) Ready() bool { return pr.up == nil || pr.up.Ready() }

// AwaitKafkaFrame waits for the upstream response and returns what the client is sent:
// the response side of serve.
func (pr *pending) AwaitKafkaFrame(ctx context.Context) ([]byte, error) {
	c, s := pr.c, pr.s
	if pr.up == nil {
		pr.release()
		c.p.stats.responses.Add(1)
		return s.answer, nil
	}
	wctx := pr.ctx
	if wctx == nil {
		wctx = ctx
	}
	resp, err := pr.up.Wait(wctx)
	pr.release()
	if err != nil {
		return nil, c.connError("round trip", s.key, err)
	}
	final, err := c.response(s, resp)
	if err != nil {
		return nil, c.connError("response", s.key, err)
	}
	c.p.stats.responses.Add(1)
	return final, nil
}
