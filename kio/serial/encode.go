package serial

import (
	"slices"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/internal/wire"
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
			b = wire.AppendInt32(b, *(*int32)(fp))
		case kInt16:
			b = wire.AppendInt16(b, *(*int16)(fp))
		case kInt64:
			b = wire.AppendInt64(b, *(*int64)(fp))
		case kInt8:
			b = append(b, *(*byte)(fp))
		case kBool:
			b = wire.AppendBool(b, *(*bool)(fp))
		case kString:
			// Short compact strings, the usual names and hosts, take one length byte.
			var sp *string
			if o.ptr {
				sp = *(**string)(fp)
			} else {
				sp = (*string)(fp)
			}
			if sp != nil && o.compact && len(*sp) < wire.ShortCompactLimit {
				b = append(append(b, wire.ShortCompactLengthByte(len(*sp))), *sp...)
			} else if sp == nil && o.compact && o.nullable {
				b = append(b, wire.ShortCompactLengthByte(wire.Null))
			} else if b, err = encodeValue(b, o, fp); err != nil {
				return b, atField(err, o.name)
			}
		case kCompactInt32s:
			h := sliceAt(fp)
			if h.len < wire.ShortCompactLimit && (h.data != nil || !o.nullable) {
				// Replica and ISR lists, written without a call.
				b = append(b, wire.ShortCompactLengthByte(h.len))
				for _, v := range unsafe.Slice((*int32)(h.data), h.len) {
					b = wire.AppendInt32(b, v)
				}
			} else if b, err = encodeArray(b, o, h); err != nil {
				return b, atField(err, o.name)
			}
		case kArray:
			if b, err = encodeArray(b, o, sliceAt(fp)); err != nil {
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
	if pl.untaggedFast && (!pl.hasUnknown || len(*(*kio.RawTags)(unsafe.Add(p, pl.unknownOff))) == 0) {
		return append(b, wire.EmptyTaggedFields), nil
	}
	return pl.encodeTagged(b, p)
}

// checkAbsent fails when a field absent at the plan's version holds a value.
func (pl *plan) checkAbsent(p unsafe.Pointer) error {
	for _, f := range pl.absent {
		if !f.IsEmpty(unsafe.Add(p, f.Offset)) {
			return atField(encodeErr(causef(ErrVersion, "field %s has a value but does not exist at version %d", f.Name, pl.version)), f.Name)
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
		return append(b, wire.EmptyTaggedFields), nil
	}
	count := len(unknown)
	for i := range pl.tagged {
		o := &pl.tagged[i]
		if len(unknown) != 0 {
			if _, ok := unknown[o.tag]; ok {
				return b, atField(encodeErr(causef(ErrTag, "unknown tag %d is field %s at version %d", o.tag, o.name, pl.version)), "UnknownTags")
			}
		}
		if !o.field.IsDefault(unsafe.Add(p, o.offset)) {
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
	b = wire.AppendUvarint(b, uint32(count))
	i, j := 0, 0
	for i < len(pl.tagged) || j < len(ids) {
		if j < len(ids) && (i == len(pl.tagged) || ids[j] < pl.tagged[i].tag) {
			b = wire.AppendTaggedField(b, ids[j], unknown[ids[j]])
			j++
			continue
		}
		o := &pl.tagged[i]
		i++
		fp := unsafe.Add(p, o.offset)
		if o.field.IsDefault(fp) {
			continue
		}
		b = wire.AppendUvarint(b, o.tag)
		// Reserve one byte for the size, which fits most tagged fields, and make room
		// afterwards when the value turned out larger.
		sizeAt := len(b)
		b = append(b, 0)
		var err error
		if b, err = encodeValue(b, o, fp); err != nil {
			return b, atField(err, o.name)
		}
		size := len(b) - sizeAt - 1
		extra := wire.UvarintSize(uint32(size)) - 1
		if extra == 0 {
			b[sizeAt] = byte(size)
			continue
		}
		b = append(b, make([]byte, extra)...)
		copy(b[sizeAt+1+extra:], b[sizeAt+1:len(b)-extra])
		wire.AppendUvarint(b[:sizeAt], uint32(size))
	}
	return b, nil
}

// size returns the length of the struct at p's wire form, as encode would write it,
// without writing it: Marshal allocates exactly that much. Values encode would refuse
// are sized as written anyway; encode reports them.
func (pl *plan) size(p unsafe.Pointer) int {
	if pl.general {
		return pl.sizeGeneral(p)
	}
	n := pl.fixedSize
	for _, o := range pl.varOps {
		fp := unsafe.Add(p, o.offset)
		switch o.kind {
		case kArray:
		case kString: // names and ids, inline as stringSize sizes them
			var l int
			if !o.ptr {
				l = len(*(*string)(fp))
			} else if sp := *(**string)(fp); sp != nil {
				l = len(*sp)
			} else {
				n += lengthSize(o, wire.Null)
				continue
			}
			n += lengthSize(o, l) + l
			continue
		default:
			n += valueSize(o, fp)
			continue
		}
		// Arrays inline: the struct arrays and int32 lists of real messages.
		h := sliceAt(fp)
		if h.data == nil && o.nullable {
			n += lengthSize(o, wire.Null)
			continue
		}
		n += lengthSize(o, h.len)
		switch e := o.elem; {
		case o.elemWidth > 0:
			n += o.elemWidth * h.len
		case e.kind == kStruct && !e.ptr && e.sub.flat:
			n += h.len * e.sub.fixedSize
			for i := 0; i < h.len; i++ {
				n += e.sub.flatSize(unsafe.Add(h.data, uintptr(i)*o.elemSize))
			}
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
	if pl.untaggedFast && (!pl.hasUnknown || len(*(*kio.RawTags)(unsafe.Add(p, pl.unknownOff))) == 0) {
		return n + 1 // the empty tagged-field section, as encode writes it inline
	}
	return n + pl.taggedSize(p)
}

// sizeGeneral is size through each kind's general rule (valueSize) alone.
func (pl *plan) sizeGeneral(p unsafe.Pointer) int {
	n := 0
	for _, o := range pl.ops {
		n += valueSize(o, unsafe.Add(p, o.offset))
	}
	if !pl.flexible {
		return n
	}
	return n + pl.taggedSize(p)
}

// taggedSize is the length of the tagged-field section of the struct at p.
func (pl *plan) taggedSize(p unsafe.Pointer) int {
	var unknown kio.RawTags
	if pl.hasUnknown {
		unknown = *(*kio.RawTags)(unsafe.Add(p, pl.unknownOff))
	}
	if len(pl.tagged) == 0 && len(unknown) == 0 {
		return 1
	}
	n, count := 0, len(unknown)
	for id, data := range unknown {
		n += wire.TaggedFieldSize(id, len(data))
	}
	for i := range pl.tagged {
		o := &pl.tagged[i]
		fp := unsafe.Add(p, o.offset)
		if o.field.IsDefault(fp) {
			continue
		}
		count++
		n += wire.TaggedFieldSize(o.tag, valueSize(o, fp))
	}
	return n + wire.UvarintSize(uint32(count))
}

// flatSize is size for a flat plan (see plan.flat) less its fixedSize: the lengths and
// elements of its arrays of fixed-width values and its tagged-field section, without
// the general loop's dispatch. Every partition of a Metadata or Fetch message is one.
func (pl *plan) flatSize(p unsafe.Pointer) int {
	n := 0
	for _, o := range pl.varOps {
		h := sliceAt(unsafe.Add(p, o.offset))
		if h.data == nil && o.nullable {
			n += lengthSize(o, wire.Null)
		} else {
			n += lengthSize(o, h.len) + o.elemWidth*h.len
		}
	}
	if !pl.flexible {
		return n
	}
	if pl.hasUnknown {
		if unknown := *(*kio.RawTags)(unsafe.Add(p, pl.unknownOff)); len(unknown) != 0 {
			for id, data := range unknown {
				n += wire.TaggedFieldSize(id, len(data))
			}
			return n + wire.UvarintSize(uint32(len(unknown)))
		}
	}
	return n + 1
}
