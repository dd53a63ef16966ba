package layout

import (
	"fmt"
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

// This file dispatches the default rules to each kind's own (kind_*.go): what a
// default literal means, what a field without one defaults to, and, in memory,
// setting a default and recognising one. They are switches rather than a table of
// function values: a call through a function value would make the codec's values
// escape to the heap.

// impliedDefault is the default of a field without a default literal, as Kafka's spec
// format gives it (SCHEMA-FORMAT.md).
func impliedDefault(v *Value) Default {
	switch v.Kind {
	case String:
		return impliedStringDefault(v)
	case Bytes:
		return impliedBytesDefault(v)
	case Array:
		return impliedArrayDefault(v)
	case Struct:
		return impliedStructDefault(v)
	}
	return Default{} // numbers and uuids: zero
}

// parseDefault reads a spec default literal for a value of the given layout.
func parseDefault(lit string, v *Value) (Default, error) {
	if n := v.Kind.Number(); n != nil {
		return parseNumberDefault(lit, n)
	}
	switch v.Kind {
	case String:
		return parseStringDefault(lit, v)
	case Bytes, Array:
		return parseSliceDefault(lit)
	case Struct:
		return parseStructDefault(lit, v)
	}
	return Default{}, fmt.Errorf("no default is allowed for this type")
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
	if n := f.Kind.Number(); n != nil {
		StoreBits(p, n.Width, f.Default.Bits)
		return
	}
	switch f.Kind {
	case String:
		setStringDefault(f, p)
	case Struct:
		setStructDefault(f, p)
	case UUID:
		*(*kio.UUID)(p) = kio.UUID{}
	case Bytes, Array:
		setSliceDefault(f, p)
	}
}

// IsDefault reports whether the field at p equals exactly what decoding gives when the
// field is absent: its default literal, or the implied default without one. A tagged
// field is written only when this is false. Numbers compare by bits, so a float64's
// -0.0 and NaN payloads survive a round trip.
func (f *Field) IsDefault(p unsafe.Pointer) bool {
	if n := f.Kind.Number(); n != nil {
		return LoadBits(p, n.Width) == f.Default.Bits
	}
	switch f.Kind {
	case String:
		return isStringDefault(f, p)
	case UUID:
		return *(*kio.UUID)(p) == kio.UUID{}
	case Bytes, Array:
		return isSliceDefault(f, p)
	case Struct:
		return isStructDefault(f, p)
	}
	return false
}

// IsDefault reports whether every field of the struct at p is at its default and no
// unknown tagged field is kept.
func (t *Type) IsDefault(p unsafe.Pointer) bool { return t.every(p, (*Field).IsDefault) }

// every reports whether the struct at p keeps no unknown tagged field and each of its
// fields satisfies is.
func (t *Type) every(p unsafe.Pointer, is func(*Field, unsafe.Pointer) bool) bool {
	if t.HasUnknownTags() && len(*(*kio.RawTags)(unsafe.Add(p, t.UnknownOffset))) != 0 {
		return false
	}
	for i := range t.Fields {
		if !is(&t.Fields[i], unsafe.Add(p, t.Fields[i].Offset)) {
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
		return isStringEmpty(f, p)
	case Struct:
		return isStructEmpty(f, p)
	case UUID:
		return *(*kio.UUID)(p) == kio.UUID{}
	}
	return f.IsDefault(p) || LoadBits(p, f.Kind.FixedWidth()) == 0 // numbers
}

// IsEmpty reports whether every field of the struct at p is empty (see Field.IsEmpty)
// and no unknown tagged field is kept.
func (t *Type) IsEmpty(p unsafe.Pointer) bool { return t.every(p, (*Field).IsEmpty) }
