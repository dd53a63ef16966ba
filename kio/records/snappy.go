package records

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"

	"github.com/klauspost/compress/s2"
)

// Kafka's snappy comes in two shapes. Java's client compresses through snappy-java's
// SnappyOutputStream, which writes the "xerial" framing: a 16-byte header (the magic
// 0x82 "SNAPPY" 0x00, then version and minimum compatible version as big-endian int32,
// both 1) followed by chunks, each a big-endian int32 length and one plain snappy block
// of at most 32 KiB of input. librdkafka and franz-go write one plain snappy block.
// Every reader accepts both (snappy-java falls back to a plain block when the header is
// missing), so we read both and write the xerial framing by default, as the Java
// client does; WithRawSnappy writes a plain block instead.

var xerialHeader = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}

const (
	xerialHeaderSize = 16
	xerialBlockSize  = 32 << 10
	// snappyMaxRatio bounds a plain snappy block's expansion: the best element, a
	// 3-byte copy, yields 64 bytes.
	snappyMaxRatio = 22
)

var errSnappyLength = errors.New("snappy block claims more than its bytes can hold")

// inflateSnappy decodes a xerial-framed or plain snappy payload of at most limit bytes.
func inflateSnappy(src []byte, limit int) ([]byte, error) {
	if len(src) < xerialHeaderSize || !bytes.Equal(src[:8], xerialHeader[:8]) {
		n, err := snappyLen(src, limit)
		if err != nil {
			return nil, err
		}
		return s2.Decode(make([]byte, n), src)
	}
	// First pass: check every chunk's framing and claimed size, so the output is
	// allocated once, at its true size.
	total := 0
	for p := xerialHeaderSize; p < len(src); {
		chunk, next, err := xerialChunk(src, p)
		if err != nil {
			return nil, err
		}
		n, err := snappyLen(chunk, limit-total)
		if err != nil {
			return nil, err
		}
		total += n
		p = next
	}
	out := make([]byte, total)
	pos := 0
	for p := xerialHeaderSize; p < len(src); {
		chunk, next, _ := xerialChunk(src, p)
		n, _ := s2.DecodedLen(chunk)
		if _, err := s2.Decode(out[pos:pos+n], chunk); err != nil {
			return nil, err
		}
		pos += n
		p = next
	}
	return out, nil
}

// xerialChunk returns the snappy block of the chunk at src[p:] and where the next begins.
func xerialChunk(src []byte, p int) (chunk []byte, next int, err error) {
	if len(src)-p < 4 {
		return nil, 0, errors.New("xerial chunk length cut short")
	}
	l := int64(binary.BigEndian.Uint32(src[p:]))
	p += 4
	if l > int64(len(src)-p) {
		return nil, 0, errors.New("xerial chunk longer than the data")
	}
	return src[p : p+int(l)], p + int(l), nil
}

// snappyLen returns a plain block's decoded length after checking it against the limit
// and against what the block's size could possibly encode.
func snappyLen(block []byte, limit int) (int, error) {
	n, err := s2.DecodedLen(block)
	if err != nil {
		return 0, err
	}
	if n > limit {
		return 0, errLimit
	}
	if n > snappyMaxRatio*len(block) {
		return 0, errSnappyLength
	}
	return n, nil
}

// appendSnappyBlock appends src as one plain snappy block.
func appendSnappyBlock(dst, src []byte) []byte {
	l := len(dst)
	dst = slices.Grow(dst, s2.MaxEncodedLen(len(src)))
	enc := s2.EncodeSnappy(dst[l:l+s2.MaxEncodedLen(len(src))], src)
	return dst[:l+len(enc)]
}

// appendXerial appends src in xerial framing with 32 KiB chunks, as snappy-java does.
func appendXerial(dst, src []byte) []byte {
	dst = append(dst, xerialHeader...)
	for len(src) > 0 {
		chunk := src[:min(len(src), xerialBlockSize)]
		src = src[len(chunk):]
		l := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		dst = appendSnappyBlock(dst, chunk)
		binary.BigEndian.PutUint32(dst[l:], uint32(len(dst)-l-4))
	}
	return dst
}
