package serial

import (
	"reflect"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
)

// This file is about defaults: setting them (a decoded message takes its spec defaults
// for fields absent at its version) and recognising them (a tagged field equal to its
// default is not written; an absent field may hold only its default or zero).

// fieldNeedsDefault reports whether a field's default differs from Go's zero value,
// directly or in a nested struct value.
func fieldNeedsDefault(f *fieldInfo) bool {
	if f.def.set {
		return true
	}
	return f.kind == kStruct && !f.ptr && f.sub.needsDefaults(map[*typeInfo]bool{})
}

func (ti *typeInfo) needsDefaults(seen map[*typeInfo]bool) bool {
	if seen[ti] {
		return false
	}
	seen[ti] = true
	for i := range ti.fields {
		f := &ti.fields[i]
		if f.def.set || (f.kind == kStruct && !f.ptr && f.sub.needsDefaults(seen)) {
			return true
		}
	}
	return false
}

// setDefaults writes every field's default into the struct at p.
func (ti *typeInfo) setDefaults(p unsafe.Pointer) {
	for i := range ti.fields {
		applyDefault(&ti.fields[i], unsafe.Add(p, ti.fields[i].offset))
	}
}

// applyDefault writes field f's default at p (which points at the field).
func applyDefault(f *fieldInfo, p unsafe.Pointer) {
	d := &f.def
	switch f.kind {
	case kBool:
		*(*bool)(p) = d.b
	case kInt8:
		*(*int8)(p) = int8(d.i)
	case kInt16:
		*(*int16)(p) = int16(d.i)
	case kInt32, kVarint:
		*(*int32)(p) = int32(d.i)
	case kInt64, kVarlong:
		*(*int64)(p) = d.i
	case kUint16:
		*(*uint16)(p) = uint16(d.u)
	case kUint32, kUvarint:
		*(*uint32)(p) = uint32(d.u)
	case kFloat64:
		*(*float64)(p) = d.f
	case kString, kVarstring:
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
	case kBytes, kVarbytes, kArray:
		if d.null {
			*(*sliceHeader)(p) = sliceHeader{}
		} else {
			*(*sliceHeader)(p) = sliceHeader{data: unsafe.Pointer(&zeroLen)} // empty, not nil
		}
	}
}

// sliceHeader is the layout of every Go slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// isDefault reports whether the field at p equals exactly what decoding would give
// when the field is absent: its default literal, or the implied default without one.
// A tagged field is written only when this is false.
func isDefault(f *fieldInfo, p unsafe.Pointer) bool {
	d := &f.def
	switch f.kind {
	case kBool:
		return *(*bool)(p) == d.b
	case kInt8:
		return *(*int8)(p) == int8(d.i)
	case kInt16:
		return *(*int16)(p) == int16(d.i)
	case kInt32, kVarint:
		return *(*int32)(p) == int32(d.i)
	case kInt64, kVarlong:
		return *(*int64)(p) == d.i
	case kUint16:
		return *(*uint16)(p) == uint16(d.u)
	case kUint32, kUvarint:
		return *(*uint32)(p) == uint32(d.u)
	case kFloat64:
		// Bit equality: -0.0 and NaN payloads must survive a round trip.
		return *(*uint64)(p) == *(*uint64)(unsafe.Pointer(&d.f))
	case kString, kVarstring:
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
	case kBytes, kVarbytes, kArray:
		h := (*sliceHeader)(p)
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
	case kBytes, kVarbytes, kArray:
		return (*sliceHeader)(p).len == 0
	case kString, kVarstring:
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
