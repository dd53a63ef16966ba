package serial

import (
	"reflect"
	"sync/atomic"
	"unsafe"
)

// The per-call cost of finding a type's plan matters for small messages: a
// reflect.TypeOf, a sync.Map lookup and a pointer check cost more than encoding a
// Heartbeat. So the entry points first look in a small direct-mapped cache keyed by the
// dynamic type word of the interface they were given, which for a pointer to a struct
// also carries the pointer itself in its data word. A miss falls back to reflection
// and fills the slot; a collision only costs that fallback.

// ifaceWords is the layout of an empty interface: its dynamic type and data words.
type ifaceWords struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

type typeCacheEntry struct {
	typ unsafe.Pointer // dynamic type word of a *T
	ti  *typeInfo      // T's parsed form
}

const typeCacheSize = 1024

var typeCache [typeCacheSize]atomic.Pointer[typeCacheEntry]

func typeCacheSlot(typ unsafe.Pointer) *atomic.Pointer[typeCacheEntry] {
	return &typeCache[(uintptr(typ)>>4)%typeCacheSize]
}

// cachedStructPtr returns the typeInfo and address behind v when v is a non-nil
// pointer to a struct whose type is in the cache.
func cachedStructPtr(v any) (*typeInfo, unsafe.Pointer, bool) {
	w := (*ifaceWords)(unsafe.Pointer(&v))
	if e := typeCacheSlot(w.typ).Load(); e != nil && e.typ == w.typ && w.data != nil {
		return e.ti, w.data, true
	}
	return nil, nil, false
}

// rememberStructPtr caches v's type, a pointer to the struct described by ti.
func rememberStructPtr(v any, ti *typeInfo) {
	w := (*ifaceWords)(unsafe.Pointer(&v))
	typeCacheSlot(w.typ).Store(&typeCacheEntry{typ: w.typ, ti: ti})
}

// planAt returns ti's plan at version for a top-level value, checking the version
// against the struct's marker.
func (ti *typeInfo) planAt(version int16) (*plan, error) {
	if ti.err != nil {
		return nil, ti.err
	}
	if version < 0 || !ti.marker.Versions.Contains(version) {
		return nil, causef(ErrVersion, "version %d is not in %v's valid versions %v", version, ti.typ, ti.marker.Versions)
	}
	pl := ti.planFor(version, ti.marker.Flexible.Contains(version))
	if pl.err != nil {
		return nil, pl.err
	}
	return pl, nil
}

// zero clears the struct at p.
func (ti *typeInfo) zero(p unsafe.Pointer) {
	reflect.NewAt(ti.typ, p).Elem().SetZero()
}
