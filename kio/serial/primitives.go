package serial

import (
	"encoding/binary"
	"io"
	"math"
	"slices"
)

// This file is the wire level: Kafka's primitive encodings over []byte, with no
// knowledge of structs or tags. Appenders grow a caller's slice; the reader walks a
// slice (optionally refilled from an io.Reader) and keeps the first error it meets.

func appendInt8(b []byte, v int8) []byte   { return append(b, byte(v)) }
func appendInt16(b []byte, v int16) []byte { return binary.BigEndian.AppendUint16(b, uint16(v)) }
func appendInt32(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }
func appendInt64(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }
func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}
func appendFloat64(b []byte, v float64) []byte {
	return binary.BigEndian.AppendUint64(b, math.Float64bits(v))
}

// appendUvarint writes Kafka's unsigned varint: 7 bits a byte, low bits first.
func appendUvarint(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendUvarlong(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// appendVarint writes a zig-zag signed varint.
func appendVarint(b []byte, v int32) []byte { return appendUvarint(b, uint32(v<<1)^uint32(v>>31)) }

// appendVarlong writes a zig-zag signed 64-bit varint.
func appendVarlong(b []byte, v int64) []byte {
	return appendUvarlong(b, uint64(v<<1)^uint64(v>>63))
}

// uvarintSize is the number of bytes appendUvarint writes for v.
func uvarintSize(v uint32) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// maxStreamChunk bounds how much a reader over an io.Reader asks for at once, so a
// hostile length prefix costs memory only as fast as real bytes arrive.
const maxStreamChunk = 1 << 20

// reader decodes primitives from buf[off:]. Its first error sticks: later reads return
// zero values, so callers check err once per field rather than after every primitive.
type reader struct {
	buf []byte
	off int
	src io.Reader // when set, ensure reads more bytes from it instead of failing
	err error
	// failAt is the offset of the value that failed, for error reports.
	failAt int
	arenas
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
		r.failAt = r.off
		// Nothing is available after an error, so the fast path of ensure fails too
		// and the error sticks without a check on every read.
		r.buf = r.buf[:min(r.off, len(r.buf))]
		r.src = nil
	}
}

// ensure reports whether n more bytes are available, reading them from src if needed.
// It is small enough to inline; the slow path is more.
func (r *reader) ensure(n int) bool { return n <= len(r.buf)-r.off || r.more(n) }

func (r *reader) more(n int) bool {
	if r.err != nil {
		return false
	}
	if r.src == nil || n < 0 {
		r.fail(ErrShortBuffer)
		return false
	}
	return r.fill(n)
}

// fill reads from src until n bytes are available past off, in bounded chunks.
func (r *reader) fill(n int) bool {
	for missing := n - (len(r.buf) - r.off); missing > 0; missing = n - (len(r.buf) - r.off) {
		chunk := min(missing, maxStreamChunk)
		start := len(r.buf)
		r.buf = slices.Grow(r.buf, chunk)[:start+chunk]
		if _, err := io.ReadFull(r.src, r.buf[start:]); err != nil {
			r.buf = r.buf[:start]
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				r.fail(ErrShortBuffer)
			} else {
				r.fail(err)
			}
			return false
		}
	}
	return true
}

// The fixed-width reads keep their fast path small enough to inline; a read that
// needs more input (or fails) goes through fixedSlow.

func (r *reader) int8() int8 {
	if len(r.buf)-r.off < 1 {
		return int8(r.fixedSlow(1))
	}
	r.off++
	return int8(r.buf[r.off-1])
}

func (r *reader) int16() int16 {
	if len(r.buf)-r.off < 2 {
		return int16(r.fixedSlow(2))
	}
	r.off += 2
	return int16(binary.BigEndian.Uint16(r.buf[r.off-2:]))
}

func (r *reader) int32() int32 {
	if len(r.buf)-r.off < 4 {
		return int32(r.fixedSlow(4))
	}
	r.off += 4
	return int32(binary.BigEndian.Uint32(r.buf[r.off-4:]))
}

func (r *reader) int64() int64 {
	if len(r.buf)-r.off < 8 {
		return int64(r.fixedSlow(8))
	}
	r.off += 8
	return int64(binary.BigEndian.Uint64(r.buf[r.off-8:]))
}

// fixedSlow reads an n-byte big-endian value once more input is available.
func (r *reader) fixedSlow(n int) uint64 {
	if !r.more(n) {
		return 0
	}
	var v uint64
	for _, c := range r.buf[r.off : r.off+n] {
		v = v<<8 | uint64(c)
	}
	r.off += n
	return v
}

func (r *reader) bool() bool {
	// Kafka reads any non-zero byte as true; we keep that, and the encoder writes 1.
	return r.int8() != 0
}

func (r *reader) float64() float64 { return math.Float64frombits(uint64(r.int64())) }

// uvarint reads an unsigned varint of at most 5 bytes. A longer one, or a fifth byte
// with bits beyond 32, is ErrRange: Kafka never writes those.
func (r *reader) uvarint() uint32 {
	// Most varints are lengths and counts below 128: one byte, handled inline.
	if r.off < len(r.buf) {
		if c := r.buf[r.off]; c < 0x80 {
			r.off++
			return uint32(c)
		}
	}
	return r.uvarintSlow()
}

// peekUvarint decodes the unsigned varint at the start of b without consuming or
// failing: it returns the value and its width, or width 0 when b does not start with a
// complete varint of at most 32 bits (the reader's own methods then report why).
func peekUvarint(b []byte) (uint32, int) {
	var v uint32
	for i := 0; i < 5 && i < len(b); i++ {
		c := b[i]
		if i == 4 && c > 0x0f {
			return 0, 0
		}
		v |= uint32(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

func (r *reader) uvarintSlow() uint32 {
	if len(r.buf)-r.off >= 5 { // all five bytes a varint may take are at hand
		var v uint32
		for i, c := range r.buf[r.off : r.off+5] {
			if i == 4 && c > 0x0f {
				r.off += 5
				r.fail(causef(ErrRange, "unsigned varint overflows 32 bits"))
				return 0
			}
			v |= uint32(c&0x7f) << (7 * i)
			if c < 0x80 {
				r.off += i + 1
				return v
			}
		}
	}
	var v uint32
	for i := 0; i < 5; i++ {
		if !r.ensure(1) {
			return 0
		}
		c := r.buf[r.off]
		r.off++
		if i == 4 && c > 0x0f {
			r.fail(causef(ErrRange, "unsigned varint overflows 32 bits"))
			return 0
		}
		v |= uint32(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v
		}
	}
	return 0 // unreachable: the fifth byte either ended the varint or failed above
}

// uvarlong reads an unsigned varint of at most 10 bytes.
func (r *reader) uvarlong() uint64 {
	var v uint64
	for i := 0; i < 10; i++ {
		if !r.ensure(1) {
			return 0
		}
		c := r.buf[r.off]
		r.off++
		if i == 9 && c > 0x01 {
			r.fail(causef(ErrRange, "varint overflows 64 bits"))
			return 0
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v
		}
	}
	return 0
}

func (r *reader) varint() int32 {
	u := r.uvarint()
	return int32(u>>1) ^ -int32(u&1)
}

func (r *reader) varlong() int64 {
	u := r.uvarlong()
	return int64(u>>1) ^ -int64(u&1)
}

func (r *reader) uuid() (u [16]byte) {
	if !r.ensure(16) {
		return u
	}
	copy(u[:], r.buf[r.off:])
	r.off += 16
	return u
}

// take returns the next n bytes without copying them.
func (r *reader) take(n int) []byte {
	if !r.ensure(n) {
		return nil
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}
