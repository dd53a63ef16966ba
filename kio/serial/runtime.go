package serial

import (
	"reflect"
	"unsafe" // and go:linkname
)

// This file holds every use of unsafe that relies on how the Go runtime lays values
// out, rather than on the language: the two words of an interface and the three of a
// slice. layout_test.go asserts each assumption, so a runtime that changed them fails
// there first. Each use is kept because a benchmark showed it pays (BENCHMARKS.md):
// the type word keys the entry points' cache without reflect.TypeOf and without
// letting v escape; newBuffer skips the zeroing of Marshal's buffer; newArray allocates
// decoded slices and structs without reflect.New's per-call lookup of the pointer
// type; slice headers (sliceAt) let the plan loops read
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

// newArray returns the address of n >= 1 zeroed values of the type whose type word
// is typ (typeWord of T), allocated together with T's pointer layout: a decoded
// slice's backing array, or the struct a *T field points to. It is the runtime's
// reflect.unsafe_NewArray, which reflect.New and reflect.MakeSlice allocate with,
// reached by name: reflect.New(T) first looks *T's type up on every call (a walk of
// the modules and a map access, ~150 instructions), then builds a Value to take the
// pointer from, which cost a 1 MiB FetchResponse decode (two one-element slices) ~300
// of its 2,035 instructions (BENCHMARKS.md, "Fourth round"); growing a slice through
// reflect cost more. The runtime keeps this name for the packages that link to it (it
// says so at its definition, go.dev/issue/67401), kafka-go among them;
// TestRuntimeLayouts checks what it returns. The caller bounds n by the input.
func newArray(typ unsafe.Pointer, n int) unsafe.Pointer {
	return unsafe_NewArray(typ, n)
}

//go:linkname unsafe_NewArray reflect.unsafe_NewArray
func unsafe_NewArray(typ unsafe.Pointer, n int) unsafe.Pointer

// noescape returns p, hidden from escape analysis: the runtime's noescape, reached by
// name (it keeps the name for the packages that link to it, go.dev/issue/67401).
// decodeInto passes the target and the reader's arenas to a generated straight-line
// decoder through a function value, which the compiler must assume keeps them: the
// caller's target and the reader would move to the heap, two allocations on every
// decode (TestEntryPointsKeepTheValueOnTheStack). The decoders keep neither: they
// write into the target and carve from the arenas, and return.
//
//go:noescape
//go:linkname noescape runtime.noescape
func noescape(p unsafe.Pointer) unsafe.Pointer

// newBuffer returns an empty slice of capacity n whose memory the runtime did not
// zero, for Marshal, which overwrites exactly n bytes before anyone reads them (it
// checks the length it wrote, and drops a buffer it did not fill): clearing 1 MiB
// first, then copying 1 MiB of records over it, cost twice the copy (BENCHMARKS.md,
// "Codec speed, issue 20"), and for a Heartbeat's 96 bytes the clearing and
// makeslice's checks were a tenth of a fresh encode ("Seventh round"). The memory
// comes from the runtime's mallocgc, asked not to zero and given no type (no
// pointers), as the runtime allocates a string being built; the runtime keeps that
// name for the packages that link to it (go.dev/issue/67401). The capacity is exactly
// n, so no stale byte is reachable by reslicing.
func newBuffer(n int) []byte {
	return unsafe.Slice((*byte)(mallocgc(uintptr(n), nil, false)), n)[:0:n]
}

//go:linkname mallocgc runtime.mallocgc
func mallocgc(size uintptr, typ unsafe.Pointer, needzero bool) unsafe.Pointer
