package serial

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// The runtime layouts runtime.go relies on. If a Go release changes one, this fails
// before any codec test does, and says which.
func TestRuntimeLayouts(t *testing.T) {
	// An interface is a type word and a data word; the data word of a *T is the pointer.
	x := 42
	var v any = &x
	w := words(&v)
	if unsafe.Sizeof(v) != unsafe.Sizeof(ifaceWords{}) || w.data != unsafe.Pointer(&x) {
		t.Fatal("an empty interface is not (type word, data word)")
	}
	// Equal dynamic types share a type word, and typeWord computes it from reflect.
	var v2 any = new(int)
	if words(&v2).typ != w.typ || typeWord(reflect.TypeFor[*int]()) != w.typ {
		t.Fatal("the type word is not one per type, or typeWord does not find it")
	}
	// A slice is (data, len, cap).
	s := make([]int32, 3, 7)
	h := (*sliceHeader)(unsafe.Pointer(&s))
	if unsafe.Sizeof(s) != unsafe.Sizeof(sliceHeader{}) || h.data != unsafe.Pointer(&s[0]) || h.len != 3 || h.cap != 7 {
		t.Fatal("a slice is not (data, len, cap)")
	}
	// A struct of one pointer is held directly in an interface; a larger one is not.
	type onePtr struct{ p *int }
	if !isDirectIface(reflect.TypeFor[onePtr]()) || isDirectIface(reflect.TypeFor[struct{ a, b int }]()) {
		t.Fatal("isDirectIface misjudges which structs an interface holds directly")
	}
	var d any = onePtr{&x}
	if dataWord(&d) != unsafe.Pointer(&x) {
		t.Fatal("a direct interface's data word is not the value")
	}
	// newArray allocates zeroed values of the type of its type word, with their
	// pointer layout: the collector keeps what they point to alive.
	type elem struct {
		n int64
		s string
		p *int
	}
	arr := unsafe.Slice((*elem)(newArray(typeWord(reflect.TypeFor[elem]()), 3)), 3)
	for i := range arr {
		if arr[i] != (elem{}) {
			t.Fatalf("newArray: element %d is not zero: %+v", i, arr[i])
		}
		arr[i] = elem{int64(i), strings.Repeat("x", 100+i), new(int)}
		*arr[i].p = i
	}
	one := (*elem)(newArray(typeWord(reflect.TypeFor[elem]()), 1))
	if *one != (elem{}) || unsafe.Pointer(one) == unsafe.Pointer(&arr[0]) {
		t.Fatal("newArray(1) is not a new zero value")
	}
	runtime.GC()
	for i := range arr {
		if arr[i].n != int64(i) || arr[i].s != strings.Repeat("x", 100+i) || *arr[i].p != i {
			t.Fatalf("newArray: element %d lost its values across a collection: %+v", i, arr[i])
		}
	}
}

// newBuffer's memory is the caller's alone, of exactly the size asked: two buffers never
// share memory, and nothing beyond n is reachable.
func TestNewBuffer(t *testing.T) {
	for _, n := range []int{0, 1, 96, 4<<10 - 1, 4 << 10, 1 << 20} {
		a, b := newBuffer(n), newBuffer(n)
		if len(a) != 0 || cap(a) != n {
			t.Fatalf("newBuffer(%d): len %d cap %d", n, len(a), cap(a))
		}
		a, b = a[:n], b[:n]
		for i := range a {
			a[i], b[i] = 1, 2
		}
		for i := range a {
			if a[i] != 1 {
				t.Fatalf("newBuffer(%d): two buffers share byte %d", n, i)
			}
		}
	}
}

// clearTail zeroes what an encode left unwritten of a newBuffer, so a size that came out
// larger than the encode leaves no stale memory reachable by reslicing.
func TestClearTail(t *testing.T) {
	b := newBuffer(64)[:64]
	for i := range b {
		b[i] = 0xAA
	}
	out := clearTail(append(b[:0], 1, 2, 3))
	if len(out) != 3 || out[0] != 1 || out[2] != 3 {
		t.Fatalf("clearTail changed the written bytes: %v", out)
	}
	for i, c := range out[:cap(out)][3:] {
		if c != 0 {
			t.Fatalf("byte %d past the length is %#x after clearTail", 3+i, c)
		}
	}
}
