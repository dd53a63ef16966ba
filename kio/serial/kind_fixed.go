package serial

import (
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

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
