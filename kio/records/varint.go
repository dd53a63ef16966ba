package records

import "math"

// Kafka's varint and varlong: zigzag-encoded signed integers in little-endian base 128.
// Hand-written rather than encoding/binary so the one-byte case, by far the most common
// in record headers, stays inline in the record decoding loop.

// readVarlong decodes a varlong at b[i:] and returns it with the index after it. ok is
// false when the bytes end first or the encoding runs past 10 bytes or 64 bits.
func readVarlong(b []byte, i int) (v int64, next int, ok bool) {
	if i < len(b) && b[i] < 0x80 {
		u := uint64(b[i])
		return int64(u>>1) ^ -int64(u&1), i + 1, true
	}
	var u uint64
	for shift := uint(0); shift < 70; shift += 7 {
		if i >= len(b) {
			return 0, i, false
		}
		c := b[i]
		i++
		if c < 0x80 {
			if shift == 63 && c > 1 {
				return 0, i, false
			}
			u |= uint64(c) << shift
			return int64(u>>1) ^ -int64(u&1), i, true
		}
		u |= uint64(c&0x7f) << shift
	}
	return 0, i, false
}

// readVarint decodes a varint (a varlong that must fit an int32).
func readVarint(b []byte, i int) (v int32, next int, ok bool) {
	if i < len(b) && b[i] < 0x80 {
		u := uint32(b[i])
		return int32(u>>1) ^ -int32(u&1), i + 1, true
	}
	l, next, ok := readVarlong(b, i)
	if !ok || l < math.MinInt32 || l > math.MaxInt32 {
		return 0, next, false
	}
	return int32(l), next, true
}

// appendVarlong appends v as a varlong (also right for varints: zigzag of an int32
// widened to int64 gives the same bytes).
func appendVarlong(dst []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}

// sizeVarlong returns how many bytes appendVarlong writes for v.
func sizeVarlong(v int64) int {
	u := uint64(v<<1) ^ uint64(v>>63)
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}
