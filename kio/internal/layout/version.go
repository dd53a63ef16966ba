package layout

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Version is a struct's layout at one version and flexibility.
type Version struct {
	Type     *Type
	Version  int16
	Flexible bool
	// Members are the fields present at the version, tagged or not, in declaration
	// order (the order Kafka's JSON form writes them in).
	Members []Member
	// Fields are the members present and untagged at the version, in wire order.
	Fields []*Member
	// Tagged are the members tagged at the version (flexible versions only), in
	// ascending tag id order.
	Tagged []*Member
	// Absent are the fields not present at the version, in declaration order, the
	// ignorable ones included (see Field.Tag.Ignorable).
	Absent []*Field
	// Err is the first mistake of the struct at this version or of one it holds
	// (Type.Err included), nil if none.
	Err *Error
}

// ValueAt is a value's layout at one version: its Value and the decisions the version
// makes for it.
type ValueAt struct {
	*Value
	// Nullable: may be null at this version (strings, bytes, arrays, *structs).
	Nullable bool
	// Compact: strings, bytes and arrays use compact (varint) lengths here.
	Compact bool
	Elem    *ValueAt // Array: the element at this version
	Struct  *Version // Struct: the struct at this version
}

// Member is a field present at a version: its version-independent Field and its
// ValueAt (the element and struct layouts at the version below it).
type Member struct {
	ValueAt
	Field  *Field
	Tagged bool // a tagged field at this version (Field.Tag.Tag is its id)
}

// TagID is the member's tagged-field id, for tagged members.
func (m *Member) TagID() uint32 { return uint32(m.Field.Tag.Tag) }

// MaxCachedVersion bounds the lock-free per-version arrays (of this package and of its
// users); later versions go through a map.
const MaxCachedVersion = 32

// VersionKey is the version and flexibility a VersionCache keeps a value for.
type VersionKey struct {
	Version  int16
	Flexible bool
}

// VersionCache keeps one *V per VersionKey, such as a type's layout per version here
// and kio/serial's plans: lock-free below MaxCachedVersion, through a map above.
type VersionCache[V any] struct {
	byVersion [2][MaxCachedVersion]atomic.Pointer[V] // by flexibility, version
	more      sync.Map                               // VersionKey -> *V
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Load returns the value kept for k, nil if none.
func (c *VersionCache[V]) Load(k VersionKey) *V {
	if k.Version >= 0 && k.Version < MaxCachedVersion {
		return c.byVersion[b2i(k.Flexible)][k.Version].Load()
	}
	if v, ok := c.more.Load(k); ok {
		return v.(*V)
	}
	return nil
}

// Store keeps v for k unless a value is kept already, and returns the value kept.
func (c *VersionCache[V]) Store(k VersionKey, v *V) *V {
	if k.Version >= 0 && k.Version < MaxCachedVersion {
		if c.byVersion[b2i(k.Flexible)][k.Version].CompareAndSwap(nil, v) {
			return v
		}
		return c.byVersion[b2i(k.Flexible)][k.Version].Load()
	}
	actual, _ := c.more.LoadOrStore(k, v)
	return actual.(*V)
}

// At returns t's layout at version with the given flexibility (for a message, its
// marker's Flexible.Contains(version); a nested struct takes its message's), building
// it and those of the structs it holds once. It does not check version against the
// marker's versions: MessageAt does.
func (t *Type) At(version int16, flexible bool) *Version {
	k := VersionKey{Version: version, Flexible: flexible}
	if v := t.versions.Load(k); v != nil {
		return v
	}
	building := map[*Type]*Version{}
	v := buildVersion(t, k, building)
	// Errors of nested structs reach their holders; recursion may finish a holder
	// first, so propagate until nothing changes.
	for changed := true; changed; {
		changed = false
		for _, bv := range building {
			if bv.Err == nil {
				if s := bv.firstNestedErr(); s != nil {
					bv.Err, changed = s, true
				}
			}
		}
	}
	for bt, bv := range building {
		if bt != t {
			bt.versions.Store(k, bv)
		}
	}
	return t.versions.Store(k, v)
}

// MessageAt returns t's layout at version as a top-level message: version must be one
// of the marker's, and its flexibility is the marker's.
func (t *Type) MessageAt(version int16) (*Version, error) {
	if t.Err != nil {
		return nil, t.Err
	}
	if version < 0 || !t.Message.Versions.Contains(version) {
		return nil, fmt.Errorf("version %d is not in %v's valid versions %v", version, t.Go, t.Message.Versions)
	}
	v := t.At(version, t.Message.Flexible.Contains(version))
	if v.Err != nil {
		return nil, v.Err
	}
	return v, nil
}

func (v *Version) firstNestedErr() *Error {
	for i := range v.Members {
		va := &v.Members[i].ValueAt
		for va.Elem != nil {
			va = va.Elem
		}
		if va.Struct != nil && va.Struct.Err != nil {
			return va.Struct.Err
		}
	}
	return nil
}

func buildVersion(t *Type, k VersionKey, building map[*Type]*Version) *Version {
	if v := t.versions.Load(k); v != nil {
		return v
	}
	if v, ok := building[t]; ok {
		return v // recursive type: finished by the outer call
	}
	v := &Version{Type: t, Version: k.Version, Flexible: k.Flexible}
	building[t] = v
	if t.Err != nil {
		v.Err = t.Err
		return v
	}
	for i := range t.Fields {
		f := &t.Fields[i]
		present := f.Tag.Versions.Contains(k.Version)
		if !present {
			v.Absent = append(v.Absent, f)
			continue
		}
		tagged := f.IsTaggedAt(k.Version)
		if tagged && !k.Flexible {
			v.Err = &Error{Struct: t.Go, Field: f.Name, Reason: fmt.Sprintf("tagged at version %d, which is not flexible", k.Version)}
			return v
		}
		m := Member{ValueAt: valueAt(&f.Value, k, building), Field: f, Tagged: tagged}
		m.Nullable = f.Tag.Nullable.Contains(k.Version)
		if f.Tag.HasFlexible && !f.Tag.Flexible.Contains(k.Version) {
			m.Compact = false
		}
		v.Members = append(v.Members, m)
	}
	for i := range v.Members {
		if m := &v.Members[i]; m.Tagged {
			v.Tagged = append(v.Tagged, m)
		} else {
			v.Fields = append(v.Fields, m)
		}
	}
	slices.SortFunc(v.Tagged, func(a, b *Member) int { return cmp.Compare(a.Field.Tag.Tag, b.Field.Tag.Tag) })
	return v
}

func valueAt(val *Value, k VersionKey, building map[*Type]*Version) ValueAt {
	va := ValueAt{Value: val, Compact: k.Flexible && (val.Kind == String || val.Kind == Bytes || val.Kind == Array)}
	switch val.Kind {
	case Array:
		e := valueAt(val.Elem, k, building)
		va.Elem = &e
	case Struct:
		va.Struct = buildVersion(val.Struct, k, building)
	}
	return va
}
