package layout

import (
	"fmt"
	"unsafe"
)

// Bytes and records ([]byte), and the slice rules arrays share: nil is null where the
// field is nullable, and empty otherwise. Bytes default to empty, records to null;
// "null" is the only default literal.

func impliedBytesDefault(v *Value) Default {
	if v.Records {
		return Default{Null: true}
	}
	return Default{Set: true}
}

// parseSliceDefault reads the default literal of bytes, records or an array.
func parseSliceDefault(lit string) (Default, error) {
	if lit == "null" {
		return Default{Null: true}, nil
	}
	return Default{}, fmt.Errorf("only null is allowed as a default here")
}

// sliceHeader is the layout of every Go slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

func sliceAt(p unsafe.Pointer) *sliceHeader { return (*sliceHeader)(p) }

// emptyArray is where empty, non-nil slices point: a zero-length slice may point
// anywhere.
var emptyArray [0]byte

// EmptySlice is the data pointer of the empty, non-nil slices defaults set.
var EmptySlice = unsafe.Pointer(&emptyArray)

func setSliceDefault(f *Field, p unsafe.Pointer) {
	if f.Default.Null {
		*sliceAt(p) = sliceHeader{}
	} else {
		*sliceAt(p) = sliceHeader{data: EmptySlice} // empty, not nil
	}
}

func isSliceDefault(f *Field, p unsafe.Pointer) bool {
	h := sliceAt(p)
	switch {
	case f.Default.Null:
		return h.data == nil
	case f.NullableSomewhere:
		return h.data != nil && h.len == 0 // empty, but not null
	default:
		return h.len == 0 // nil and empty are one value where null cannot be written
	}
}
