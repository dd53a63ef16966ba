package serial

import (
	"reflect"
	"sync/atomic"
	"unsafe"
)

// The per-call cost of finding a type's plan matters for small messages: a
// reflect.TypeOf, a sync.Map lookup and a pointer check cost more than encoding a
// Heartbeat. So the entry points first look in a small direct-mapped cache keyed by the
// dynamic type word of the interface they were given; its data word is then the
// struct's address (for a *T, and for a T the interface holds indirectly). A miss falls
// back to reflection and fills the slot; a collision only costs that fallback.
//
// Nothing here keeps the value itself: the type word is kept as a number (type
// descriptors live as long as the program), so the compiler can prove that the
// entry points do not let v escape and a caller's `var m T; Unmarshal(b, &m, v)`
// stays on the stack.

type typeCacheEntry struct {
	typ uintptr   // dynamic type word of a *T, or of a T stored indirectly
	ti  *typeInfo // T's parsed form
	ptr bool      // the type is *T
}

const typeCacheSize = 1024

var typeCache [typeCacheSize]atomic.Pointer[typeCacheEntry]

func typeCacheSlot(typ uintptr) *atomic.Pointer[typeCacheEntry] {
	return &typeCache[(typ>>4)%typeCacheSize]
}

// cachedStruct returns the cache entry for v's dynamic type and the address of the
// struct behind v, or nil when v's type is not cached. The address is nil for a nil *T.
func cachedStruct(v any) (*typeCacheEntry, unsafe.Pointer) {
	w := words(&v)
	if e := typeCacheSlot(uintptr(w.typ)).Load(); e != nil && e.typ == uintptr(w.typ) {
		return e, w.data
	}
	return nil, nil
}

// locateStruct finds the parsed type and the address of the struct behind v through
// reflection, and caches v's type for cachedStruct. A T held directly in the
// interface (a struct of a single pointer) has no address to give: direct is then
// true and the caller must take the address of a copy of v's data word.
func locateStruct(v any, needPointer bool) (ti *typeInfo, p unsafe.Pointer, direct bool, err error) {
	t := reflect.TypeOf(v)
	w := words(&v)
	switch {
	case t == nil:
		return nil, nil, false, causef(ErrSchema, "nil value")
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		ti = infoFor(t.Elem())
		typeCacheSlot(uintptr(w.typ)).Store(&typeCacheEntry{typ: uintptr(w.typ), ti: ti, ptr: true})
		if w.data == nil {
			return ti, nil, false, causef(ErrSchema, "nil %v", t)
		}
		return ti, w.data, false, nil
	case t.Kind() == reflect.Struct && !needPointer:
		ti = infoFor(t)
		if isDirectIface(t) {
			return ti, nil, true, nil
		}
		typeCacheSlot(uintptr(w.typ)).Store(&typeCacheEntry{typ: uintptr(w.typ), ti: ti})
		return ti, w.data, false, nil
	default:
		want := "a struct or a pointer to one"
		if needPointer {
			want = "a pointer to a struct"
		}
		return nil, nil, false, causef(ErrSchema, "%v is not %s", t, want)
	}
}

// checkedPlan returns ti's top-level plan at version if planAt has already checked
// and cached it, else nil: the entry points' fast path, small enough to inline.
func (ti *typeInfo) checkedPlan(version int16) *plan {
	if uint16(version) < maxCachedVersion {
		return ti.topPlans[version].Load()
	}
	return nil
}

// planAt returns ti's plan at version for a top-level value, checking the version
// against the struct's marker.
func (ti *typeInfo) planAt(version int16) (*plan, error) {
	if pl := ti.checkedPlan(version); pl != nil {
		return pl, nil
	}
	if _, err := ti.checkVersions(); err != nil {
		return nil, err
	}
	if version < 0 || !ti.lt.Message.Versions.Contains(version) {
		return nil, causef(ErrVersion, "version %d is not in %v's valid versions %v", version, ti.typ, ti.lt.Message.Versions)
	}
	pl := ti.planFor(version, ti.lt.Message.Flexible.Contains(version))
	if pl.err != nil {
		return nil, pl.err
	}
	if version < maxCachedVersion {
		ti.topPlans[version].Store(pl)
	}
	return pl, nil
}

// checkVersions compiles ti at every version its marker declares (0 to 31 where it
// declares no upper end) the first time it is needed, and returns the first problem
// and its version: a mistake in any version is refused by every entry point and by
// Check, not only when that version is used. A struct without a marker is a nested
// one, whose flexibility its message decides: only its tags and Go types are checked
// here, its versions through the messages that hold it.
func (ti *typeInfo) checkVersions() (int16, error) {
	ti.checked.Do(func() {
		if ti.err != nil {
			ti.checkedErr = ti.err
			return
		}
		r := ti.lt.Message.Versions
		if !ti.lt.HasMarker || r.IsNone() {
			return // a version of none is refused as such
		}
		hi := r.Hi
		if r.IsOpen() {
			hi = max(r.Lo, maxCachedVersion-1)
		}
		for v := r.Lo; v <= hi; v++ {
			if pl := ti.planFor(v, ti.lt.Message.Flexible.Contains(v)); pl.err != nil {
				ti.checkedVersion, ti.checkedErr = v, pl.err
				return
			}
		}
	})
	return ti.checkedVersion, ti.checkedErr
}

// zero clears the struct at p. Decoding targets are usually new, so it first checks
// whether they already are zero, which is cheaper than clearing through reflect (whose
// clear must also tell the garbage collector about the pointers it overwrites).
func (ti *typeInfo) zero(p unsafe.Pointer) {
	if !isZeroMemory(p, ti.size, ti.wordAligned) {
		reflect.NewAt(ti.typ, p).Elem().SetZero()
	}
}

// isZeroMemory reports whether the size bytes at p are all zero, reading them a word
// at a time where the alignment allows.
func isZeroMemory(p unsafe.Pointer, size uintptr, wordAligned bool) bool {
	i := uintptr(0)
	if wordAligned {
		for ; i+32 <= size; i += 32 { // four words a step: structs are a few dozen words
			q := unsafe.Add(p, i)
			if *(*uint64)(q)|*(*uint64)(unsafe.Add(q, 8))|*(*uint64)(unsafe.Add(q, 16))|*(*uint64)(unsafe.Add(q, 24)) != 0 {
				return false
			}
		}
		for ; i+8 <= size; i += 8 {
			if *(*uint64)(unsafe.Add(p, i)) != 0 {
				return false
			}
		}
	}
	for ; i < size; i++ {
		if *(*byte)(unsafe.Add(p, i)) != 0 {
			return false
		}
	}
	return true
}
