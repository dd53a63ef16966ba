package proxy

import (
	"encoding/binary"
	"io"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/internal/wire"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// framer is where the proxy meets kio's framing (frame.Framer today).
var framer = frame.Framer{BrokerCompatible: true}

// produceAcks reads the acks of a Produce request frame without decoding the body: it
// sits after the request header and, from version 3, the transactional id.
func produceAcks(raw []byte, version int16) (int16, error) {
	api, _ := schema.Lookup(produce.APIKey)
	var h requestheader.RequestHeader
	p := raw[4:]
	n, err := serial.UnmarshalPrefix(p, &h, api.RequestHeaderVersion(version))
	if err != nil {
		return 0, err
	}
	p = p[n:]
	if version >= 3 {
		if api.Flexible.Contains(version) {
			l, m := wire.CompactLength(p)
			if m <= 0 {
				return 0, io.ErrUnexpectedEOF
			}
			p = p[m:]
			if l > 0 {
				if l > len(p) {
					return 0, io.ErrUnexpectedEOF
				}
				p = p[l:]
			}
		} else {
			if len(p) < 2 {
				return 0, io.ErrUnexpectedEOF
			}
			l := int(int16(binary.BigEndian.Uint16(p)))
			p = p[2:]
			if l > 0 {
				if l > len(p) {
					return 0, io.ErrUnexpectedEOF
				}
				p = p[l:]
			}
		}
	}
	if len(p) < 2 {
		return 0, io.ErrUnexpectedEOF
	}
	return int16(binary.BigEndian.Uint16(p)), nil
}
