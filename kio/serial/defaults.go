package serial

import (
	"reflect"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
)

// This file is about defaults: setting them (a decoded message takes its spec defaults
// for fields absent at its version) and recognising them (a tagged field equal to its
// default is not written; an absent field may hold only its default or zero).

// setDefaults writes every field's default into the struct at p.
func (ti *typeInfo) setDefaults(p unsafe.Pointer) {
	for i := range ti.fields {
		applyDefault(&ti.fields[i], unsafe.Add(p, ti.fields[i].offset))
	}
}

// applyDefault writes field f's default at p (which points at the field).
func applyDefault(f *fieldInfo, p unsafe.Pointer) {
	d := &f.def
	if n := numberKindOf(f.kind); n != nil {
		storeBits(p, n.width, d.bits)
		return
	}
	switch f.kind {
	case kString:
		if f.ptr {
			if d.set {
				s := d.s
				*(**string)(p) = &s
			} else {
				*(**string)(p) = nil
			}
		} else {
			*(*string)(p) = d.s
		}
	case kStruct:
		switch {
		case !f.ptr:
			f.sub.setDefaults(p)
		case d.null:
			*(*unsafe.Pointer)(p) = nil
		default:
			sp := reflect.New(f.goType.Elem()).UnsafePointer()
			f.sub.setDefaults(sp)
			*(*unsafe.Pointer)(p) = sp
		}
	case kUUID:
		*(*kio.UUID)(p) = kio.UUID{}
	case kBytes, kArray:
		if d.null {
			*sliceAt(p) = sliceHeader{}
		} else {
			*sliceAt(p) = sliceHeader{data: unsafe.Pointer(&zeroLen)} // empty, not nil
		}
	}
}

// defaultWrite sets one field of a zeroed struct to its default when decoding: a
// fixed-width value as its bits, anything else through applyDefault. A plan keeps
// its defaults flattened this way, nested struct values included, so that a decode
// pays one store per non-zero default rather than a walk over every field.
type defaultWrite struct {
	offset uintptr    // from the start of the plan's struct
	size   uint8      // 1, 2, 4 or 8 for a fixed-width value; 0 for applyDefault
	bits   uint64     // the value, for a fixed-width one
	field  *fieldInfo // the field, for applyDefault
}

// appendDefaultWrites appends the writes that give field f, found at off in a zeroed
// struct, its default; nothing where the default is Go's zero value.
func appendDefaultWrites(ws []defaultWrite, f *fieldInfo, off uintptr) []defaultWrite {
	d := &f.def
	fixed := func(size uint8, bits uint64) []defaultWrite {
		if bits == 0 {
			return ws
		}
		return append(ws, defaultWrite{offset: off, size: size, bits: bits})
	}
	if n := numberKindOf(f.kind); n != nil {
		return fixed(uint8(n.width), d.bits)
	}
	switch f.kind {
	case kUUID:
		return ws // only ever the zero UUID
	case kStruct:
		if f.ptr {
			if d.null {
				return ws
			}
			break
		}
		for i := range f.sub.fields {
			sf := &f.sub.fields[i]
			ws = appendDefaultWrites(ws, sf, off+sf.offset)
		}
		return ws
	case kString:
		if !f.ptr && d.s == "" || f.ptr && !d.set {
			return ws
		}
	case kBytes, kArray:
		if d.null {
			return ws
		}
	}
	return append(ws, defaultWrite{offset: off, field: f})
}

// applyDefaults performs ws on the zeroed struct at p. A *string default is carved
// from the decode's arenas rather than allocated alone.
func (r *reader) applyDefaults(ws []defaultWrite, p unsafe.Pointer) {
	for i := range ws {
		w := &ws[i]
		q := unsafe.Add(p, w.offset)
		switch w.size {
		case 1:
			*(*uint8)(q) = uint8(w.bits)
		case 2:
			*(*uint16)(q) = uint16(w.bits)
		case 4:
			*(*uint32)(q) = uint32(w.bits)
		case 8:
			*(*uint64)(q) = w.bits
		default:
			if w.field.kind == kString && w.field.ptr {
				*(**string)(q) = r.stringPtr(w.field.def.s)
			} else {
				applyDefault(w.field, q)
			}
		}
	}
}

// isDefault reports whether the field at p equals exactly what decoding would give
// when the field is absent: its default literal, or the implied default without one.
// A tagged field is written only when this is false.
func isDefault(f *fieldInfo, p unsafe.Pointer) bool {
	d := &f.def
	if n := numberKindOf(f.kind); n != nil {
		// Bit equality: a float64's -0.0 and NaN payloads must survive a round trip.
		return loadBits(p, n.width) == d.bits
	}
	switch f.kind {
	case kString:
		if f.ptr {
			sp := *(**string)(p)
			if !d.set {
				return sp == nil
			}
			return sp != nil && *sp == d.s
		}
		return *(*string)(p) == d.s
	case kUUID:
		return *(*kio.UUID)(p) == kio.UUID{}
	case kBytes, kArray:
		h := sliceAt(p)
		switch {
		case d.null:
			return h.data == nil
		case f.nullable:
			return h.data != nil && h.len == 0 // empty, but not null
		default:
			return h.len == 0 // nil and empty are one value where null cannot be written
		}
	case kStruct:
		if !f.ptr {
			return f.sub.isDefault(p)
		}
		sp := *(*unsafe.Pointer)(p)
		if d.null {
			return sp == nil
		}
		return sp != nil && f.sub.isDefault(sp)
	}
	return false
}

// isDefault reports whether every field of the struct at p is at its default and no
// unknown tagged field is kept.
func (ti *typeInfo) isDefault(p unsafe.Pointer) bool {
	if ti.hasUnknown && len(*(*kio.RawTags)(unsafe.Add(p, ti.unknownOff))) != 0 {
		return false
	}
	for i := range ti.fields {
		if !isDefault(&ti.fields[i], unsafe.Add(p, ti.fields[i].offset)) {
			return false
		}
	}
	return true
}

// isEmpty reports whether the field at p holds nothing that would be lost by not
// writing it: its default, or a zero or empty value. Fields absent at a version must
// be empty in this sense unless they are ignorable.
func isEmpty(f *fieldInfo, p unsafe.Pointer) bool {
	switch f.kind {
	case kBytes, kArray:
		return sliceAt(p).len == 0
	case kString:
		if f.ptr {
			sp := *(**string)(p)
			return sp == nil || *sp == "" || isDefault(f, p)
		}
		return *(*string)(p) == "" || isDefault(f, p)
	case kStruct:
		if f.ptr {
			sp := *(*unsafe.Pointer)(p)
			return sp == nil || f.sub.isEmpty(sp)
		}
		return f.sub.isEmpty(p)
	}
	return isDefault(f, p) || reflect.NewAt(f.goType, p).Elem().IsZero()
}

func (ti *typeInfo) isEmpty(p unsafe.Pointer) bool {
	if ti.hasUnknown && len(*(*kio.RawTags)(unsafe.Add(p, ti.unknownOff))) != 0 {
		return false
	}
	for i := range ti.fields {
		if !isEmpty(&ti.fields[i], unsafe.Add(p, ti.fields[i].offset)) {
			return false
		}
	}
	return true
}
