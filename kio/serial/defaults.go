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

// defaultWord is a default of 4 or 8 bytes, most of them the -1s of offsets, epochs
// and ids: a decode stores them in a loop of its own, without the switch on the size.
type defaultWord struct {
	offset uintptr
	bits   uint64
}

// defaultSet is a plan's defaults as a decode performs them: the words of 8 and 4
// bytes, then the rest (smaller numbers, empty non-nil slices, *string and the general
// rule). A Fetch v16 decode's defaults (its partition's six tagged -1s, its
// response's empty NodeEndpoints) cost 183 instructions through one switched list, 117
// this way (BENCHMARKS.md, "Third round").
type defaultSet struct {
	words64, words32 []defaultWord
	other            []defaultWrite
}

// sizeEmptySlice marks a defaultWrite that makes an empty, non-nil slice.
const sizeEmptySlice = 0xff

// compileDefaults sorts ws into a defaultSet. General plans (see optimize) keep every
// write on its general rule, layout.Field.SetDefault, field by field, so that
// TestFastPathsAgree compares the two.
func compileDefaults(ws []defaultWrite, fields []*layout.Field, offsets []uintptr, general bool) defaultSet {
	var d defaultSet
	if general {
		for i, f := range fields {
			d.other = append(d.other, defaultWrite{offset: offsets[i], field: f})
		}
		return d
	}
	for _, w := range ws {
		switch w.size {
		case 8:
			d.words64 = append(d.words64, defaultWord{w.offset, w.bits})
		case 4:
			d.words32 = append(d.words32, defaultWord{w.offset, w.bits})
		default:
			if w.size == 0 && (w.field.Kind == kBytes || w.field.Kind == kArray) && !w.field.Default.Null {
				w.size = sizeEmptySlice
			}
			d.other = append(d.other, w)
		}
	}
	return d
}

// applyDefaults performs the defaults of a defaultSet that are not words (decode
// stores those) on the zeroed struct at p. A *string default is carved from the
// decode's arenas rather than allocated alone.
func (r *reader) applyDefaults(other []defaultWrite, p unsafe.Pointer) {
	for i := range other {
		w := &other[i]
		q := unsafe.Add(p, w.offset)
		switch w.size {
		case 1:
			*(*uint8)(q) = uint8(w.bits)
		case 2:
			*(*uint16)(q) = uint16(w.bits)
		case sizeEmptySlice: // the zeroed length and capacity stay
			*(*unsafe.Pointer)(q) = layout.EmptySlice
		default:
			if w.field.Kind == kString && w.field.Ptr {
				*(**string)(q) = r.stringPtr(w.field.Default.S)
			} else {
				w.field.SetDefault(q)
			}
		}
	}
}
