package layout

import (
	"fmt"
	"unsafe"
)

// Strings: string, or *string where nullable. The implied default is the empty string,
// for nullable ones too (so a *string defaults to a pointer to "", not nil); "null" is a
// default only for a nullable one.

func impliedStringDefault(v *Value) Default { return Default{Set: v.Ptr} }

func parseStringDefault(lit string, v *Value) (Default, error) {
	switch {
	case lit == "null" && v.Ptr:
		return Default{Null: true}, nil
	case lit == "null":
		return Default{}, fmt.Errorf("null default for a non-nullable string")
	}
	// A non-nil *string is not Go's zero value.
	return Default{S: lit, Set: v.Ptr || lit != ""}, nil
}

func setStringDefault(f *Field, p unsafe.Pointer) {
	d := &f.Default
	switch {
	case !f.Ptr:
		*(*string)(p) = d.S
	case d.Set:
		s := d.S
		*(**string)(p) = &s
	default:
		*(**string)(p) = nil
	}
}

func isStringDefault(f *Field, p unsafe.Pointer) bool {
	d := &f.Default
	if !f.Ptr {
		return *(*string)(p) == d.S
	}
	sp := *(**string)(p)
	if !d.Set {
		return sp == nil
	}
	return sp != nil && *sp == d.S
}

func isStringEmpty(f *Field, p unsafe.Pointer) bool {
	if f.Ptr {
		sp := *(**string)(p)
		return sp == nil || *sp == "" || isStringDefault(f, p)
	}
	return *(*string)(p) == "" || isStringDefault(f, p)
}
