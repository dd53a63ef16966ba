package layout

import (
	"fmt"
	"reflect"
	"unsafe"
)

// Structs: a struct value is its fields in order; a *struct is nullable, and defaults
// to null, as every nullable struct of Kafka's specs declares (so a recursive struct
// type needs no infinite default). A struct value's default is its fields' defaults.

func impliedStructDefault(v *Value) Default { return Default{Null: v.Ptr} }

func parseStructDefault(lit string, v *Value) (Default, error) {
	if lit == "null" && v.Ptr {
		return Default{Null: true}, nil
	}
	return Default{}, fmt.Errorf("only null is allowed as a default here")
}

func setStructDefault(f *Field, p unsafe.Pointer) {
	switch {
	case !f.Ptr:
		f.Struct.SetDefaults(p)
	case f.Default.Null:
		*(*unsafe.Pointer)(p) = nil
	default:
		sp := reflect.New(f.GoType.Elem()).UnsafePointer()
		f.Struct.SetDefaults(sp)
		*(*unsafe.Pointer)(p) = sp
	}
}

func isStructDefault(f *Field, p unsafe.Pointer) bool {
	if !f.Ptr {
		return f.Struct.IsDefault(p)
	}
	sp := *(*unsafe.Pointer)(p)
	if f.Default.Null {
		return sp == nil
	}
	return sp != nil && f.Struct.IsDefault(sp)
}

func isStructEmpty(f *Field, p unsafe.Pointer) bool {
	if f.Ptr {
		sp := *(*unsafe.Pointer)(p)
		return sp == nil || f.Struct.IsEmpty(sp)
	}
	return f.Struct.IsEmpty(p)
}
