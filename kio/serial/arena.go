package serial

import "github.com/kio-go/kafka-protocol/kio/internal/arena"

// The reader's carving and string copies go through kio/internal/arena, which holds
// the rules (bounded chunks, the intern table) for the generated straight-line
// decoders as well; the limits here are the reader's remaining input.

// int32Slice returns a zeroed []int32 of length n > 0 carved from the int32 chunk. The
// caller has checked that the input holds the n values.
func (r *reader) int32Slice(n int) []int32 {
	// Each int32 still to come takes four input bytes.
	return r.Arenas.Int32s(n, (len(r.buf)-r.off)/4)
}

// string returns b copied out of the input (arena.String).
func (r *reader) string(b []byte) string { return arena.String(b) }

// stringPtr returns a pointer to a new string holding s (arena.StringPtr).
func (r *reader) stringPtr(s string) *string {
	// Each *string needs at least one length byte on the wire.
	return r.Arenas.StringPtr(s, len(r.buf)-r.off+1)
}
