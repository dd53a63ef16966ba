package serial

import (
	"reflect"
	"strings"
	"unsafe"
)

// This file holds every use of unsafe that relies on how the Go runtime lays values
// out, rather than on the language: the two words of an interface and the three of a
// slice. layout_test.go asserts each assumption, so a runtime that changed them fails
// there first. Each use is kept because a benchmark showed it pays (BENCHMARKS.md):
// the type word keys the entry points' cache without reflect.TypeOf and without
// letting v escape; newBuffer skips the zeroing of Marshal's buffer; growSlice reaches a field as a *[]T without reflect.NewAt's
// per-call lookup of the pointer type; slice headers (sliceAt) let the plan loops read
// and set slice fields of any element type through one code path.

// ifaceWords is the layout of an empty interface: its dynamic type and data words.
type ifaceWords struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// sliceHeader is the layout of every Go slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// sliceAt views the slice of any element type at p as its header.
func sliceAt(p unsafe.Pointer) *sliceHeader { return (*sliceHeader)(p) }

// typeWord returns the type word an interface holding a value of type t carries.
func typeWord(t reflect.Type) unsafe.Pointer {
	v := reflect.Zero(t).Interface()
	return words(&v).typ
}

// words returns the two words of the interface at v.
func words(v *any) *ifaceWords { return (*ifaceWords)(unsafe.Pointer(v)) }

// dataWord returns the data word of *v: the value itself for a type held directly in
// an interface (see isDirectIface), else a pointer to it.
func dataWord(v *any) unsafe.Pointer { return words(v).data }

// isDirectIface reports whether an interface holds a T itself in its data word rather
// than a pointer to it, as Go does for a struct whose only content is one pointer. A
// zero T boxed directly has a nil data word; boxed indirectly, a non-nil one.
func isDirectIface(t reflect.Type) bool {
	z := reflect.Zero(t).Interface()
	return dataWord(&z) == nil
}

// growSlice sets the []T at p, whose *[]T type word is slicePtrType, to a new backing
// array of n zeroed elements allocated by reflect with T's pointer layout (len 0).
func growSlice(slicePtrType, p unsafe.Pointer, n int) {
	words := ifaceWords{typ: slicePtrType, data: p}
	reflect.ValueOf(*(*any)(unsafe.Pointer(&words))).Elem().Grow(n)
}

// minUnzeroed is the size from which Marshal's buffer is taken unzeroed: below it,
// clearing costs less than the detour.
const minUnzeroed = 4 << 10

// newBuffer returns an empty slice of capacity n whose memory the runtime did not
// zero, for Marshal, which overwrites exactly n bytes before anyone reads them:
// clearing 1 MiB first, then copying 1 MiB of records over it, cost twice the copy
// (BENCHMARKS.md, "Codec speed, issue 20"). strings.Builder.Grow allocates without
// zeroing, as the runtime does for the buffer of a string being built; the builder
// and its one-byte string are dropped here, so the memory is the slice's alone. The
// capacity is exactly n, so no stale byte is reachable by reslicing. Were Grow ever to
// zero, this would only be slower.
func newBuffer(n int) []byte {
	if n < minUnzeroed {
		return make([]byte, 0, n)
	}
	var sb strings.Builder
	sb.Grow(n)
	sb.WriteByte(0)
	s := sb.String()
	return unsafe.Slice(unsafe.StringData(s), n)[:0:n]
}
