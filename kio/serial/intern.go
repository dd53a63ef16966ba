package serial

import (
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
// to it, and a miss replaces one of them. Its size is fixed, so it holds at most internSlots strings of at
// most maxInternLen bytes whatever the input; the hash is seeded per process, so
// input cannot be crafted to collide. A miss costs one small allocation (the entry),
// which is what decoding a string cost before, and a hit none.

const (
	internSlots  = 4096 // a power of two
	maxInternLen = 64   // topic names, ids and hosts; longer strings go to the arena
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
		buf [maxInternLen]byte
	}
)

var (
	internTable [internSlots]atomic.Pointer[string]
	internSeed  = maphash.MakeSeed()
)

// internString returns b as a string, shared with earlier decodes when the same
// bytes were seen lately. b must be 1 to maxInternLen bytes long.
func internString(b []byte) string {
	// Two ways per set, so that two hot strings whose hashes meet do not take turns
	// evicting each other.
	h := maphash.Bytes(internSeed, b)
	set := internTable[h&(internSlots-2) : h&(internSlots-2)+2 : h&(internSlots-2)+2]
	first, second := set[0].Load(), set[1].Load()
	if first != nil && *first == string(b) {
		return *first
	}
	if second != nil && *second == string(b) {
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
