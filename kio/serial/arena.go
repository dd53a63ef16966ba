package serial

import (
	"sync/atomic"
	"unsafe"
)

// Decoding a message makes many small values: partition replica lists, topic names.
// Allocating each alone dominates decode time, so the reader carves them from shared
// chunks instead: one chunk of plain memory for int32 lists and the bytes of strings
// too long to intern (intern.go), and one of strings for *string fields to point into. Every carved slice has its capacity cut
// to its length, so an append by the caller reallocates rather than overwriting a
// neighbour, and strings are copied out of the input, so nothing decoded aliases
// memory the caller may reuse (bytes fields aside, as documented).
//
// Sizing: a plan remembers how much the last decode with it carved (arenaHint), and
// the first chunk of the next decode takes that much, so messages of a steady shape
// cost one allocation per chunk kind, sized exactly. Without a hint a chunk starts
// small and doubles. A chunk never exceeds what the remaining input could fill, so a
// hostile length prefix cannot inflate it, and neither can a hint: it is capped the
// same way. (What the rest of the input can still need from the scalar chunk is at
// most twice its length: string and int32 bytes are copied one for one, and an int32
// list, at least 5 input bytes, adds at most 3 bytes of alignment.)

const (
	minScalarChunk = 64    // bytes in a first chunk of string bytes and int32s
	minStringPtrs  = 4     // strings in a first chunk for *string fields: few messages have many
	maxArenaChunk  = 16384 // elements or bytes in the largest chunk a doubling reaches
)

type arenas struct {
	scalars []byte   // free part of the current chunk of string bytes and int32s
	strPtrs []string // free part of the current chunk of strings that *string fields point into
	// Growth state: each kind's last chunk size. Chunks double, so a small message
	// wastes little and a large one needs few chunks.
	scalarChunk, strPtrChunk int
	// What this decode carved so far, and the hints it started from.
	scalarUsed, strPtrUsed int
	hint                   arenaHint
}

// arenaHint is what one decode carved, kept on a top-level plan for the next.
type arenaHint struct {
	scalars, strPtrs int32
}

// arenaHints is a plan's record of its last decode, read and written atomically since
// decodes run concurrently.
type arenaHints struct {
	scalars, strPtrs atomic.Int32
}

func (h *arenaHints) load() arenaHint {
	return arenaHint{h.scalars.Load(), h.strPtrs.Load()}
}

// store records what a decode carved, writing only what changed to keep the cache
// line shared between cores in the steady state.
func (h *arenaHints) store(a *arenas) {
	if s := int32(min(a.scalarUsed, maxHint)); s != h.scalars.Load() {
		h.scalars.Store(s)
	}
	if s := int32(min(a.strPtrUsed, maxHint)); s != h.strPtrs.Load() {
		h.strPtrs.Store(s)
	}
}

// maxHint bounds a remembered size: one huge message must not make every later small
// one start with a huge chunk (the input bound applies as well).
const maxHint = 1 << 20

// nextChunk returns the size of the next chunk for a request of n elements: the hint
// for a first chunk, or double the last (recorded in last) at least first and at most
// maxArenaChunk; never more than limit (what the remaining input could still hold)
// unless n itself is more.
func nextChunk(last *int, hint, first, n, limit int) int {
	if *last == 0 && hint > 0 {
		*last = hint
	} else {
		*last = min(max(*last*2, first), maxArenaChunk)
	}
	return max(n, min(*last, limit))
}

// scalarBytes returns n bytes of the current scalar chunk, starting at a multiple of
// align (1 or 4) from the chunk's 8-aligned base.
func (r *reader) scalarBytes(n, align, limit int) []byte {
	a := &r.arenas
	pad := 0
	if align > 1 && len(a.scalars) > 0 {
		pad = int(-uintptr(unsafe.Pointer(unsafe.SliceData(a.scalars)))) & (align - 1)
	}
	if len(a.scalars) < pad+n {
		size := nextChunk(&a.scalarChunk, int(a.hint.scalars), minScalarChunk, n, limit)
		// Allocated as uint64s so that the base is 8-aligned for int32 lists.
		words := make([]uint64, (size+7)/8)
		a.scalars = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), size)
		pad = 0
	}
	s := a.scalars[pad : pad+n : pad+n]
	a.scalars = a.scalars[pad+n:]
	a.scalarUsed += pad + n
	return s
}

// int32Slice returns a zeroed []int32 of length n > 0 carved from the scalar chunk.
func (r *reader) int32Slice(n int) []int32 {
	b := r.scalarBytes(4*n, 4, 2*(len(r.buf)-r.off)+3)
	return unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// string returns b copied out of the input: short strings through the intern table
// (intern.go), longer ones carved from the scalar chunk.
func (r *reader) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) <= maxInternLen {
		return internString(b)
	}
	var s []byte
	if a := &r.arenas; len(a.scalars) >= len(b) {
		s, a.scalars = a.scalars[:len(b):len(b)], a.scalars[len(b):]
		a.scalarUsed += len(b)
	} else {
		s = r.scalarBytes(len(b), 1, len(b)+2*(len(r.buf)-r.off))
	}
	copy(s, b)
	return unsafe.String(unsafe.SliceData(s), len(s))
}

// stringPtr returns a pointer to a new string holding s, carved from a chunk.
func (r *reader) stringPtr(s string) *string {
	a := &r.arenas
	if len(a.strPtrs) == 0 {
		// Each *string needs at least one length byte on the wire.
		a.strPtrs = make([]string, nextChunk(&a.strPtrChunk, int(a.hint.strPtrs), minStringPtrs, 1, len(r.buf)-r.off+1))
	}
	p := &a.strPtrs[0]
	*p = s
	a.strPtrs = a.strPtrs[1:]
	a.strPtrUsed++
	return p
}
