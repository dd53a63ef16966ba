package proxy

import (
	"encoding/binary"
	"io"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/internal/wire"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
)

// framer is where the proxy meets kio's framing (frame.Framer today).
var framer = frame.Framer{BrokerCompatible: true}

// produceAcks reads the acks of a Produce request frame without decoding the body: it
// sits after the request header and, from version 3, the transactional id. It reads by
// hand rather than through serial, which would allocate the client id: this runs for
// every relayed Produce.
func produceAcks(raw []byte, version int16) (int16, error) {
	api, _ := schema.Lookup(produce.APIKey)
	p, err := skipRequestHeader(raw[4:], api.RequestHeaderVersion(version))
	if err != nil {
		return 0, err
	}
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
			if p, err = skipString(p); err != nil {
				return 0, err
			}
		}
	}
	if len(p) < 2 {
		return 0, io.ErrUnexpectedEOF
	}
	return int16(binary.BigEndian.Uint16(p)), nil
}

// skipRequestHeader returns what follows a request header of the given version at the
// start of p: key, version and correlation id, from version 1 the client id (a
// nullable string with an int16 length in every version), from version 2 tagged fields.
func skipRequestHeader(p []byte, headerVersion int16) ([]byte, error) {
	if len(p) < 8 {
		return nil, io.ErrUnexpectedEOF
	}
	p = p[8:]
	if headerVersion < 1 {
		return p, nil
	}
	p, err := skipString(p)
	if err != nil || headerVersion < 2 {
		return p, err
	}
	n, m := wire.Uvarint(p)
	if m == 0 {
		return nil, io.ErrUnexpectedEOF
	}
	p = p[m:]
	for range n {
		if _, m = wire.Uvarint(p); m == 0 { // the tag
			return nil, io.ErrUnexpectedEOF
		}
		p = p[m:]
		size, m := wire.Uvarint(p)
		if m == 0 || uint64(size) > uint64(len(p)-m) {
			return nil, io.ErrUnexpectedEOF
		}
		p = p[m+int(size):]
	}
	return p, nil
}

// skipString returns what follows the nullable string with an int16 length at the
// start of p.
func skipString(p []byte) ([]byte, error) {
	if len(p) < 2 {
		return nil, io.ErrUnexpectedEOF
	}
	l := int(int16(binary.BigEndian.Uint16(p)))
	p = p[2:]
	if l > 0 {
		if l > len(p) {
			return nil, io.ErrUnexpectedEOF
		}
		p = p[l:]
	}
	return p, nil
}
