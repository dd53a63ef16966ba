package serial

import (
	"encoding/binary"
	"io"
	"math"
	"slices"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/internal/arena"
	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

// This file is the reader: Kafka's primitives read from a slice (optionally refilled
// from an io.Reader), keeping the first error it meets. The wire rules themselves
// (varints, lengths, null markers, tagged-field headers) live in kio/internal/wire,
// which kio/records uses as well; writing goes straight through it.

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
	// pairAt is where the element of the array field pairFor is already allocated
	// (pair_alloc.go), or nil.
	pairAt  unsafe.Pointer
	pairFor *op
	arena.Arenas
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
		if v, ok := wire.ShortUvarint(r.buf[r.off]); ok {
			r.off++
			return v
		}
	}
	return r.uvarintSlow()
}

func (r *reader) uvarintSlow() uint32 {
	// Short of input, a stream is read one more byte at a time (the varint may be the
	// message's last bytes); wire.Uvarint says when the bytes so far hold one.
	for i := 1; i <= wire.MaxUvarintLen; i++ {
		if !r.ensure(i) {
			return 0
		}
		if v, n := wire.Uvarint(r.buf[r.off : r.off+i]); n > 0 {
			r.off += n
			return v
		}
	}
	// All the bytes a varint may take were there and did not hold one.
	r.off += wire.MaxUvarintLen
	r.fail(causef(ErrRange, "unsigned varint overflows 32 bits"))
	return 0
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
