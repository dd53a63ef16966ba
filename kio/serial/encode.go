package serial

import (
	"encoding/binary"
	"math"
	"slices"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
)

// This file is the semantic level of encoding: it walks a plan over a struct in memory
// and appends its wire form. Field access is by offset from the struct's address.

func encodeErr(cause error) error { return &Error{Op: "encode", Offset: -1, Err: cause} }

// encode appends the struct at p.
func (pl *plan) encode(b []byte, p unsafe.Pointer) ([]byte, error) {
	if pl.err != nil {
		return b, encodeErr(pl.err)
	}
	if len(pl.absent) != 0 {
		if err := pl.checkAbsent(p); err != nil {
			return b, err
		}
	}
	var err error
	for _, o := range pl.ops {
		fp := unsafe.Add(p, o.offset)
		// The fixed-width kinds are written here, without a call: they are most of
		// the fields of real messages. (Eight cases or more also let the compiler
		// dispatch through a jump table rather than a chain of comparisons.)
		switch o.fast {
		case kInt32:
			b = appendInt32(b, *(*int32)(fp))
		case kInt16:
			b = appendInt16(b, *(*int16)(fp))
		case kInt64:
			b = appendInt64(b, *(*int64)(fp))
		case kInt8:
			b = append(b, *(*byte)(fp))
		case kBool:
			b = appendBool(b, *(*bool)(fp))
		case kString:
			// Short compact strings, the usual names and hosts, take one length byte.
			var sp *string
			if o.ptr {
				sp = *(**string)(fp)
			} else {
				sp = (*string)(fp)
			}
			if sp != nil && o.compact && len(*sp) < 0x7f {
				b = append(append(b, byte(len(*sp)+1)), *sp...)
			} else if sp == nil && o.compact && o.nullable {
				b = append(b, 0) // a null compact string
			} else if b, err = encodeValue(b, o, fp); err != nil {
				return b, atField(err, o.name)
			}
		case kCompactInt32s:
			h := (*sliceHeader)(fp)
			if h.len < 0x7f && (h.data != nil || !o.nullable) {
				// Replica and ISR lists, written without a call.
				b = append(b, byte(h.len+1))
				for _, v := range unsafe.Slice((*int32)(h.data), h.len) {
					b = appendInt32(b, v)
				}
			} else if b, err = encodeArray(b, o, h); err != nil {
				return b, atField(err, o.name)
			}
		case kArray:
			if b, err = encodeArray(b, o, (*sliceHeader)(fp)); err != nil {
				return b, atField(err, o.name)
			}
		case kStruct:
			if o.ptr {
				if b, err = encodeValue(b, o, fp); err != nil {
					return b, atField(err, o.name)
				}
			} else if b, err = o.sub.encode(b, fp); err != nil {
				return b, atField(err, o.name)
			}
		case kUUID:
			b = append(b, (*kio.UUID)(fp)[:]...)
		default:
			if b, err = encodeValue(b, o, fp); err != nil {
				return b, atField(err, o.name)
			}
		}
	}
	if !pl.flexible {
		return b, nil
	}
	if len(pl.tagged) == 0 && (!pl.hasUnknown || len(*(*kio.RawTags)(unsafe.Add(p, pl.unknownOff))) == 0) {
		return append(b, 0), nil // an empty tagged-field section
	}
	return pl.encodeTagged(b, p)
}

// checkAbsent fails when a field absent at the plan's version holds a value.
func (pl *plan) checkAbsent(p unsafe.Pointer) error {
	for i := range pl.absent {
		o := &pl.absent[i]
		if !isEmpty(o.field, unsafe.Add(p, o.offset)) {
			return atField(encodeErr(causef(ErrVersion, "field %s has a value but does not exist at version %d", o.name, pl.version)), o.name)
		}
	}
	return nil
}

// encodeTagged appends the tagged-field section: known fields that differ from their
// default merged with kept unknown ones, in ascending tag order.
func (pl *plan) encodeTagged(b []byte, p unsafe.Pointer) ([]byte, error) {
	var unknown kio.RawTags
	if pl.ti.hasUnknown {
		unknown = *(*kio.RawTags)(unsafe.Add(p, pl.ti.unknownOff))
	}
	if len(pl.tagged) == 0 && len(unknown) == 0 {
		return append(b, 0), nil
	}
	count := len(unknown)
	for i := range pl.tagged {
		o := &pl.tagged[i]
		if len(unknown) != 0 {
			if _, ok := unknown[o.tag]; ok {
				return b, atField(encodeErr(causef(ErrTag, "unknown tag %d is field %s at version %d", o.tag, o.name, pl.version)), "UnknownTags")
			}
		}
		if !isDefault(o.field, unsafe.Add(p, o.offset)) {
			count++
		}
	}
	// The unknown tags in ascending order; few structs carry more than a handful.
	var idsBuf [8]uint32
	ids := idsBuf[:0]
	for id := range unknown {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b = appendUvarint(b, uint32(count))
	i, j := 0, 0
	for i < len(pl.tagged) || j < len(ids) {
		if j < len(ids) && (i == len(pl.tagged) || ids[j] < pl.tagged[i].tag) {
			data := unknown[ids[j]]
			b = appendUvarint(b, ids[j])
			b = appendUvarint(b, uint32(len(data)))
			b = append(b, data...)
			j++
			continue
		}
		o := &pl.tagged[i]
		i++
		fp := unsafe.Add(p, o.offset)
		if isDefault(o.field, fp) {
			continue
		}
		b = appendUvarint(b, o.tag)
		// Reserve one byte for the size, which fits most tagged fields, and make room
		// afterwards when the value turned out larger.
		sizeAt := len(b)
		b = append(b, 0)
		var err error
		if b, err = encodeValue(b, o, fp); err != nil {
			return b, atField(err, o.name)
		}
		size := len(b) - sizeAt - 1
		if size < 0x80 {
			b[sizeAt] = byte(size)
			continue
		}
		extra := uvarintSize(uint32(size)) - 1
		b = append(b, make([]byte, extra)...)
		copy(b[sizeAt+1+extra:], b[sizeAt+1:len(b)-extra])
		appendUvarint(b[:sizeAt], uint32(size))
	}
	return b, nil
}

// encodeValue appends one value of layout o found at p.
func encodeValue(b []byte, o *op, p unsafe.Pointer) ([]byte, error) {
	switch o.kind {
	case kBool:
		return appendBool(b, *(*bool)(p)), nil
	case kInt8:
		return appendInt8(b, *(*int8)(p)), nil
	case kInt16:
		return appendInt16(b, *(*int16)(p)), nil
	case kInt32:
		return appendInt32(b, *(*int32)(p)), nil
	case kInt64:
		return appendInt64(b, *(*int64)(p)), nil
	case kUint16:
		return appendInt16(b, int16(*(*uint16)(p))), nil
	case kUint32:
		return appendInt32(b, int32(*(*uint32)(p))), nil
	case kFloat64:
		return appendFloat64(b, *(*float64)(p)), nil
	case kUUID:
		u := (*kio.UUID)(p)
		return append(b, u[:]...), nil
	case kString:
		var s string
		if o.ptr {
			sp := *(**string)(p)
			if sp == nil {
				return appendNull(b, o)
			}
			s = *sp
		} else {
			s = *(*string)(p)
		}
		if len(s) > math.MaxInt16 {
			return b, encodeErr(causef(ErrRange, "string of %d bytes exceeds 32767", len(s)))
		}
		b = appendLength(b, o, len(s))
		return append(b, s...), nil
	case kBytes:
		bs := *(*[]byte)(p)
		if bs == nil && o.nullable {
			return appendNull(b, o)
		}
		if len(bs) > math.MaxInt32-1 {
			return b, encodeErr(causef(ErrRange, "%d bytes exceed the int32 length", len(bs)))
		}
		b = appendLength(b, o, len(bs))
		return append(b, bs...), nil
	case kArray:
		return encodeArray(b, o, (*sliceHeader)(p))
	case kStruct:
		if !o.ptr {
			return o.sub.encode(b, p)
		}
		sp := *(*unsafe.Pointer)(p)
		if sp == nil {
			if !o.nullable {
				return b, encodeErr(causef(ErrNull, "nil struct at a version where it is not nullable"))
			}
			return append(b, 0xff), nil
		}
		if o.nullable {
			b = append(b, 1)
		}
		return o.sub.encode(b, sp)
	}
	return b, encodeErr(causef(ErrSchema, "unknown wire kind %d", o.kind))
}

func encodeArray(b []byte, o *op, h *sliceHeader) ([]byte, error) {
	if h.data == nil && o.nullable {
		return appendNull(b, o)
	}
	if h.len > math.MaxInt32-1 {
		return b, encodeErr(causef(ErrRange, "%d elements exceed the int32 count", h.len))
	}
	b = appendLength(b, o, h.len)
	e := o.elem
	// Fast paths for the element kinds that dominate real messages.
	switch e.kind {
	case kInt32:
		return appendInt32s(b, unsafe.Slice((*int32)(h.data), h.len)), nil
	case kStruct:
		if !e.ptr {
			var err error
			for i := 0; i < h.len; i++ {
				if b, err = e.sub.encode(b, unsafe.Add(h.data, uintptr(i)*o.elemSize)); err != nil {
					return b, atIndex(err, i)
				}
			}
			return b, nil
		}
	}
	var err error
	for i := 0; i < h.len; i++ {
		if b, err = encodeValue(b, e, unsafe.Add(h.data, uintptr(i)*o.elemSize)); err != nil {
			return b, atIndex(err, i)
		}
	}
	return b, nil
}

// appendInt32s appends vs, growing b once.
func appendInt32s(b []byte, vs []int32) []byte {
	if len(vs) <= 4 {
		for _, v := range vs {
			b = appendInt32(b, v)
		}
		return b
	}
	n := len(b)
	b = slices.Grow(b, 4*len(vs))[:n+4*len(vs)]
	for i, v := range vs {
		binary.BigEndian.PutUint32(b[n+4*i:], uint32(v))
	}
	return b
}

// appendLength writes a string, bytes or array length in the field's encoding.
func appendLength(b []byte, o *op, n int) []byte {
	switch {
	case o.compact && n < 0x7f:
		return append(b, byte(n+1)) // the usual case: a one-byte compact length
	case o.compact:
		return appendUvarint(b, uint32(n)+1)
	case o.kind == kString:
		return appendInt16(b, int16(n))
	default:
		return appendInt32(b, int32(n))
	}
}

// appendNull writes a null string, bytes or array, if the field may be null here.
func appendNull(b []byte, o *op) ([]byte, error) {
	if !o.nullable {
		return b, encodeErr(causef(ErrNull, "null at a version where the field is not nullable"))
	}
	switch {
	case o.compact:
		return append(b, 0), nil
	case o.kind == kString:
		return appendInt16(b, -1), nil
	default:
		return appendInt32(b, -1), nil
	}
}

// size returns the length of the struct at p's wire form, as encode would write it,
// without writing it: Marshal allocates exactly that much. Values encode would refuse
// are sized as written anyway; encode reports them.
func (pl *plan) size(p unsafe.Pointer) int {
	n := pl.fixedSize
	for _, o := range pl.varOps {
		fp := unsafe.Add(p, o.offset)
		if o.kind != kArray {
			n += valueSize(o, fp)
			continue
		}
		// Arrays inline: the struct arrays and int32 lists of real messages.
		h := (*sliceHeader)(fp)
		if h.data == nil && o.nullable {
			n += lengthSize(o, -1)
			continue
		}
		n += lengthSize(o, h.len)
		switch e := o.elem; {
		case o.elemWidth > 0:
			n += o.elemWidth * h.len
		case e.kind == kStruct && !e.ptr:
			for i := 0; i < h.len; i++ {
				n += e.sub.size(unsafe.Add(h.data, uintptr(i)*o.elemSize))
			}
		default:
			for i := 0; i < h.len; i++ {
				n += valueSize(e, unsafe.Add(h.data, uintptr(i)*o.elemSize))
			}
		}
	}
	if !pl.flexible {
		return n
	}
	var unknown kio.RawTags
	if pl.hasUnknown {
		unknown = *(*kio.RawTags)(unsafe.Add(p, pl.unknownOff))
	}
	if len(pl.tagged) == 0 && len(unknown) == 0 {
		return n + 1
	}
	count := len(unknown)
	for id, data := range unknown {
		n += uvarintSize(id) + uvarintSize(uint32(len(data))) + len(data)
	}
	for i := range pl.tagged {
		o := &pl.tagged[i]
		fp := unsafe.Add(p, o.offset)
		if isDefault(o.field, fp) {
			continue
		}
		count++
		vs := valueSize(o, fp)
		n += uvarintSize(o.tag) + uvarintSize(uint32(vs)) + vs
	}
	return n + uvarintSize(uint32(count))
}

// valueSize returns the length of the wire form of the value of layout o at p.
func valueSize(o *op, p unsafe.Pointer) int {
	if w := fixedWidth(o.kind); w > 0 {
		return w
	}
	switch o.kind {
	case kString:
		if o.ptr {
			sp := *(**string)(p)
			if sp == nil {
				return lengthSize(o, -1)
			}
			return lengthSize(o, len(*sp)) + len(*sp)
		}
		return lengthSize(o, len(*(*string)(p))) + len(*(*string)(p))
	case kBytes:
		bs := *(*[]byte)(p)
		if bs == nil && o.nullable {
			return lengthSize(o, -1)
		}
		return lengthSize(o, len(bs)) + len(bs)
	case kArray:
		h := (*sliceHeader)(p)
		if h.data == nil && o.nullable {
			return lengthSize(o, -1)
		}
		n := lengthSize(o, h.len)
		if o.elemWidth > 0 {
			return n + o.elemWidth*h.len
		}
		for i := 0; i < h.len; i++ {
			n += valueSize(o.elem, unsafe.Add(h.data, uintptr(i)*o.elemSize))
		}
		return n
	case kStruct:
		if !o.ptr {
			return o.sub.size(p)
		}
		sp := *(*unsafe.Pointer)(p)
		if sp == nil {
			return 1
		}
		return b2i(o.nullable) + o.sub.size(sp)
	}
	return 0
}

// lengthSize is the width of a string, bytes or array length n (-1: null) as
// appendLength and appendNull write it.
func lengthSize(o *op, n int) int {
	switch {
	case o.compact && n < 0x7f:
		return 1
	case o.compact:
		return uvarintSize(uint32(n + 1))
	case o.kind == kString:
		return 2
	default:
		return 4
	}
}

// fixedWidth is the wire width of a fixed-width kind, 0 for the others.
func fixedWidth(k wireKind) int {
	switch k {
	case kBool, kInt8:
		return 1
	case kInt16, kUint16:
		return 2
	case kInt32, kUint32:
		return 4
	case kInt64, kFloat64:
		return 8
	case kUUID:
		return 16
	}
	return 0
}
