package serial

import (
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

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
		return append(b, wire.StructNull), nil
	}
	if o.nullable {
		b = append(b, wire.StructPresent)
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
	sp := newArray(o.allocType, 1)
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
