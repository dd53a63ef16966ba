package arena

import (
	"encoding/binary"
	"hash/maphash"
	"sync/atomic"
	"unsafe"
)

// Kafka messages repeat the same short strings endlessly: topic names, group and
// member ids, client ids, hosts, racks. Decoding copies each string out of the input
// (nothing decoded aliases memory the caller may reuse), so the decoder keeps a
// small process-wide table of recently decoded short strings and returns the copy
// it already has when the bytes match. Go strings are immutable, so sharing them
// between messages is safe; *string fields still get a cell of their own, since a
// caller may assign through it.
//
// The table is two-way set-associative: a set holds the last two strings that hashed
// to it, and a miss replaces one of them. Its size is fixed, so it holds at most
// internSlots strings of at most MaxInternLen bytes whatever the input; the hash is
// seeded per process. A miss, however provoked, costs one small allocation (the
// entry), which is what decoding a string cost before, and a hit none.

const (
	internSlots = 4096 // a power of two
	// MaxInternLen is the longest string the table holds: topic names, ids and hosts;
	// longer strings are allocated alone.
	MaxInternLen = 64
)

// internEntry holds a string and, inline, the bytes it points to: one allocation. The
// sizes are classes, so a short string does not take the longest entry.
type (
	internEntry16 struct {
		s   string
		buf [16]byte
	}
	internEntry32 struct {
		s   string
		buf [32]byte
	}
	internEntry64 struct {
		s   string
		buf [MaxInternLen]byte
	}
)

var (
	internTable [internSlots]atomic.Pointer[string]
	// internSeed is random per process (drawn through hash/maphash), so which
	// strings share a set cannot be known from outside.
	internSeed = maphash.Bytes(maphash.MakeSeed(), []byte("kio")) | 1
)

// internHash hashes b from its first and last eight bytes (fewer for shorter
// strings) and its length, in constant time. Strings that differ only in their
// middle share a set; at worst they take turns in it, costing what a miss costs.
func internHash(b []byte) uint64 {
	var lo, hi uint64
	switch n := len(b); {
	case n >= 8:
		lo, hi = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	case n >= 4:
		lo, hi = uint64(binary.LittleEndian.Uint32(b)), uint64(binary.LittleEndian.Uint32(b[n-4:]))
	default:
		lo, hi = uint64(b[0]), uint64(b[n/2])<<8|uint64(b[n-1])
	}
	h := (lo ^ internSeed) * 0x9e3779b97f4a7c15
	h ^= (hi + uint64(len(b))) * 0xc2b2ae3d27d4eb4f
	h ^= h >> 29
	h *= internSeed
	return h ^ h>>32
}

// Intern returns b as a string, shared with earlier decodes when the same
// bytes were seen lately. b must be 1 to MaxInternLen bytes long.
func Intern(b []byte) string {
	// Two ways per set, so that two hot strings whose hashes meet do not take turns
	// evicting each other.
	h := internHash(b)
	set := internTable[h&(internSlots-2) : h&(internSlots-2)+2 : h&(internSlots-2)+2]
	first, second := set[0].Load(), set[1].Load()
	if first != nil && len(*first) == len(b) && sameShort(*first, b) {
		return *first
	}
	if second != nil && len(*second) == len(b) && sameShort(*second, b) {
		return *second
	}
	var sp *string
	switch {
	case len(b) <= 16:
		e := new(internEntry16)
		e.s = unsafe.String(&e.buf[0], copy(e.buf[:], b))
		sp = &e.s
	case len(b) <= 32:
		e := new(internEntry32)
		e.s = unsafe.String(&e.buf[0], copy(e.buf[:], b))
		sp = &e.s
	default:
		e := new(internEntry64)
		e.s = unsafe.String(&e.buf[0], copy(e.buf[:], b))
		sp = &e.s
	}
	// Fill an empty way first; else replace the way another bit of the hash picks.
	way := int(h>>32) & 1
	if first == nil {
		way = 0
	} else if second == nil {
		way = 1
	}
	set[way].Store(sp)
	return *sp
}

// sameShort reports whether s and b, of the same length of 1 to MaxInternLen bytes,
// hold the same bytes. It compares eight bytes at a time inline (the last eight
// overlapping those before), where the string comparison called memequal, which
// cost twice as many instructions on names and ids (BENCHMARKS.md, "Codec speed,
// issue 20").
func sameShort(s string, b []byte) bool {
	n := len(b)
	p, q := unsafe.Pointer(unsafe.StringData(s)), unsafe.Pointer(unsafe.SliceData(b))
	if n >= 8 {
		for i := 0; i < n-8; i += 8 {
			if *(*[8]byte)(unsafe.Add(p, i)) != *(*[8]byte)(unsafe.Add(q, i)) {
				return false
			}
		}
		return *(*[8]byte)(unsafe.Add(p, n-8)) == *(*[8]byte)(unsafe.Add(q, n-8))
	}
	if n >= 4 {
		return *(*[4]byte)(p) == *(*[4]byte)(q) && *(*[4]byte)(unsafe.Add(p, n-4)) == *(*[4]byte)(unsafe.Add(q, n-4))
	}
	for i := 0; i < n; i++ {
		if *(*byte)(unsafe.Add(p, i)) != *(*byte)(unsafe.Add(q, i)) {
			return false
		}
	}
	return true
}
