package proxy

import (
	"bufio"
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

// growChunk bounds how far the frame buffer grows ahead of the bytes that arrived, so a
// size prefix that lies (2 GiB, say, under a large MaxFrameSize) costs no more memory
// than the bytes actually sent plus this.
const growChunk = 1 << 20

// readFrame reads one size-prefixed frame from r into buf (reusing its capacity) and
// returns it, size prefix included. A size above limit or below 0 is refused before
// anything is allocated.
func readFrame(r *bufio.Reader, buf []byte, limit int32) ([]byte, error) {
	var prefix [4]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, err
	}
	size := int32(binary.BigEndian.Uint32(prefix[:]))
	if size < 0 {
		return nil, &frame.FrameError{Op: "read frame", APIKey: -1, APIVersion: -1, Size: int64(size), Err: frame.ErrNegativeFrameSize}
	}
	if size > limit {
		return nil, &frame.FrameError{Op: "read frame", APIKey: -1, APIVersion: -1, Size: int64(size), Max: limit, Err: frame.ErrFrameTooLarge}
	}
	total := 4 + int(size)
	buf = append(buf[:0], prefix[:]...)
	for len(buf) < total {
		want := min(total, len(buf)+growChunk)
		if cap(buf) < want {
			nb := make([]byte, len(buf), max(want, min(total, 2*cap(buf))))
			copy(nb, buf)
			buf = nb
		}
		n, err := io.ReadFull(r, buf[len(buf):want])
		buf = buf[:len(buf)+n]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return buf, nil
}

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
