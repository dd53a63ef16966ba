package serial

import (
	"encoding/binary"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/internal/wire"
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

// next is the address of the input's next byte, for the decode loop's fixed-width
// cases, which read through it once they have checked that the value's bytes are
// there: no bounds check or slice arithmetic per value (a Fetch v16 decode reads ten
// such values; BENCHMARKS.md "Third round").
func (r *reader) next() unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(unsafe.SliceData(r.buf)), r.off)
}

// decode fills the zeroed struct at p.
func (pl *plan) decode(r *reader, p unsafe.Pointer) {
	if pl.err != nil {
		r.fail(pl.err)
		return
	}
	if len(pl.defaults) != 0 {
		// The words here, without a call: a Fetch partition's are six -1s.
		d := &pl.defaultSet
		for _, w := range d.words64 {
			*(*uint64)(unsafe.Add(p, w.offset)) = w.bits
		}
		for _, w := range d.words32 {
			*(*uint32)(unsafe.Add(p, w.offset)) = uint32(w.bits)
		}
		if len(d.other) != 0 {
			r.applyDefaults(d.other, p)
		}
	}
	for _, o := range pl.ops {
		fp := unsafe.Add(p, o.offset)
		// Fixed-width kinds are read here, without a call, as the encoder writes them.
		switch o.dfast {
		case kInt32:
			if len(r.buf)-r.off >= 4 { // the reader's fast path, inlined by hand
				*(*uint32)(fp) = binary.BigEndian.Uint32((*[4]byte)(r.next())[:])
				r.off += 4
				continue // cannot fail: no error check
			} else {
				*(*int32)(fp) = r.int32()
			}
		case kInt16:
			if len(r.buf)-r.off >= 2 {
				*(*uint16)(fp) = binary.BigEndian.Uint16((*[2]byte)(r.next())[:])
				r.off += 2
				continue // cannot fail: no error check
			} else {
				*(*int16)(fp) = r.int16()
			}
		case kInt64:
			if len(r.buf)-r.off >= 8 {
				*(*uint64)(fp) = binary.BigEndian.Uint64((*[8]byte)(r.next())[:])
				r.off += 8
				continue // cannot fail: no error check
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
				n, short := wire.ShortCompactLength(r.buf[r.off])
				if short && n == wire.Null && o.nullable { // null: the field stays nil
					r.off++
					continue
				}
				if short && n >= 0 && n < len(r.buf)-r.off {
					s := r.string(r.buf[r.off+1 : r.off+1+n])
					r.off += 1 + n
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
				n, short := wire.ShortCompactLength(r.buf[r.off])
				if short && n == wire.Null && o.nullable { // null: the field stays nil
					r.off++
					break
				}
				if short && n >= 0 {
					r.off++
					fillArray(r, o, fp, n)
					break
				}
			}
			decodeArray(r, o, fp)
		case kBytes:
			// Compact bytes and records, aliased: one varint and a bounds check.
			if o.compact {
				v, w := wire.Uvarint(r.buf[r.off:])
				if n := int(v) - 1; w > 0 && n >= 0 && n <= len(r.buf)-r.off-w {
					r.off += w
					*(*[]byte)(fp) = r.buf[r.off : r.off+n : r.off+n]
					r.off += n
					continue
				}
			}
			decodeValue(r, o, fp) // null, short of input or malformed
		case kUUID:
			if len(r.buf)-r.off >= 16 {
				*(*kio.UUID)(fp) = *(*kio.UUID)(r.next())
				r.off += 16
				continue
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
	if pl.flexibleFast {
		// Most structs carry no tagged fields: a zero count byte.
		if r.off < len(r.buf) && r.buf[r.off] == wire.EmptyTaggedFields {
			r.off++
			return
		}
		pl.decodeTagged(r, p)
	} else if pl.flexible {
		pl.decodeTagged(r, p)
	}
}

// decodeTagged reads the tagged-field section. Known tags fill their fields; others
// are kept in the struct's unknownTags field, or skipped where it has none.
func (pl *plan) decodeTagged(r *reader, p unsafe.Pointer) {
	n := r.uvarint()
	var unknown kio.RawTags
	for i := uint32(0); i < n && r.err == nil; i++ {
		tag := r.uvarint()
		size := r.uvarint()
		if r.err != nil {
			break
		}
		// Tags are written in ascending order, but Kafka's readers take them in any
		// order (a repeated tag: the last wins), and so does kio: what Kafka's broker
		// serves must not be refused here. Re-encoding writes them in order.
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
