package serial

import "unsafe"

// Decoding a message makes many small values: partition replica lists, topic names.
// Allocating each alone dominates decode time, so the reader carves them from shared
// chunks instead. Every carved slice has its capacity cut to its length, so an append
// by the caller reallocates rather than overwriting a neighbour, and strings are copied
// out of the input, so nothing decoded aliases memory the caller may reuse (bytes fields
// aside, as documented). Chunks never exceed what the remaining input could fill, so a
// hostile length prefix cannot inflate them.

const (
	minArenaChunk  = 32    // int32s in a first chunk
	minStringPtrs  = 4     // strings in a first chunk for *string fields: few messages have many
	minStringBytes = 512   // bytes in a first string chunk: small messages need just one
	maxArenaChunk  = 16384 // elements or bytes in the largest chunk
)

type arenas struct {
	int32s  []int32  // free part of the current int32 chunk
	strs    []byte   // free part of the current string-bytes chunk
	strPtrs []string // free part of the current chunk of strings that *string fields point into
	// Growth state of each arena: its last chunk's size. Chunks double, so a small
	// message wastes little and a large one needs few chunks.
	int32Chunk, strChunk, strPtrChunk int
}

// nextChunk returns the size of the next chunk for a request of n elements: double
// the last (recorded in last), at least first, at most limit (what the remaining
// input could still hold) unless n itself is more.
func nextChunk(last *int, first, n, limit int) int {
	*last = min(max(*last*2, first), maxArenaChunk)
	return max(n, min(*last, limit))
}

// int32s returns a zeroed []int32 of length n carved from the current chunk.
func (r *reader) int32Slice(n int) []int32 {
	a := &r.arenas
	if len(a.int32s) < n {
		a.int32s = make([]int32, nextChunk(&a.int32Chunk, minArenaChunk, n, (len(r.buf)-r.off)/4))
	}
	s := a.int32s[:n:n]
	a.int32s = a.int32s[n:]
	return s
}

// string copies b into the current string chunk and returns it as a string.
func (r *reader) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	a := &r.arenas
	if len(a.strs) < len(b) {
		a.strs = make([]byte, nextChunk(&a.strChunk, minStringBytes, len(b), len(b)+len(r.buf)-r.off))
	}
	n := copy(a.strs, b)
	s := unsafe.String(&a.strs[0], n)
	a.strs = a.strs[n:]
	return s
}

// stringPtr returns a pointer to a new string holding s, carved from a chunk.
func (r *reader) stringPtr(s string) *string {
	a := &r.arenas
	if len(a.strPtrs) == 0 {
		// Each *string needs at least one length byte on the wire.
		a.strPtrs = make([]string, nextChunk(&a.strPtrChunk, minStringPtrs, 1, len(r.buf)-r.off+1))
	}
	p := &a.strPtrs[0]
	*p = s
	a.strPtrs = a.strPtrs[1:]
	return p
}
