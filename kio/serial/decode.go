package serial

import (
	"encoding/binary"
	"math"
	"reflect"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
)

// This file is the semantic level of decoding: it walks a plan and fills a zeroed struct
// in memory from a reader. Errors stick in the reader; each struct and array level adds
// its field name or index to the path as the error unwinds.

// errAt turns the reader's sticky cause into an *Error (once) and prefixes its path.
func (r *reader) errAt(name string, index int) error {
	e, ok := r.err.(*Error)
	if !ok {
		e = &Error{Op: "decode", Offset: r.failAt, Err: r.err}
		r.err = e
	}
	if name != "" {
		atField(e, name)
	} else {
		atIndex(e, index)
	}
	return e
}

// zeroLen is where empty, non-nil slices point: a zero-length slice may point anywhere.
var zeroLen [0]byte

// decode fills the zeroed struct at p.
func (pl *plan) decode(r *reader, p unsafe.Pointer) {
	if pl.err != nil {
		r.fail(pl.err)
		return
	}
	if len(pl.defaults) != 0 {
		r.applyDefaults(pl.defaults, p)
	}
	for _, o := range pl.ops {
		fp := unsafe.Add(p, o.offset)
		// Fixed-width kinds are read here, without a call, as the encoder writes them.
		switch o.kind {
		case kInt32:
			if len(r.buf)-r.off >= 4 { // the reader's fast path, inlined by hand
				*(*int32)(fp) = int32(binary.BigEndian.Uint32(r.buf[r.off:]))
				r.off += 4
			} else {
				*(*int32)(fp) = r.int32()
			}
		case kInt16:
			if len(r.buf)-r.off >= 2 {
				*(*int16)(fp) = int16(binary.BigEndian.Uint16(r.buf[r.off:]))
				r.off += 2
			} else {
				*(*int16)(fp) = r.int16()
			}
		case kInt64:
			if len(r.buf)-r.off >= 8 {
				*(*int64)(fp) = int64(binary.BigEndian.Uint64(r.buf[r.off:]))
				r.off += 8
			} else {
				*(*int64)(fp) = r.int64()
			}
		case kInt8:
			*(*int8)(fp) = r.int8()
		case kBool:
			*(*bool)(fp) = r.bool()
		case kString:
			// Compact strings shorter than 127 bytes, the usual names and ids, have a
			// one-byte length: read them here when the input holds them whole.
			if o.compact && r.off < len(r.buf) {
				c := int(r.buf[r.off])
				if c == 0 && o.nullable { // null: the field stays nil
					r.off++
					continue
				}
				if c > 0 && c < 0x80 && c <= len(r.buf)-r.off {
					s := r.string(r.buf[r.off+1 : r.off+c])
					r.off += c
					if o.ptr {
						*(**string)(fp) = r.stringPtr(s)
					} else {
						*(*string)(fp) = s
					}
					continue
				}
			}
			decodeValue(r, o, fp)
		case kArray:
			// A compact count below 127 is one byte: skip the general length checks.
			if o.compact && r.off < len(r.buf) {
				c := int(r.buf[r.off])
				if c == 0 && o.nullable { // null: the field stays nil
					r.off++
					break
				}
				if c > 0 && c < 0x80 {
					r.off++
					fillArray(r, o, fp, c-1)
					break
				}
			}
			decodeArray(r, o, fp)
		case kBytes:
			// Compact bytes and records, aliased: one varint and a bounds check.
			if o.compact {
				v, w := peekUvarint(r.buf[r.off:])
				if n := int(v) - 1; w > 0 && n >= 0 && n <= len(r.buf)-r.off-w {
					r.off += w
					*(*[]byte)(fp) = r.buf[r.off : r.off+n : r.off+n]
					r.off += n
					break
				}
			}
			decodeValue(r, o, fp) // null, short of input or malformed
		case kUUID:
			if len(r.buf)-r.off >= 16 {
				*(*kio.UUID)(fp) = kio.UUID(r.buf[r.off : r.off+16])
				r.off += 16
				break
			}
			decodeValue(r, o, fp)
		default:
			decodeValue(r, o, fp)
		}
		if r.err != nil {
			r.errAt(o.name, 0)
			return
		}
	}
	if pl.flexible {
		// Most structs carry no tagged fields: a zero count byte.
		if r.off < len(r.buf) && r.buf[r.off] == 0 {
			r.off++
			return
		}
		pl.decodeTagged(r, p)
	}
}

// decodeTagged reads the tagged-field section. Known tags fill their fields; others
// are kept in the struct's unknownTags field, or skipped where it has none.
func (pl *plan) decodeTagged(r *reader, p unsafe.Pointer) {
	n := r.uvarint()
	last := int64(-1)
	var unknown kio.RawTags
	for i := uint32(0); i < n && r.err == nil; i++ {
		tag := r.uvarint()
		size := r.uvarint()
		if r.err != nil {
			break
		}
		if int64(tag) <= last {
			r.fail(causef(ErrTag, "tag %d after tag %d: tags must ascend", tag, last))
			break
		}
		last = int64(tag)
		start := r.off
		data := r.take(int(size))
		if r.err != nil {
			break
		}
		o := pl.taggedOp(tag)
		if o == nil {
			if pl.ti.hasUnknown {
				if unknown == nil {
					// Sized for the rest of the section, which the input bounds:
					// each field takes at least its tag and size bytes.
					unknown = make(kio.RawTags, min(int(n-i), (len(r.buf)-r.off)/2+1))
				}
				unknown[tag] = data
			}
			continue
		}
		// Decode the field from exactly its bytes; offsets stay absolute for errors.
		sub := reader{buf: r.buf[:start+int(size)], off: start}
		decodeValue(&sub, o, unsafe.Add(p, o.offset))
		if sub.err == nil && sub.off != len(sub.buf) {
			sub.fail(causef(ErrTag, "tagged field %d has %d bytes, its value %d", tag, size, sub.off-start))
		}
		if sub.err != nil {
			r.err, r.failAt = sub.err, sub.failAt
			r.errAt(o.name, 0)
			return
		}
	}
	if r.err == nil && unknown != nil {
		*(*kio.RawTags)(unsafe.Add(p, pl.ti.unknownOff)) = unknown
	}
}

func (pl *plan) taggedOp(tag uint32) *op {
	for i := range pl.tagged {
		if pl.tagged[i].tag == tag {
			return &pl.tagged[i]
		}
	}
	return nil
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
	if n == -1 {
		if !o.nullable {
			r.fail(causef(ErrNull, "null at a version where the field is not nullable"))
		}
		return false
	}
	if n < -1 {
		r.fail(causef(ErrRange, "negative length %d", n))
		return false
	}
	if o.kind == kString && n > math.MaxInt16 {
		r.fail(causef(ErrRange, "string length %d exceeds 32767", n))
		return false
	}
	if n > math.MaxInt32 {
		r.fail(causef(ErrRange, "length %d exceeds int32", n))
		return false
	}
	return true
}

// decodeValue reads one value of layout o into the zeroed memory at p.
func decodeValue(r *reader, o *op, p unsafe.Pointer) {
	switch o.kind {
	case kBool:
		*(*bool)(p) = r.bool()
	case kInt8:
		*(*int8)(p) = r.int8()
	case kInt16:
		*(*int16)(p) = r.int16()
	case kInt32:
		*(*int32)(p) = r.int32()
	case kInt64:
		*(*int64)(p) = r.int64()
	case kUint16:
		*(*uint16)(p) = uint16(r.int16())
	case kUint32:
		*(*uint32)(p) = uint32(r.int32())
	case kFloat64:
		*(*float64)(p) = r.float64()
	case kUUID:
		*(*kio.UUID)(p) = r.uuid()
	case kString:
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
	case kBytes:
		n := readLength(r, o)
		if !checkLength(r, o, n) {
			return
		}
		*(*[]byte)(p) = r.take(n)
	case kArray:
		decodeArray(r, o, p)
	case kStruct:
		if !o.ptr {
			o.sub.decode(r, p)
			return
		}
		if o.nullable {
			switch r.int8() {
			case -1:
				return
			case 1:
			default:
				if r.err == nil {
					r.off--
					r.fail(causef(ErrRange, "struct null marker must be -1 or 1"))
				}
				return
			}
		}
		if r.err != nil {
			return
		}
		sp := reflect.New(o.goType.Elem()).UnsafePointer()
		*(*unsafe.Pointer)(p) = sp
		o.sub.decode(r, sp)
	default:
		r.fail(causef(ErrSchema, "unknown wire kind %d", o.kind))
	}
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
	h := (*sliceHeader)(p)
	if n == 0 {
		*h = sliceHeader{data: unsafe.Pointer(&zeroLen)}
		return
	}
	e := o.elem
	switch e.kind {
	case kInt32:
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
		// Grow the field in place: reflect allocates the backing array with the
		// element type's pointer layout, and no slice header escapes. The field is
		// reached through an interface built from its *[]T type word, since
		// reflect.NewAt would look that pointer type up in a map on every call.
		words := ifaceWords{typ: o.slicePtrType, data: p}
		reflect.ValueOf(*(*any)(unsafe.Pointer(&words))).Elem().Grow(n)
		h.len = n
	}
	for i := 0; i < n; i++ {
		decodeValue(r, e, unsafe.Add(h.data, uintptr(i)*o.elemSize))
		if r.err != nil {
			r.errAt("", i)
			return
		}
	}
}
