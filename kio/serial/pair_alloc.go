package serial

import (
	"encoding/binary"
	"reflect"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

// One allocation for a topic and its partition (a fast path, see optimize). A Fetch
// response or Produce request for one partition decodes a one-element array of
// topics whose element holds a one-element array of partitions: two small heap
// allocations, which were half of such a decode's instructions (BENCHMARKS.md, "Fourth
// round"). When a struct's fields before its first array of structs are fixed-width
// numbers and strings (a Fetch topic's id, a Produce topic's name), the decoder can
// step over them to the array's count and see, before allocating the outer element,
// that the inner array holds one element too; it then allocates both in one object of
// a struct type made for the pair (reflect.StructOf: the collector sees both pointer
// layouts), and the inner array's fillArray takes its element from there
// (reader.pairAt) instead of allocating.
//
// What a kept value keeps alive stays small (the memory contract in the package doc):
// the inner slice keeps its outer element alive and the other way round, one struct
// each, both of which the outer element reaches anyway.

// pairAlloc is how a plan's one-element arrays allocate with their inner array.
type pairAlloc struct {
	typ     unsafe.Pointer // type word of struct{ Outer T; Inner [1]U }
	innerAt uintptr        // offset of Inner in it
	// steps lead from the element's start to the inner count: a fixed width (> 0),
	// or a string (stepCompactString, stepString) whose length is read; nil when
	// only fixed-width fields come first, fixed bytes of them.
	steps []int
	fixed int
	inner *op // the inner array field, whose fillArray takes Inner
}

const (
	stepCompactString = 0  // a compact string: a one-byte length below 127 and its bytes
	stepString        = -1 // a classic string: an int16 length and its bytes
)

// compilePair sets pl.pair when its fields before its first array of structs held by
// value are fixed-width numbers or non-nullable strings, and fast paths are on.
func (pl *plan) compilePair() {
	if pl.general || pl.err != nil {
		return
	}
	var steps []int
	for _, o := range pl.ops {
		if w := o.kind.FixedWidth(); w > 0 {
			if len(steps) > 0 && steps[len(steps)-1] > 0 {
				steps[len(steps)-1] += w
			} else {
				steps = append(steps, w)
			}
			continue
		}
		if o.kind == kString && !o.ptr && !o.nullable {
			step := stepString
			if o.compact {
				step = stepCompactString
			}
			steps = append(steps, step)
			continue
		}
		if o.kind != kArray || o.elem.kind != kStruct || o.elem.ptr || o.elem.goType.Size() == 0 {
			return
		}
		pairType := reflect.StructOf([]reflect.StructField{
			{Name: "Outer", Type: pl.ti.typ},
			{Name: "Inner", Type: reflect.ArrayOf(1, o.elem.goType)},
		})
		pl.pair = &pairAlloc{typ: typeWord(pairType), innerAt: pairType.Field(1).Offset, steps: steps, inner: o}
		if len(steps) <= 1 && (len(steps) == 0 || steps[0] > 0) {
			pl.pair.steps = nil
			for _, w := range steps {
				pl.pair.fixed = w
			}
		}
		return
	}
}

// oneInner reports whether the inner array of the element that starts at r.off
// holds one element, reading up to its count without consuming anything. A string
// it cannot step over here (long, null, short of input) makes it answer false: the
// arrays are then allocated apart, as without this path.
func (a *pairAlloc) oneInner(r *reader) bool {
	at := r.off + a.fixed
	if a.steps != nil {
		if at = a.stepOver(r.buf, at); at < 0 {
			return false
		}
	}
	if a.inner.compact {
		return at < len(r.buf) && r.buf[at] == wire.ShortCompactLengthByte(1)
	}
	return at+4 <= len(r.buf) && binary.BigEndian.Uint32(r.buf[at:]) == 1
}

// stepOver returns where the inner count starts for an element starting at at, or -1.
func (a *pairAlloc) stepOver(buf []byte, at int) int {
	for _, w := range a.steps {
		switch {
		case w > 0:
			at += w
		case w == stepCompactString:
			if at >= len(buf) {
				return -1
			}
			n, short := wire.ShortCompactLength(buf[at])
			if !short || n < 0 {
				return -1
			}
			at += 1 + n
		default:
			if at+2 > len(buf) {
				return -1
			}
			n := int(int16(binary.BigEndian.Uint16(buf[at:])))
			if n < 0 {
				return -1
			}
			at += 2 + n
		}
	}
	return at
}
