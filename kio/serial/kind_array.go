package serial

import (
	"encoding/binary"
	"slices"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

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
	switch e.dfast {
	case kInt32:
		return appendInt32s(b, unsafe.Slice((*int32)(h.data), h.len)), nil
	case kStruct:
		if !e.ptr && e.sub.direct != nil {
			return e.sub.encodeDirect(b, h.data, h.len, o.elemSize, true)
		}
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
	if e.dfast == kInt32 {
		// ensure above made the n*4 bytes available: read them through a pointer
		// to each value's four bytes, which needs no bounds check per value (the
		// general path below reads the same bytes through the reader).
		vs := r.int32Slice(n)
		src := unsafe.Pointer(unsafe.SliceData(r.buf[r.off:]))
		for i := range vs {
			vs[i] = int32(binary.BigEndian.Uint32((*[4]byte)(unsafe.Add(src, 4*i))[:]))
		}
		r.off += 4 * n
		*h = sliceHeader{data: unsafe.Pointer(unsafe.SliceData(vs)), len: n, cap: n}
		return
	}
	if e.kind == kInt32 { // general plans: int32 lists share arena chunks all the same
		vs := r.int32Slice(n)
		*h = sliceHeader{data: unsafe.Pointer(unsafe.SliceData(vs)), len: n, cap: n}
		for i := range vs {
			decodeValue(r, e, unsafe.Pointer(&vs[i]))
		}
		return
	}
	switch {
	case n == 1 && r.pairFor == o:
		// The element was allocated with the outer one (pair_alloc.go).
		*h = sliceHeader{data: r.pairAt, len: 1, cap: 1}
		r.pairAt, r.pairFor = nil, nil
	case n == 1 && e.dfast == kStruct && !e.ptr && e.sub.pair != nil && e.sub.pair.oneInner(r):
		pa := e.sub.pair
		data := newArray(pa.typ, 1)
		*h = sliceHeader{data: data, len: 1, cap: 1}
		r.pairAt, r.pairFor = unsafe.Add(data, pa.innerAt), pa.inner
	default:
		*h = sliceHeader{data: newArray(o.allocType, n), len: n, cap: n}
	}
	if e.dfast == kStruct && !e.ptr && e.sub.directDecode {
		e.sub.decodeDirect(r, h.data, n, o.elemSize)
		return
	}
	if e.dfast == kStruct && !e.ptr { // topics, partitions: straight to the plan
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
