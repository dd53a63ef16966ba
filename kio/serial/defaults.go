package serial

import (
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/internal/layout"
)

// This file is how a decode sets defaults fast (a decoded message takes its spec
// defaults for fields absent at its version). What a default is, and setting and
// recognising one in memory, is kio/internal/layout's (Default, SetDefault, IsDefault,
// IsEmpty).

// defaultWrite sets one field of a zeroed struct to its default when decoding: a
// fixed-width value as its bits, anything else through layout.Field.SetDefault. A plan keeps
// its defaults flattened this way, nested struct values included, so that a decode
// pays one store per non-zero default rather than a walk over every field.
type defaultWrite struct {
	offset uintptr       // from the start of the plan's struct
	size   uint8         // 1, 2, 4 or 8 for a fixed-width value; 0 for SetDefault
	bits   uint64        // the value, for a fixed-width one
	field  *layout.Field // the field, for SetDefault
}

// appendDefaultWrites appends the writes that give field f, found at off in a zeroed
// struct, its default; nothing where the default is Go's zero value.
func appendDefaultWrites(ws []defaultWrite, f *layout.Field, off uintptr) []defaultWrite {
	d := &f.Default
	fixed := func(size uint8, bits uint64) []defaultWrite {
		if bits == 0 {
			return ws
		}
		return append(ws, defaultWrite{offset: off, size: size, bits: bits})
	}
	if n := f.Kind.Number(); n != nil {
		return fixed(uint8(n.Width), d.Bits)
	}
	switch f.Kind {
	case kUUID:
		return ws // only ever the zero UUID
	case kStruct:
		if f.Ptr {
			if d.Null {
				return ws
			}
			break
		}
		for i := range f.Struct.Fields {
			sf := &f.Struct.Fields[i]
			ws = appendDefaultWrites(ws, sf, off+sf.Offset)
		}
		return ws
	case kString:
		if !f.Ptr && d.S == "" || f.Ptr && !d.Set {
			return ws
		}
	case kBytes, kArray:
		if d.Null {
			return ws
		}
	}
	return append(ws, defaultWrite{offset: off, field: f})
}

// applyDefaults performs ws on the zeroed struct at p. A *string default is carved
// from the decode's arenas rather than allocated alone.
func (r *reader) applyDefaults(ws []defaultWrite, p unsafe.Pointer) {
	for i := range ws {
		w := &ws[i]
		q := unsafe.Add(p, w.offset)
		switch w.size {
		case 1:
			*(*uint8)(q) = uint8(w.bits)
		case 2:
			*(*uint16)(q) = uint16(w.bits)
		case 4:
			*(*uint32)(q) = uint32(w.bits)
		case 8:
			*(*uint64)(q) = w.bits
		default:
			if w.field.Kind == kString && w.field.Ptr {
				*(**string)(q) = r.stringPtr(w.field.Default.S)
			} else {
				w.field.SetDefault(q)
			}
		}
	}
}
