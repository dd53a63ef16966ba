package serial

import (
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

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
