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

type versionKey struct {
	version  int16
	flexible bool
}

type versionCache struct {
	byVersion [2][MaxCachedVersion]atomic.Pointer[Version]
	more      sync.Map // versionKey -> *Version
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (c *versionCache) load(k versionKey) *Version {
	if k.version >= 0 && k.version < MaxCachedVersion {
		return c.byVersion[b2i(k.flexible)][k.version].Load()
	}
	if v, ok := c.more.Load(k); ok {
		return v.(*Version)
	}
	return nil
}

func (c *versionCache) store(k versionKey, v *Version) *Version {
	if k.version >= 0 && k.version < MaxCachedVersion {
		if c.byVersion[b2i(k.flexible)][k.version].CompareAndSwap(nil, v) {
			return v
		}
		return c.byVersion[b2i(k.flexible)][k.version].Load()
	}
	actual, _ := c.more.LoadOrStore(k, v)
	return actual.(*Version)
}

// At returns t's layout at version with the given flexibility (for a message, its
// marker's Flexible.Contains(version); a nested struct takes its message's), building
// it and those of the structs it holds once. It does not check version against the
// marker's versions: MessageAt does.
func (t *Type) At(version int16, flexible bool) *Version {
	k := versionKey{version, flexible}
	if v := t.versions.load(k); v != nil {
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
			bt.versions.store(k, bv)
		}
	}
	return t.versions.store(k, v)
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

func buildVersion(t *Type, k versionKey, building map[*Type]*Version) *Version {
	if v := t.versions.load(k); v != nil {
		return v
	}
	if v, ok := building[t]; ok {
		return v // recursive type: finished by the outer call
	}
	v := &Version{Type: t, Version: k.version, Flexible: k.flexible}
	building[t] = v
	if t.Err != nil {
		v.Err = t.Err
		return v
	}
	for i := range t.Fields {
		f := &t.Fields[i]
		present := f.Tag.Versions.Contains(k.version)
		if !present {
			v.Absent = append(v.Absent, f)
			continue
		}
		tagged := f.IsTaggedAt(k.version)
		if tagged && !k.flexible {
			v.Err = &Error{Struct: t.Go, Field: f.Name, Reason: fmt.Sprintf("tagged at version %d, which is not flexible", k.version)}
			return v
		}
		m := Member{ValueAt: valueAt(&f.Value, k, building), Field: f, Tagged: tagged}
		m.Nullable = f.Tag.Nullable.Contains(k.version)
		if f.Tag.HasFlexible && !f.Tag.Flexible.Contains(k.version) {
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

func valueAt(val *Value, k versionKey, building map[*Type]*Version) ValueAt {
	va := ValueAt{Value: val, Compact: k.flexible && (val.Kind == String || val.Kind == Bytes || val.Kind == Array)}
	switch val.Kind {
	case Array:
		e := valueAt(val.Elem, k, building)
		va.Elem = &e
	case Struct:
		va.Struct = buildVersion(val.Struct, k, building)
	}
	return va
}
