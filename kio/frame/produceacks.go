package frame

import (
	"encoding/binary"
	"io"

	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

// ProduceAcks reads the acks of a Produce request frame (size prefix included) without
// decoding its body: they follow the request header and, from version 3, the
// transactional id, a prefix every version keeps, so a Produce of a version beyond
// kio's schema is read too (as the flexible versions lay it out). It reads by hand, not
// through serial, as it runs for every Produce a relay forwards: nothing is allocated.
// A frame that is not a Produce request is a *FrameError.
func ProduceAcks(reqFrame []byte) (int16, error) {
	key, version, _, err := PeekRequest(reqFrame)
	if err != nil {
		return 0, err
	}
	if key != produceKey || version < 0 {
		return 0, frameError("produce acks", key, version, ErrUnsupportedVersion)
	}
	flexible := version >= produceFlexibleFrom
	p, err := skipRequestHeader(reqFrame[sizePrefixLen:], flexible)
	if err == nil && version >= 3 {
		if flexible {
			p, err = skipCompactString(p)
		} else {
			p, err = skipString(p)
		}
	}
	if err == nil && len(p) < 2 {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return 0, frameError("produce acks", key, version, err)
	}
	return int16(binary.BigEndian.Uint16(p)), nil
}

// produceFlexibleFrom is the first flexible Produce version (compact strings, header v2).
const produceFlexibleFrom = 9

// skipRequestHeader returns what follows a Produce request's header at the start of p:
// key, version, correlation id and client id (a nullable string with an int16 length
// in every version: header v1), then for flexible versions tagged fields (header v2).
func skipRequestHeader(p []byte, flexible bool) ([]byte, error) {
	if len(p) < 8 {
		return nil, io.ErrUnexpectedEOF
	}
	p, err := skipString(p[8:])
	if err != nil || !flexible {
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

// skipCompactString returns what follows the compact nullable string at the start of p.
func skipCompactString(p []byte) ([]byte, error) {
	l, m := wire.CompactLength(p)
	if m <= 0 {
		return nil, io.ErrUnexpectedEOF
	}
	p = p[m:]
	if l > 0 {
		if l > len(p) {
			return nil, io.ErrUnexpectedEOF
		}
		p = p[l:]
	}
	return p, nil
}
