package serial

import (
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

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
	return wire.AppendBytes(appendLength(b, o, len(bs)), bs), nil
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
