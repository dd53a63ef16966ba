package serial

import (
	"encoding/binary"
	"reflect"
	"slices"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

// This file is the codec per wire kind: for each kind, how a value is written, read and
// sized, side by side, over the rules of kio/internal/wire. encodeValue, decodeValue
// and valueSize dispatch to them; the plan loops (encode.go, decode.go) inline the
// commonest cases and call here for the rest. A new number kind is a row of numberKinds
// and its cases in encodeFixed and decodeFixed; any other new kind is a group of
// functions here, a case in each of the three dispatchers, its name in fields.go and
// its defaults in defaults.go.

// encodeValue appends one value of layout o found at p.
func encodeValue(b []byte, o *op, p unsafe.Pointer) ([]byte, error) {
	switch o.kind {
	case kString:
		return encodeString(b, o, p)
	case kBytes:
		return encodeBytes(b, o, p)
	case kArray:
		return encodeArray(b, o, sliceAt(p))
	case kStruct:
		return encodeStruct(b, o, p)
	}
	if fixedWidth(o.kind) > 0 {
		return encodeFixed(b, o.kind, p), nil
	}
	return b, encodeErr(causef(ErrSchema, "unknown wire kind %d", o.kind))
}

// decodeValue reads one value of layout o into the zeroed memory at p.
func decodeValue(r *reader, o *op, p unsafe.Pointer) {
	switch o.kind {
	case kString:
		decodeString(r, o, p)
	case kBytes:
		decodeBytes(r, o, p)
	case kArray:
		decodeArray(r, o, p)
	case kStruct:
		decodeStruct(r, o, p)
	default:
		if fixedWidth(o.kind) == 0 {
			r.fail(causef(ErrSchema, "unknown wire kind %d", o.kind))
			return
		}
		decodeFixed(r, o.kind, p)
	}
}

// valueSize returns the length of the wire form of the value of layout o at p.
func valueSize(o *op, p unsafe.Pointer) int {
	switch o.kind {
	case kString:
		return stringSize(o, p)
	case kBytes:
		return bytesSize(o, p)
	case kArray:
		return arraySize(o, sliceAt(p))
	case kStruct:
		return structSize(o, p)
	}
	return fixedWidth(o.kind)
}

// Fixed-width kinds: big-endian integers, float64, bool, uuid.

// fixedWidth is the wire width of a fixed-width kind, 0 for the others.
func fixedWidth(k wireKind) int { return k.FixedWidth() }

func encodeFixed(b []byte, k wireKind, p unsafe.Pointer) []byte {
	switch k {
	case kBool:
		return wire.AppendBool(b, *(*bool)(p))
	case kInt8:
		return append(b, *(*byte)(p))
	case kInt16, kUint16:
		return wire.AppendInt16(b, *(*int16)(p))
	case kInt32, kUint32:
		return wire.AppendInt32(b, *(*int32)(p))
	case kInt64:
		return wire.AppendInt64(b, *(*int64)(p))
	case kFloat64:
		return wire.AppendFloat64(b, *(*float64)(p))
	default: // kUUID
		return wire.AppendUUID(b, (*[16]byte)(p))
	}
}

func decodeFixed(r *reader, k wireKind, p unsafe.Pointer) {
	switch k {
	case kBool:
		*(*bool)(p) = r.bool()
	case kInt8:
		*(*int8)(p) = r.int8()
	case kInt16, kUint16:
		*(*int16)(p) = r.int16()
	case kInt32, kUint32:
		*(*int32)(p) = r.int32()
	case kInt64:
		*(*int64)(p) = r.int64()
	case kFloat64:
		*(*float64)(p) = r.float64()
	default: // kUUID
		*(*kio.UUID)(p) = r.uuid()
	}
}

// Lengths of strings, bytes and arrays: int16 (strings) or int32 classic lengths, or
// compact ones in flexible versions; -1 (compact 0) is null.

func appendLength(b []byte, o *op, n int) []byte {
	switch {
	case o.compact:
		return wire.AppendCompactLength(b, n)
	case o.kind == kString:
		return wire.AppendStringLength(b, n)
	default:
		return wire.AppendArrayLength(b, n)
	}
}

// appendNull writes a null string, bytes or array, if the field may be null here.
func appendNull(b []byte, o *op) ([]byte, error) {
	if !o.nullable {
		return b, encodeErr(causef(ErrNull, "null at a version where the field is not nullable"))
	}
	return appendLength(b, o, wire.Null), nil
}

// readLength reads a string, bytes or array length in the field's encoding; -1 is null.
func readLength(r *reader, o *op) int {
	switch {
	case o.compact:
		return int(r.uvarint()) - 1
	case o.kind == kString:
		return int(r.int16())
	default:
		return int(r.int32())
	}
}

// checkLength validates a length read for o; it reports whether a value follows.
func checkLength(r *reader, o *op, n int) bool {
	if r.err != nil {
		return false
	}
	// Any negative length is null, as Kafka's generated readers take it ("length < 0"),
	// not only -1; it is re-encoded as -1.
	if n < 0 {
		if !o.nullable {
			r.fail(causef(ErrNull, "null (length %d) at a version where the field is not nullable", n))
		}
		return false
	}
	if o.kind == kString && n > wire.MaxStringLength {
		r.fail(causef(ErrRange, "string length %d exceeds 32767", n))
		return false
	}
	if n > wire.MaxArrayLength+1 {
		r.fail(causef(ErrRange, "length %d exceeds int32", n))
		return false
	}
	return true
}

// lengthSize is the width of a length n (-1: null) as appendLength writes it.
func lengthSize(o *op, n int) int {
	switch {
	case o.compact:
		return wire.CompactLengthSize(n)
	case o.kind == kString:
		return 2
	default:
		return 4
	}
}

// Strings: string, or *string where nullable (nil is null).

func encodeString(b []byte, o *op, p unsafe.Pointer) ([]byte, error) {
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
	if len(s) > wire.MaxStringLength {
		return b, encodeErr(causef(ErrRange, "string of %d bytes exceeds 32767", len(s)))
	}
	return append(appendLength(b, o, len(s)), s...), nil
}

func decodeString(r *reader, o *op, p unsafe.Pointer) {
	n := readLength(r, o)
	if !checkLength(r, o, n) {
		return
	}
	s := r.string(r.take(n))
	if o.ptr {
		*(**string)(p) = r.stringPtr(s)
	} else {
		*(*string)(p) = s
	}
}

func stringSize(o *op, p unsafe.Pointer) int {
	if o.ptr {
		sp := *(**string)(p)
		if sp == nil {
			return lengthSize(o, wire.Null)
		}
		return lengthSize(o, len(*sp)) + len(*sp)
	}
	return lengthSize(o, len(*(*string)(p))) + len(*(*string)(p))
}

// Bytes and records: []byte, nil is null where nullable. Decoded values alias the
// input.

func encodeBytes(b []byte, o *op, p unsafe.Pointer) ([]byte, error) {
	bs := *(*[]byte)(p)
	if bs == nil && o.nullable {
		return appendNull(b, o)
	}
	if len(bs) > wire.MaxArrayLength {
		return b, encodeErr(causef(ErrRange, "%d bytes exceed the int32 length", len(bs)))
	}
	return append(appendLength(b, o, len(bs)), bs...), nil
}

func decodeBytes(r *reader, o *op, p unsafe.Pointer) {
	n := readLength(r, o)
	if !checkLength(r, o, n) {
		return
	}
	*(*[]byte)(p) = r.take(n)
}

func bytesSize(o *op, p unsafe.Pointer) int {
	bs := *(*[]byte)(p)
	if bs == nil && o.nullable {
		return lengthSize(o, wire.Null)
	}
	return lengthSize(o, len(bs)) + len(bs)
}

// Arrays: []T, nil is null where nullable; a count, then the elements.

func encodeArray(b []byte, o *op, h *sliceHeader) ([]byte, error) {
	if h.data == nil && o.nullable {
		return appendNull(b, o)
	}
	if h.len > wire.MaxArrayLength {
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
			b = wire.AppendInt32(b, v)
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

func decodeArray(r *reader, o *op, p unsafe.Pointer) {
	n := readLength(r, o)
	if !checkLength(r, o, n) {
		return
	}
	fillArray(r, o, p, n)
}

// fillArray reads the n >= 0 elements of an array whose count has been read.
func fillArray(r *reader, o *op, p unsafe.Pointer, n int) {
	// The elements must take at least n*minSize bytes: refuse a count the input cannot
	// hold before allocating for it.
	if !r.ensure(n * max(o.elem.minSize, 1)) {
		return
	}
	h := sliceAt(p)
	if n == 0 {
		*h = sliceHeader{data: unsafe.Pointer(&zeroLen)}
		return
	}
	e := o.elem
	if e.kind == kInt32 {
		// ensure above made the n*4 bytes available.
		vs := r.int32Slice(n)
		b := r.buf[r.off : r.off+4*n]
		for i := range vs {
			vs[i] = int32(binary.BigEndian.Uint32(b[4*i:]))
		}
		r.off += 4 * n
		*h = sliceHeader{data: unsafe.Pointer(unsafe.SliceData(vs)), len: n, cap: n}
		return
	}
	if n == 1 {
		// One element, the usual topic or partition of a small request: reflect.New
		// allocates it with its pointer layout in one step (named types carry their
		// pointer type, so no lookup either).
		*h = sliceHeader{data: reflect.New(e.goType).UnsafePointer(), len: 1, cap: 1}
	} else {
		growSlice(o.slicePtrType, p, n)
		h.len = n
	}
	if e.kind == kStruct && !e.ptr { // topics, partitions: straight to the plan
		for i := 0; i < n; i++ {
			e.sub.decode(r, unsafe.Add(h.data, uintptr(i)*o.elemSize))
			if r.err != nil {
				r.errAt("", i)
				return
			}
		}
		return
	}
	for i := 0; i < n; i++ {
		decodeValue(r, e, unsafe.Add(h.data, uintptr(i)*o.elemSize))
		if r.err != nil {
			r.errAt("", i)
			return
		}
	}
}

func arraySize(o *op, h *sliceHeader) int {
	if h.data == nil && o.nullable {
		return lengthSize(o, wire.Null)
	}
	n := lengthSize(o, h.len)
	if o.elemWidth > 0 {
		return n + o.elemWidth*h.len
	}
	for i := 0; i < h.len; i++ {
		n += valueSize(o.elem, unsafe.Add(h.data, uintptr(i)*o.elemSize))
	}
	return n
}

// Structs: a struct value is its fields in order; a *struct is nullable, with an int8
// marker (-1 null, 1 present) at the versions where it may be null.

func encodeStruct(b []byte, o *op, p unsafe.Pointer) ([]byte, error) {
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

func decodeStruct(r *reader, o *op, p unsafe.Pointer) {
	if !o.ptr {
		o.sub.decode(r, p)
		return
	}
	if o.nullable {
		// Kafka's readers take any negative marker as null and any other as
		// present; kio writes -1 and 1.
		if r.int8() < 0 || r.err != nil {
			return
		}
	}
	if r.err != nil {
		return
	}
	sp := reflect.New(o.goType.Elem()).UnsafePointer()
	*(*unsafe.Pointer)(p) = sp
	o.sub.decode(r, sp)
}

func structSize(o *op, p unsafe.Pointer) int {
	if !o.ptr {
		return o.sub.size(p)
	}
	sp := *(*unsafe.Pointer)(p)
	if sp == nil {
		return 1
	}
	return b2i(o.nullable) + o.sub.size(sp)
}
