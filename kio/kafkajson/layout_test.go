package kafkajson

import (
	"testing"
	"unsafe"
)

// TestSliceHeader: the encoder reads slices of any element type as sliceHeader; this
// is the layout every Go slice has, which a runtime change would break here first.
func TestSliceHeader(t *testing.T) {
	s := make([]int32, 3, 7)
	h := (*sliceHeader)(unsafe.Pointer(&s))
	if h.data != unsafe.Pointer(&s[0]) || h.len != 3 || h.cap != 7 {
		t.Fatalf("slice header %+v does not match %p len 3 cap 7", *h, &s[0])
	}
}
