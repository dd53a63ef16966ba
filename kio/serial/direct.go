package serial

import (
	"slices"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

// Direct encoding (a fast path, see optimize): the structs that make up most of a
// real message's bytes (partitions with their replica and ISR lists, brokers, small
// requests such as Heartbeat) hold only fixed-width numbers, strings and lists of
// int32s or int64s. For such a struct (plan.direct) the encoder reserves room once
// per value, fixed-width fields and the tagged-field count together, once more per
// string or list, and stores the bytes through a pointer into the buffer's spare
// capacity: no capacity check per value and no slice header kept up to date across
// calls, which is what the general loop pays per field (BENCHMARKS.md, "Codec speed,
// issue 20"). A value it does not shortcut (a long or null classic string, a long
// list, kept unknown tags) goes through the general rule in place.

// directKind is a field's case in the direct loop.
type directKind uint8

const (
	dInt8   directKind = iota // int8
	dBool                     // bool, written 0 or 1
	dInt16                    // int16, uint16
	dInt32                    // int32, uint32
	dInt64                    // int64, float64 (its bits)
	dUUID                     // 16 bytes
	dString                   // string or *string
	dList32                   // []int32, []uint32 with a compact count
	dList                     // other lists of int32s, int64s or float64s
)

// directOp is one field of a direct plan; pl.ops holds the same fields in the same
// order, for their general rule and names.
type directOp struct {
	kind     directKind
	compact  bool
	nullable bool
	ptr      bool
	offset   uint32 // within the struct
	// after is how many bytes the fixed-width fields after this one and the tagged-
	// field count take: the room a field must leave when it is written.
	after uint32
}

// compileDirect sets pl.direct when every field of pl has a direct case, no field is
// tagged or absent at its version, and fast paths are on.
func (pl *plan) compileDirect() {
	if pl.general || pl.err != nil || len(pl.tagged) != 0 || len(pl.absent) != 0 {
		return
	}
	ops := make([]directOp, len(pl.ops))
	after := b2i(pl.flexible) // the tagged-field count
	for j := len(pl.ops) - 1; j >= 0; j-- {
		o := pl.ops[j]
		if o.offset > 1<<31 || after > 1<<31 {
			return
		}
		d := directOp{compact: o.compact, nullable: o.nullable, ptr: o.ptr, offset: uint32(o.offset), after: uint32(after)}
		switch o.kind {
		case kInt8:
			d.kind = dInt8
		case kBool:
			d.kind = dBool
		case kInt16, kUint16:
			d.kind = dInt16
		case kInt32, kUint32:
			d.kind = dInt32
		case kInt64, kFloat64:
			d.kind = dInt64
		case kUUID:
			d.kind = dUUID
		case kString:
			d.kind = dString
		case kArray:
			switch o.elemKind {
			case kInt32, kUint32:
				d.kind = dList
				if o.compact {
					d.kind = dList32
				}
			case kInt64, kFloat64:
				d.kind = dList
			default:
				return
			}
		default:
			return
		}
		ops[j] = d
		after += o.kind.FixedWidth()
	}
	pl.direct = ops
	pl.directReserve = after // every fixed-width field and the tagged-field count
}

// put16, put32 and put64 store v big-endian at p, which has room for it.
func put16(p unsafe.Pointer, v uint16) {
	(*[2]byte)(p)[0], (*[2]byte)(p)[1] = byte(v>>8), byte(v)
}

func put32(p unsafe.Pointer, v uint32) {
	q := (*[4]byte)(p)
	q[0], q[1], q[2], q[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}

func put64(p unsafe.Pointer, v uint64) {
	q := (*[8]byte)(p)
	q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7] = byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}

// directRun is the state of one encodeDirect: where it is in the values and fields,
// and the buffer being written.
type directRun struct {
	ops   []directOp
	data  unsafe.Pointer // the first value
	size  uintptr        // the distance between values
	count int
	i, j  int // the value and field to resume at
	base  unsafe.Pointer
	n, c  int // bytes written from base, and room there
	pl    *plan
}

// What stopped directRun.run.
const (
	directDone   = iota // every value written
	directRoom          // value i needs room for its fixed-width fields
	directField         // field j of value i needs its caller (a string, the general rule, room)
	directTagged        // value i keeps unknown tags: its tagged-field section is next
)

// run writes fields from value i, field j on, until the end or a field it leaves to
// its caller. It makes no call, so that its loop state stays in registers (with calls
// in the loop, the compiler reloaded it after every field). The room it checks is
// exact (directOp.after), so that Marshal's buffer of exactly the message's size is
// never grown; a store is made only where it fits, at base+n.
func (r *directRun) run() int {
	i, j := r.i, uint(r.j)
	ops, base, n, c := r.ops, r.base, r.n, r.c
	stop := directDone
	for ; i < r.count; i, j = i+1, 0 {
		p := unsafe.Add(r.data, uintptr(i)*r.size)
		if j == 0 && c-n < r.pl.directReserve {
			stop = directRoom
			goto out
		}
		for ; j < uint(len(ops)); j++ {
			d := &ops[j]
			fp := unsafe.Add(p, d.offset)
			switch d.kind {
			case dInt32:
				put32(unsafe.Add(base, n), *(*uint32)(fp))
				n += 4
			case dInt16:
				put16(unsafe.Add(base, n), *(*uint16)(fp))
				n += 2
			case dInt64:
				put64(unsafe.Add(base, n), *(*uint64)(fp))
				n += 8
			case dInt8:
				*(*byte)(unsafe.Add(base, n)) = *(*byte)(fp)
				n++
			case dBool:
				v := byte(0)
				if *(*bool)(fp) {
					v = 1
				}
				*(*byte)(unsafe.Add(base, n)) = v
				n++
			case dUUID:
				*(*kio.UUID)(unsafe.Add(base, n)) = *(*kio.UUID)(fp)
				n += 16
			case dList32:
				h := sliceAt(fp)
				if uint(h.len) >= wire.ShortCompactLimit || h.data == nil && d.nullable ||
					c-n < 1+4*h.len+int(d.after) {
					stop = directField
					goto out
				}
				*(*byte)(unsafe.Add(base, n)) = wire.ShortCompactLengthByte(h.len)
				n++
				k := 0
				for ; k+2 <= h.len; k += 2 { // two values a step: lists are short
					put32(unsafe.Add(base, n), *(*uint32)(unsafe.Add(h.data, 4*k)))
					put32(unsafe.Add(base, n+4), *(*uint32)(unsafe.Add(h.data, 4*k+4)))
					n += 8
				}
				if k < h.len {
					put32(unsafe.Add(base, n), *(*uint32)(unsafe.Add(h.data, 4*k)))
					n += 4
				}
			case dString:
				// Short compact strings, copied here a word at a time (a call to
				// memmove would spill the loop's state).
				sp := (*string)(fp)
				if d.ptr {
					sp = *(**string)(fp)
				}
				if sp == nil && d.nullable && d.compact && c-n >= 1+int(d.after) {
					*(*byte)(unsafe.Add(base, n)) = wire.ShortCompactLengthByte(wire.Null)
					n++
					continue
				}
				if sp == nil || !d.compact || uint(len(*sp)) >= wire.ShortCompactLimit || c-n < 1+len(*sp)+int(d.after) {
					stop = directField
					goto out
				}
				l := len(*sp)
				*(*byte)(unsafe.Add(base, n)) = wire.ShortCompactLengthByte(l)
				n++
				src, dst := unsafe.Pointer(unsafe.StringData(*sp)), unsafe.Add(base, n)
				if l >= 8 {
					for k := 0; k < l-8; k += 8 {
						*(*[8]byte)(unsafe.Add(dst, k)) = *(*[8]byte)(unsafe.Add(src, k))
					}
					// The last eight bytes, overlapping what the loop wrote.
					*(*[8]byte)(unsafe.Add(dst, l-8)) = *(*[8]byte)(unsafe.Add(src, l-8))
				} else {
					for k := 0; k < l; k++ {
						*(*byte)(unsafe.Add(dst, k)) = *(*byte)(unsafe.Add(src, k))
					}
				}
				n += l
			case dList:
				stop = directField
				goto out
			}
		}
		if r.pl.flexible {
			if r.pl.hasUnknown && len(*(*kio.RawTags)(unsafe.Add(p, r.pl.unknownOff))) != 0 {
				stop = directTagged
				goto out
			}
			*(*byte)(unsafe.Add(base, n)) = wire.EmptyTaggedFields
			n++
		}
	}
out:
	r.n, r.i, r.j = n, i, int(j)
	return stop
}

// encodeDirect appends count structs of pl's type laid out size bytes apart from data
// (a slice's elements, or one struct); indexed says the errors are an array's.
func (pl *plan) encodeDirect(b []byte, data unsafe.Pointer, count int, size uintptr, indexed bool) ([]byte, error) {
	r := directRun{ops: pl.direct, data: data, size: size, count: count, pl: pl}
	r.set(b)
	// Invariant at each field: c-n covers the fixed-width fields still to come and the
	// tagged-field count (directOp.after).
	for {
		var err error
		switch r.run() {
		case directDone:
			return r.bytes(), nil
		case directRoom:
			r.grow(pl.directReserve)
			continue
		case directTagged:
			p := unsafe.Add(data, uintptr(r.i)*size)
			if b, err = pl.encodeTagged(r.bytes(), p); err != nil {
				if indexed {
					err = atIndex(err, r.i)
				}
				return b, err
			}
			r.set(b)
			r.i, r.j = r.i+1, 0
			continue
		}
		// directField: field j of value i.
		d, o := &r.ops[r.j], pl.ops[r.j]
		fp := unsafe.Add(data, uintptr(r.i)*size+uintptr(d.offset))
		after := int(d.after)
		r.j++
		if d.kind == dString {
			sp := (*string)(fp)
			if d.ptr {
				sp = *(**string)(fp)
			}
			if sp != nil && d.compact && len(*sp) < wire.ShortCompactLimit {
				l := len(*sp)
				if r.c-r.n < 1+l+after {
					r.grow(1 + l + after)
				}
				at := unsafe.Add(r.base, r.n)
				*(*byte)(at) = wire.ShortCompactLengthByte(l)
				copy(unsafe.Slice((*byte)(unsafe.Add(at, 1)), l), *sp)
				r.n += 1 + l
				continue
			}
			if sp == nil && d.compact && d.nullable {
				if r.c-r.n < 1+after {
					r.grow(1 + after)
				}
				*(*byte)(unsafe.Add(r.base, r.n)) = wire.ShortCompactLengthByte(wire.Null)
				r.n++
				continue
			}
		} else if d.kind == dList32 {
			h := sliceAt(fp)
			if !(h.data == nil && d.nullable) && h.len < wire.ShortCompactLimit {
				if r.c-r.n < 1+4*h.len+after {
					r.grow(1 + 4*h.len + after)
				}
				at := unsafe.Add(r.base, r.n)
				*(*byte)(at) = wire.ShortCompactLengthByte(h.len)
				for k := 0; k < h.len; k++ {
					put32(unsafe.Add(at, 1+4*k), *(*uint32)(unsafe.Add(h.data, 4*k)))
				}
				r.n += 1 + 4*h.len
				continue
			}
		}
		// The general rule appends; then the room for the rest is made again.
		if b, err = encodeValue(r.bytes(), o, fp); err == nil {
			r.set(b)
			if r.c-r.n < after {
				r.grow(after)
			}
			continue
		}
		err = atField(err, o.name)
		if indexed {
			err = atIndex(err, r.i)
		}
		return b, err
	}
}

// bytes returns the written part of the buffer.
func (r *directRun) bytes() []byte {
	if r.base == nil {
		return nil
	}
	return unsafe.Slice((*byte)(r.base), r.c)[:r.n]
}

// set makes b the buffer.
func (r *directRun) set(b []byte) {
	r.base, r.n, r.c = unsafe.Pointer(unsafe.SliceData(b)), len(b), cap(b)
}

// grow makes room for n more bytes.
func (r *directRun) grow(n int) {
	r.set(slices.Grow(r.bytes(), n))
}
