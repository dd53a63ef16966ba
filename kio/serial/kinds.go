package serial

import (
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

// The codec per wire kind. Each kind's general rule, how a value is written, read and
// sized, sits side by side in its own file (kind_fixed.go, kind_string.go,
// kind_bytes.go, kind_array.go, kind_struct.go) over the rules of kio/internal/wire;
// encodeValue, decodeValue and valueSize below dispatch to them. The plan loops
// (encode.go, decode.go) shortcut the commonest cases behind optimize (fastpath.go),
// checked against these general rules by TestFastPathsAgree.
//
// A kind is described once in kio/internal/layout (its Kind, the Go types and spec name
// it maps from, its default and is-default rules); adding one is its rows there, a file
// here with a case in each dispatcher, and its generator and shrinker cases in
// kio/kiotest. The dispatchers are switches, not a table of function values: a call
// through a function value makes every decoded value escape to the heap (the compiler
// cannot see what the callee keeps), which TestEntryPointsKeepTheValueOnTheStack
// catches.

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
