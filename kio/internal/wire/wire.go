// Package wire holds Kafka's wire rules once, for kio/serial and kio/records: fixed-width
// integers, varints, classic and compact lengths with their null markers, tagged-field
// headers and UUIDs, over []byte.
//
// It knows nothing of Go types or struct tags. Writers append to a caller's slice;
// readers of variable-width values return the value and its width, 0 when the bytes do
// not hold a well-formed one (as encoding/binary's Uvarint does). The writers and the
// length helpers are small enough for the compiler to inline (go build -gcflags=-m
// reports "can inline" for each), so the codec's fast paths call them instead of
// repeating the rules. The varint readers are one call each (a caller that must not
// pay it for one-byte lengths checks ShortCompactLength first).
package wire

import (
	"encoding/binary"
	"math"
)

// Fixed-width values are big-endian.

// Wire widths of the fixed-width values, in bytes.
const (
	BoolSize    = 1
	Int8Size    = 1
	Int16Size   = 2
	Int32Size   = 4
	Int64Size   = 8
	Float64Size = 8
	UUIDSize    = 16
)

// AppendInt8 appends v as one byte.
func AppendInt8(b []byte, v int8) []byte { return append(b, byte(v)) }

// AppendInt16 appends v as two big-endian bytes.
func AppendInt16(b []byte, v int16) []byte { return binary.BigEndian.AppendUint16(b, uint16(v)) }

// AppendInt32 appends v as four big-endian bytes.
func AppendInt32(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }

// AppendInt64 appends v as eight big-endian bytes.
func AppendInt64(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }

// AppendFloat64 appends v's IEEE 754 bits, big-endian.
func AppendFloat64(b []byte, v float64) []byte {
	return binary.BigEndian.AppendUint64(b, math.Float64bits(v))
}

// AppendBool appends 1 for true, 0 for false. (Readers take any non-zero byte as true,
// as Kafka does.)
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// AppendBytes appends data, the payload of a bytes or records field (or a tagged
// field's), to b: append(b, data...) by another route where that is faster.
//
// Go's memmove on amd64 writes moves of 1 MiB or more with non-temporal stores, which
// bypass the cache: right for a destination that will not be read soon, but a reused
// encode buffer and a 1 MiB batch fit in cache, and a record batch is often about
// 1 MiB (Kafka's default max.message.bytes). Such a move, into spare capacity already
// there, is made in pieces below that threshold, which took a 1 MiB encode into a
// reused buffer from ~40 to ~22 us (BENCHMARKS.md, "Third round"). A move that must
// grow b is left to append, whose new memory is cold anyway.
func AppendBytes(b, data []byte) []byte {
	if len(data) < bigMove || cap(b)-len(b) < len(data) {
		return append(b, data...)
	}
	for len(data) > movePiece {
		b = append(b, data[:movePiece]...)
		data = data[movePiece:]
	}
	return append(b, data...)
}

const (
	bigMove   = 1 << 20   // runtime.memmove's non-temporal threshold on amd64 (memmove_amd64.s)
	movePiece = 256 << 10 // well below it, and few enough calls that they cost nothing
)

// AppendUUID appends the 16 bytes of a UUID.
func AppendUUID(b []byte, u *[16]byte) []byte { return append(b, u[:]...) }

// Varints: 7 bits a byte, low bits first, the high bit set on every byte but the last.
// Signed ones are zig-zag encoded. Kafka's unsigned varints (lengths, counts, tags)
// hold 32 bits in at most 5 bytes; its signed varlongs (record fields) 64 bits in at
// most 10.

// MaxUvarintLen is the most bytes an unsigned 32-bit varint takes.
const MaxUvarintLen = 5

// AppendUvarint appends v as an unsigned varint.
func AppendUvarint(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// UvarintSize returns how many bytes AppendUvarint writes for v.
func UvarintSize(v uint32) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// Uvarint reads the unsigned varint at the start of b and returns it with its width.
// The width is 0 when b ends first or when the varint runs past 5 bytes or 32 bits
// (Kafka never writes those); a caller tells the two apart by whether MaxUvarintLen
// bytes were there.
func Uvarint(b []byte) (v uint32, n int) {
	for i := 0; i < MaxUvarintLen && i < len(b); i++ {
		c := b[i]
		if i == MaxUvarintLen-1 && c > 0x0f {
			return 0, 0
		}
		v |= uint32(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// AppendVarlong appends v as a zig-zag varlong. It is also right for a varint: the
// zig-zag encoding of an int32 widened to int64 gives the same bytes.
func AppendVarlong(b []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		b = append(b, byte(u)|0x80)
		u >>= 7
	}
	return append(b, byte(u))
}

// VarlongSize returns how many bytes AppendVarlong writes for v.
func VarlongSize(v int64) int {
	u := uint64(v<<1) ^ uint64(v>>63)
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}

// ShortUvarint reads an unsigned varint from its first byte c when it takes that byte
// alone (values below 128, the usual length or count): the value and true, or false
// when the varint goes on.
func ShortUvarint(c byte) (v uint32, ok bool) { return uint32(c), c < 0x80 }

// Varlong reads the zig-zag varlong at the start of b and returns it with its width,
// 0 when b ends first or the encoding runs past 10 bytes or 64 bits.
func Varlong(b []byte) (v int64, n int) {
	var u uint64
	for i := 0; i < 10 && i < len(b); i++ {
		c := b[i]
		if c < 0x80 {
			if i == 9 && c > 1 {
				return 0, 0
			}
			u |= uint64(c) << (7 * i)
			return int64(u>>1) ^ -int64(u&1), i + 1
		}
		u |= uint64(c&0x7f) << (7 * i)
	}
	return 0, 0
}

// Varint reads a zig-zag varint at the start of b, as Varlong, whose value must fit an
// int32 (records carry their lengths and counts so).
func Varint(b []byte) (v int32, n int) {
	l, n := Varlong(b)
	if n == 0 || l < math.MinInt32 || l > math.MaxInt32 {
		return 0, 0
	}
	return int32(l), n
}

// Lengths of strings, bytes and arrays. Classic encodings write the length as an
// int16 (strings) or int32 (bytes, arrays), -1 for null; compact (flexible) encodings
// write length+1 as an unsigned varint, 0 for null.

// Null is the length that stands for a null string, bytes or array.
const Null = -1

// AppendCompactLength appends n (Null for null) as a compact length.
func AppendCompactLength(b []byte, n int) []byte {
	if uint(n+1) < 0x80 { // one byte: null and lengths below 127
		return append(b, byte(n+1))
	}
	return AppendUvarint(b, uint32(n+1))
}

// CompactLengthSize returns how many bytes AppendCompactLength writes for n.
func CompactLengthSize(n int) int {
	if uint(n+1) < 0x80 {
		return 1
	}
	return UvarintSize(uint32(n + 1))
}

// CompactLength reads a compact length at the start of b: the length (Null for null)
// and its width, 0 as for Uvarint.
func CompactLength(b []byte) (length int, n int) {
	v, n := Uvarint(b)
	return int(v) - 1, n
}

// ShortCompactLimit bounds the lengths a compact length writes in one byte: those below
// it (and null). A fast path checks n < ShortCompactLimit and appends
// ShortCompactLengthByte(n).
const ShortCompactLimit = 0x7f

// ShortCompactLengthByte returns the one byte that encodes a compact length n, for
// -1 (null) <= n < 127, the usual case: a fast path checks that range and appends it.
func ShortCompactLengthByte(n int) byte { return byte(n + 1) }

// ShortCompactLength reads the compact length in a first byte c when it takes that
// byte alone (null and lengths below 127, the usual case): the length (Null for null)
// and true, or false when the varint goes on.
func ShortCompactLength(c byte) (length int, ok bool) { return int(c) - 1, c < 0x80 }

// AppendCompactString appends s with its compact length. The caller checks that
// len(s) <= MaxStringLength.
func AppendCompactString(b []byte, s string) []byte {
	return append(AppendCompactLength(b, len(s)), s...)
}

// AppendString appends s with its classic (int16) length. The caller checks that
// len(s) <= MaxStringLength.
func AppendString(b []byte, s string) []byte {
	return append(AppendStringLength(b, len(s)), s...)
}

// Widths of the classic lengths, in bytes.
const (
	StringLengthSize = Int16Size // a string's
	ArrayLengthSize  = Int32Size // bytes' and arrays'
)

// AppendStringLength appends n (Null for null) as a classic string length, an int16.
func AppendStringLength(b []byte, n int) []byte { return AppendInt16(b, int16(n)) }

// AppendArrayLength appends n (Null for null) as a classic bytes or array length, an
// int32.
func AppendArrayLength(b []byte, n int) []byte { return AppendInt32(b, int32(n)) }

// Lengths a wire format cannot hold.
const (
	MaxStringLength = math.MaxInt16     // a string's bytes, in either encoding
	MaxArrayLength  = math.MaxInt32 - 1 // bytes or elements, so that length+1 fits too
)

// Nullable structs (KIP-893) carry an int8 marker where they may be null: -1 for
// null, 1 for present (readers take any negative marker as null).
const (
	StructNull    = 0xff // -1
	StructPresent = 1
)

// StructMarkerSize is the width of a nullable struct's marker.
const StructMarkerSize = Int8Size

// Tagged fields (KIP-482): a flexible struct ends with a section of a count and then,
// in ascending tag order, each field's tag, its size and its bytes, all three lengths
// unsigned varints. An empty section is a single zero byte.

// EmptyTaggedFields is the tagged-field section of a struct that carries none.
const EmptyTaggedFields = 0

// EmptyTaggedFieldsSize is the width of an empty tagged-field section.
const EmptyTaggedFieldsSize = 1

// AppendTaggedField appends one tagged field's header and its data.
func AppendTaggedField(b []byte, tag uint32, data []byte) []byte {
	b = AppendUvarint(AppendUvarint(b, tag), uint32(len(data)))
	return AppendBytes(b, data)
}

// EndTaggedField finishes a tagged field whose value was appended to b after a
// one-byte placeholder for its size at b[at] (one byte fits most tagged fields): it
// writes the size there, moving the value up when the size takes more bytes.
func EndTaggedField(b []byte, at int) []byte {
	size := len(b) - at - 1
	extra := UvarintSize(uint32(size)) - 1
	if extra == 0 {
		b[at] = byte(size)
		return b
	}
	b = append(b, make([]byte, extra)...)
	copy(b[at+1+extra:], b[at+1:len(b)-extra])
	AppendUvarint(b[:at], uint32(size))
	return b
}

// TaggedFieldSize returns how many bytes a tagged field of size bytes takes with its
// header.
func TaggedFieldSize(tag uint32, size int) int {
	return UvarintSize(tag) + UvarintSize(uint32(size)) + size
}

// Readers for decoders that check bounds themselves (the generated straight-line
// decoders): each fixed-width reader takes the value's bytes at the start of b, which
// must hold them; each At reader takes an offset and returns the offset after the
// value, negative when b does not hold a well-formed one there.

// Int8 reads the int8 at the start of b.
func Int8(b []byte) int8 { return int8(b[0]) }

// Bool reads the bool at the start of b: any non-zero byte is true, as Kafka reads it.
func Bool(b []byte) bool { return b[0] != 0 }

// Int16 reads the big-endian int16 at the start of b.
func Int16(b []byte) int16 { return int16(binary.BigEndian.Uint16(b)) }

// Int32 reads the big-endian int32 at the start of b.
func Int32(b []byte) int32 { return int32(binary.BigEndian.Uint32(b)) }

// Int64 reads the big-endian int64 at the start of b.
func Int64(b []byte) int64 { return int64(binary.BigEndian.Uint64(b)) }

// Float64 reads the big-endian IEEE 754 float64 at the start of b.
func Float64(b []byte) float64 { return math.Float64frombits(binary.BigEndian.Uint64(b)) }

// UvarintAt reads the unsigned varint at b[off:] (0 <= off): its value and the offset
// after it, or next < 0 when b ends first or the varint is malformed (see Uvarint). A
// caller on a hot path reads one-byte varints with ShortUvarint first.
func UvarintAt(b []byte, off int) (v uint32, next int) {
	if len(b)-off >= MaxUvarintLen {
		// Unrolled where all five bytes a varint may take are there: a record batch's
		// length takes three or four.
		p := b[off : off+MaxUvarintLen]
		if v = uint32(p[0] & 0x7f); p[0] < 0x80 {
			return v, off + 1
		}
		if v |= uint32(p[1]&0x7f) << 7; p[1] < 0x80 {
			return v, off + 2
		}
		if v |= uint32(p[2]&0x7f) << 14; p[2] < 0x80 {
			return v, off + 3
		}
		if v |= uint32(p[3]&0x7f) << 21; p[3] < 0x80 {
			return v, off + 4
		}
		if p[4] > 0x0f { // beyond 32 bits, or a sixth byte
			return 0, -1
		}
		return v | uint32(p[4])<<28, off + 5
	}
	v, n := Uvarint(b[min(off, len(b)):])
	if n == 0 {
		return 0, -1
	}
	return v, off + n
}

// CompactLengthAt reads the compact length at b[off:] (0 <= off): the length (Null for
// null) and the offset after it, or next < 0 as for UvarintAt. A caller on a hot path
// reads one-byte lengths with ShortCompactLength first.
func CompactLengthAt(b []byte, off int) (n, next int) {
	v, next := UvarintAt(b, off)
	return int(v) - 1, next
}

// StringLengthAt reads the classic (int16) string length at b[off:] (0 <= off): the
// length (negative for null) and the offset after it, or next < 0 when b ends first.
func StringLengthAt(b []byte, off int) (n, next int) {
	if len(b)-off < StringLengthSize {
		return 0, -1
	}
	return int(Int16(b[off:])), off + StringLengthSize
}

// ArrayLengthAt reads the classic (int32) bytes or array length at b[off:]
// (0 <= off): the length (negative for null) and the offset after it, or next < 0 when
// b ends first.
func ArrayLengthAt(b []byte, off int) (n, next int) {
	if len(b)-off < ArrayLengthSize {
		return 0, -1
	}
	return int(Int32(b[off:])), off + ArrayLengthSize
}
