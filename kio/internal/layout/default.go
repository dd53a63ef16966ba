package layout

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
)

// Default is a field's default, as decoding gives it to a field absent at a version
// and as a tagged field equal to it is left unwritten. The zero Default is Go's zero
// value.
type Default struct {
	Set  bool   // the default is not Go's zero value
	Null bool   // the default is null (nil)
	Bits uint64 // a number kind's value as it lies in memory (see Number)
	S    string // a string's value
}

// impliedDefault is the default of a field without a default literal, as Kafka's spec
// format gives it: zero numbers, false, the empty string (also for nullable strings, so
// not nil), empty bytes, empty arrays (not nil), null records. A nullable struct
// defaults to null, as every nullable struct of Kafka's specs declares (and so a
// recursive struct type needs no infinite default).
func impliedDefault(v *Value) Default {
	switch v.Kind {
	case String:
		return Default{Set: v.Ptr}
	case Bytes:
		if v.Records {
			return Default{Null: true}
		}
		return Default{Set: true}
	case Array:
		return Default{Set: true}
	case Struct:
		return Default{Null: v.Ptr}
	}
	return Default{}
}

// parseDefault reads a spec default literal for a value of the given layout.
func parseDefault(lit string, v *Value) (Default, error) {
	var d Default
	var err error
	if n := v.Kind.Number(); n != nil {
		d.Bits, err = n.Parse(lit, 8*n.Width)
		d.Set = d.Bits != 0
		return d, err
	}
	switch v.Kind {
	case String:
		switch {
		case lit == "null" && v.Ptr:
			d.Null = true
		case lit == "null":
			err = fmt.Errorf("null default for a non-nullable string")
		default:
			d.S = lit
			d.Set = v.Ptr || lit != "" // a non-nil *string is not Go's zero value
		}
	case Bytes, Array, Struct:
		switch {
		case lit == "null" && (v.Kind != Struct || v.Ptr):
			d.Null = true
		default:
			err = fmt.Errorf("only null is allowed as a default here")
		}
	default:
		err = fmt.Errorf("no default is allowed for this type")
	}
	return d, err
}

// The memory side of defaults: values are reached through a pointer to the field, as
// the codec reaches them.

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

// LoadBits reads the width bytes of a number at p as bits; StoreBits writes them.
func LoadBits(p unsafe.Pointer, width int) uint64 {
	switch width {
	case 1:
		return uint64(*(*uint8)(p))
	case 2:
		return uint64(*(*uint16)(p))
	case 4:
		return uint64(*(*uint32)(p))
	default:
		return *(*uint64)(p)
	}
}

// StoreBits writes the width bytes of a number's bits at p.
func StoreBits(p unsafe.Pointer, width int, bits uint64) {
	switch width {
	case 1:
		*(*uint8)(p) = uint8(bits)
	case 2:
		*(*uint16)(p) = uint16(bits)
	case 4:
		*(*uint32)(p) = uint32(bits)
	default:
		*(*uint64)(p) = bits
	}
}

// SetDefaults writes every field's default into the struct of type t at p (nested
// struct values included); the unknownTags field is left alone.
func (t *Type) SetDefaults(p unsafe.Pointer) {
	for i := range t.Fields {
		t.Fields[i].SetDefault(unsafe.Add(p, t.Fields[i].Offset))
	}
}

// SetDefault writes f's default at p, which points at the field.
func (f *Field) SetDefault(p unsafe.Pointer) {
	d := &f.Default
	if n := f.Kind.Number(); n != nil {
		StoreBits(p, n.Width, d.Bits)
		return
	}
	switch f.Kind {
	case String:
		if f.Ptr {
			if d.Set {
				s := d.S
				*(**string)(p) = &s
			} else {
				*(**string)(p) = nil
			}
		} else {
			*(*string)(p) = d.S
		}
	case Struct:
		switch {
		case !f.Ptr:
			f.Struct.SetDefaults(p)
		case d.Null:
			*(*unsafe.Pointer)(p) = nil
		default:
			sp := reflect.New(f.GoType.Elem()).UnsafePointer()
			f.Struct.SetDefaults(sp)
			*(*unsafe.Pointer)(p) = sp
		}
	case UUID:
		*(*kio.UUID)(p) = kio.UUID{}
	case Bytes, Array:
		if d.Null {
			*sliceAt(p) = sliceHeader{}
		} else {
			*sliceAt(p) = sliceHeader{data: EmptySlice} // empty, not nil
		}
	}
}

// IsDefault reports whether the field at p equals exactly what decoding gives when the
// field is absent: its default literal, or the implied default without one. A tagged
// field is written only when this is false. Numbers compare by bits, so a float64's
// -0.0 and NaN payloads survive a round trip.
func (f *Field) IsDefault(p unsafe.Pointer) bool {
	d := &f.Default
	if n := f.Kind.Number(); n != nil {
		return LoadBits(p, n.Width) == d.Bits
	}
	switch f.Kind {
	case String:
		if f.Ptr {
			sp := *(**string)(p)
			if !d.Set {
				return sp == nil
			}
			return sp != nil && *sp == d.S
		}
		return *(*string)(p) == d.S
	case UUID:
		return *(*kio.UUID)(p) == kio.UUID{}
	case Bytes, Array:
		h := sliceAt(p)
		switch {
		case d.Null:
			return h.data == nil
		case f.NullableSomewhere:
			return h.data != nil && h.len == 0 // empty, but not null
		default:
			return h.len == 0 // nil and empty are one value where null cannot be written
		}
	case Struct:
		if !f.Ptr {
			return f.Struct.IsDefault(p)
		}
		sp := *(*unsafe.Pointer)(p)
		if d.Null {
			return sp == nil
		}
		return sp != nil && f.Struct.IsDefault(sp)
	}
	return false
}

// IsDefault reports whether every field of the struct at p is at its default and no
// unknown tagged field is kept.
func (t *Type) IsDefault(p unsafe.Pointer) bool {
	if t.HasUnknownTags() && len(*(*kio.RawTags)(unsafe.Add(p, t.UnknownOffset))) != 0 {
		return false
	}
	for i := range t.Fields {
		if !t.Fields[i].IsDefault(unsafe.Add(p, t.Fields[i].Offset)) {
			return false
		}
	}
	return true
}

// IsEmpty reports whether the field at p holds nothing that would be lost by not
// writing it: its default, or a zero or empty value. A field absent at a version must
// be empty in this sense unless it is ignorable.
func (f *Field) IsEmpty(p unsafe.Pointer) bool {
	switch f.Kind {
	case Bytes, Array:
		return sliceAt(p).len == 0
	case String:
		if f.Ptr {
			sp := *(**string)(p)
			return sp == nil || *sp == "" || f.IsDefault(p)
		}
		return *(*string)(p) == "" || f.IsDefault(p)
	case Struct:
		if f.Ptr {
			sp := *(*unsafe.Pointer)(p)
			return sp == nil || f.Struct.IsEmpty(sp)
		}
		return f.Struct.IsEmpty(p)
	}
	return f.IsDefault(p) || reflect.NewAt(f.GoType, p).Elem().IsZero()
}

// IsEmpty reports whether every field of the struct at p is empty (see Field.IsEmpty)
// and no unknown tagged field is kept.
func (t *Type) IsEmpty(p unsafe.Pointer) bool {
	if t.HasUnknownTags() && len(*(*kio.RawTags)(unsafe.Add(p, t.UnknownOffset))) != 0 {
		return false
	}
	for i := range t.Fields {
		if !t.Fields[i].IsEmpty(unsafe.Add(p, t.Fields[i].Offset)) {
			return false
		}
	}
	return true
}
