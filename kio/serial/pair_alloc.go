package serial

import (
	"reflect"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

// One allocation for a topic and its partition (a fast path, see optimize). A Fetch
// response or Produce request for one partition decodes a one-element array of
// topics whose element holds a one-element array of partitions: two small heap
// allocations, which were half of such a decode's instructions (BENCHMARKS.md, "Fourth
// round"). When a struct's fields before its first array of structs are fixed-width,
// the array's count lies at a known distance from the element's start, so the decoder
// can see, before allocating the outer element, that the inner array holds one element
// too, and allocates both in one object of a struct type made for the pair
// (reflect.StructOf: the collector sees both pointer layouts). The inner array's
// fillArray then takes its element from there (reader.pairAt) instead of allocating.
//
// What a kept value keeps alive stays small (the memory contract in the package doc):
// the inner slice keeps its outer element alive and the other way round, one struct
// each, both of which the outer element reaches anyway.

// pairAlloc is how a plan's one-element arrays allocate with their inner array.
type pairAlloc struct {
	typ     unsafe.Pointer // type word of struct{ Outer T; Inner [1]U }
	innerAt uintptr        // offset of Inner in it
	peek    int            // wire bytes of the fixed-width fields before the inner count
	inner   *op            // the inner array field, whose fillArray takes Inner
}

// compilePair sets pl.pair when its fields before its first variable-width field are
// fixed-width and that field is an array of structs held by value, and fast paths
// are on.
func (pl *plan) compilePair() {
	if pl.general || pl.err != nil {
		return
	}
	peek := 0
	for _, o := range pl.ops {
		if w := o.kind.FixedWidth(); w > 0 {
			peek += w
			continue
		}
		if o.kind != kArray || o.elem.kind != kStruct || o.elem.ptr || o.elem.goType.Size() == 0 {
			return
		}
		pairType := reflect.StructOf([]reflect.StructField{
			{Name: "Outer", Type: pl.ti.typ},
			{Name: "Inner", Type: reflect.ArrayOf(1, o.elem.goType)},
		})
		pl.pair = &pairAlloc{typ: typeWord(pairType), innerAt: pairType.Field(1).Offset, peek: peek, inner: o}
		return
	}
}

// oneInner reports whether the inner array of the element that starts at r.off
// holds one element, reading its count without consuming it.
func (a *pairAlloc) oneInner(r *reader) bool {
	at := r.off + a.peek
	if a.inner.compact {
		return at < len(r.buf) && r.buf[at] == wire.ShortCompactLengthByte(1)
	}
	return at+4 <= len(r.buf) && r.buf[at] == 0 && r.buf[at+1] == 0 && r.buf[at+2] == 0 && r.buf[at+3] == 1
}
