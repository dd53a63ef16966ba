// Package arena holds the memory rules of decoding, shared by kio/serial's plan
// interpreter and the generated straight-line decoders (kio/internal/straight), so that
// both keep serial's memory contract alike: strings copied out of the input through a
// small process-wide intern table (intern.go), *string cells and int32 lists carved
// from bounded chunks (this file).
package arena

import "sync/atomic"

// Decoding a message makes many small values: partition replica and ISR lists above
// all. Allocating each alone dominates decode time, so a decode carves them from
// shared chunks instead: one chunk of int32s for int32 lists, and one of strings for
// *string fields to point into. Every carved slice has its capacity cut to its length,
// so an append by the caller reallocates rather than overwriting a neighbour.
//
// What a kept value keeps alive is bounded (the memory contract in kio/serial's
// package doc): a chunk holds at most maxInt32Chunk int32s (4 KiB, no pointers) or
// maxStringPtrs cells, whatever the message's size, so keeping one replica list of a
// 2,000-topic Metadata response keeps at most 4 KiB alive, not the whole response's
// lists. Strings longer than MaxInternLen are allocated alone, and a *string cell only
// ever points at a string of at most MaxInternLen bytes or one allocated alone, so a
// cell chunk keeps alive at most its cells and their short strings.
//
// Sizing: a plan remembers how much the last decode with it carved (Hint), and the
// first chunk of the next decode takes that much (within the caps), so small messages
// of a steady shape cost one allocation per chunk kind, sized exactly. Without a hint
// a chunk starts small and doubles up to the cap. A chunk never exceeds what the
// remaining input could fill (the limit each carving call is given), so a hostile
// length prefix cannot inflate it, and neither can a hint.

const (
	minInt32Chunk = 16   // int32s in a first chunk without a hint
	maxInt32Chunk = 1024 // int32s (4 KiB) in the largest chunk: what a kept list can pin
	minStringPtrs = 4    // cells in a first chunk for *string fields: few messages have many
	maxStringPtrs = 64   // cells (1 KiB) in the largest chunk
)

// Arenas is one decode's chunks. The zero value is ready; set Hint first to size the
// first chunks.
type Arenas struct {
	// Int32Free is the free part of the current chunk for int32 lists. A decoder
	// that carves from it directly (kio/serial's direct loops) adds what it took to
	// Int32Used.
	Int32Free []int32
	strPtrs   []string // free part of the current chunk of strings that *string fields point into
	// Growth state: each kind's last chunk size.
	int32Chunk, strPtrChunk int
	// What this decode carved so far, and the hints it started from.
	Int32Used, strPtrUsed int
	Hint                  Hint
}

// Hint is what one decode carved, kept on a top-level plan for the next.
type Hint struct {
	int32s, strPtrs int32
}

// Hints is a plan's record of its last decode, read and written atomically since
// decodes run concurrently.
type Hints struct {
	int32s, strPtrs atomic.Int32
}

// Load returns the recorded hint.
func (h *Hints) Load() Hint {
	return Hint{h.int32s.Load(), h.strPtrs.Load()}
}

// Store records what a decode carved, writing only what changed to keep the cache
// line shared between cores in the steady state.
func (h *Hints) Store(a *Arenas) {
	if s := int32(min(a.Int32Used, maxInt32Chunk)); s != h.int32s.Load() {
		h.int32s.Store(s)
	}
	if s := int32(min(a.strPtrUsed, maxStringPtrs)); s != h.strPtrs.Load() {
		h.strPtrs.Store(s)
	}
}

// nextChunk returns the size of the next chunk for a request of n elements: the hint
// for a first chunk, or double the last (recorded in last), between first and most;
// never more than limit (what the remaining input could still hold) unless n itself
// is more, in which case the chunk is exactly n and shared with nothing.
func nextChunk(last *int, hint, first, most, n, limit int) int {
	if *last == 0 && hint > 0 {
		*last = min(hint, most)
	} else {
		*last = min(max(*last*2, first), most)
	}
	return max(n, min(*last, limit))
}

// Int32s returns a zeroed []int32 of length n > 0 carved from the int32 chunk. The
// caller has checked that the input holds the n values; limit is how many int32s the
// input after them could still hold (its remaining bytes / 4), which bounds a new
// chunk.
func (a *Arenas) Int32s(n, limit int) []int32 {
	if len(a.Int32Free) < n {
		a.Int32Free = make([]int32, nextChunk(&a.int32Chunk, int(a.Hint.int32s), minInt32Chunk, maxInt32Chunk, n, limit))
	}
	s := a.Int32Free[:n:n]
	a.Int32Free = a.Int32Free[n:]
	a.Int32Used += n
	return s
}

// String returns b copied out of the input: short strings through the intern table
// (intern.go), longer ones in an allocation of their own.
func String(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) <= MaxInternLen {
		return Intern(b)
	}
	return string(b)
}

// StringPtr returns a pointer to a new string holding s: a cell carved from a chunk
// for a short string, a cell of its own for a long one (so that a chunk of cells never
// keeps long strings alive). limit bounds a new chunk: how many *string fields the
// rest of the input could still hold (each needs at least one length byte).
func (a *Arenas) StringPtr(s string, limit int) *string {
	if len(s) > MaxInternLen {
		p := new(string)
		*p = s
		return p
	}
	if len(a.strPtrs) == 0 {
		a.strPtrs = make([]string, nextChunk(&a.strPtrChunk, int(a.Hint.strPtrs), minStringPtrs, maxStringPtrs, 1, limit))
	}
	p := &a.strPtrs[0]
	*p = s
	a.strPtrs = a.strPtrs[1:]
	a.strPtrUsed++
	return p
}
