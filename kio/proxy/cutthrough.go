package proxy

import (
	"context"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/saslauthenticate"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// StreamKafkaFrame relays a large request cut-through (kio/server offers requests over
// 64 KiB as streams): when nothing needs the frame whole, its head goes upstream at
// once and the rest follows as it arrives from the client (client.Conn.RoundTripStream),
// instead of the whole frame being read before its first byte is sent. A round trip of a
// large Produce is then shorter by about the time the frame takes to arrive. The
// response is handled as any other (endpoints rewritten, response filters run). Every
// other request is declined here and takes ServeKafkaFrame's path whole: those of an
// API a request filter asks for, every request when OnFrame is set, ApiVersions (which
// the proxy answers) and the SASL requests, and those the proxy refuses or relays as
// unknown.
func (r relay) StreamKafkaFrame(ctx context.Context, req *server.RawRequest) ([]byte, bool, error) {
	c, _ := ctx.Value(connKey{}).(*conn)
	if c == nil || r.p.OnFrame != nil {
		return nil, false, nil
	}
	s, expect, ok := c.passThrough(req.Frame)
	if !ok {
		return nil, false, nil
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
		return nil, false, c.connError("dial upstream", s.key, err)
	}
	if !expect {
		if _, err := up.RoundTripStream(ctx, req.Frame, req.Body); err != nil {
			return nil, false, c.connError("write request", s.key, err)
		}
		return nil, true, nil
	}
	rctx := ctx
	if p.UpstreamTimeout > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, p.UpstreamTimeout)
		defer cancel()
	}
	resp, err := up.RoundTripStream(rctx, req.Frame, req.Body)
	if err != nil {
		return nil, false, c.connError("round trip", s.key, err)
	}
	final, err := c.response(s, resp)
	if err != nil {
		return nil, false, c.connError("response", s.key, err)
	}
	p.stats.responses.Add(1)
	return final, true, nil
}

// passThrough decides, from a request frame's head, whether it may be relayed without
// being read whole: an API and version kio knows, none the proxy answers or reads
// itself, and no request filter for it; for a Produce, the acks within the head. It
// returns the slot for the response and whether one is owed. It counts nothing: a
// frame it turns down is counted on the path it takes.
func (c *conn) passThrough(head []byte) (s *slot, expect, ok bool) {
	key, version, corr, err := frame.PeekRequest(head)
	if err != nil {
		return nil, false, false
	}
	api, known := schema.Lookup(key)
	switch {
	case !known || !api.Versions.Contains(version),
		key == apiversions.APIKey, key == saslhandshake.APIKey, key == saslauthenticate.APIKey,
		c.p.Filters.wantsRequest(key):
		return nil, false, false
	}
	expect = true
	if key == produce.APIKey {
		acks, err := frame.ProduceAcks(head)
		if err != nil {
			return nil, false, false // not within the head: the frame is read whole
		}
		expect = acks != 0
	}
	return &slot{key: key, version: version, corr: corr}, expect, true
}
