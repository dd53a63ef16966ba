package serial

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// This file parses a struct's fields once per type: kafka tags, the wire kind each
// Go type maps to, and parsed defaults. Per-version work happens in plan.go.

// wireKind is how one value is laid out on the wire.
type wireKind uint8

const (
	kBool wireKind = iota + 1
	kInt8
	kInt16
	kInt32
	kInt64
	kUint16
	kUint32
	kFloat64
	kUUID
	kString // string or *string: int16 / compact length
	kBytes  // []byte for bytes and records: int32 / compact length
	kArray  // []T: int32 / compact count
	kStruct // struct value, or *struct (nullable with an int8 marker)

	// Plan-only kinds: a layout above, specialised for the encode loop.
	kCompactInt32s // kArray of int32 in a flexible version (replica and ISR lists)
)

// valueInfo is what the codec knows about one Go value's layout: a struct field or an
// array element.
type valueInfo struct {
	kind   wireKind
	goType reflect.Type
	ptr    bool       // *string or *struct
	elem   *valueInfo // kArray: the element
	sub    *typeInfo  // kStruct: the struct (pointee when ptr)
}

// fieldInfo is one encodable struct field, version-independent.
type fieldInfo struct {
	valueInfo
	name     string
	offset   uintptr
	tag      tags.Field
	def      defaultValue
	nullable bool // nullable in some version: nil and empty then differ
}

// typeInfo is a struct type parsed once: its marker and its fields in order.
type typeInfo struct {
	typ  reflect.Type
	size uintptr // typ.Size(), without an interface call
	// wordAligned: typ's alignment allows reading it as 8-byte words.
	wordAligned bool
	marker      tags.Message
	hasMarker   bool
	fields      []fieldInfo
	hasUnknown  bool
	unknownOff  uintptr
	err         error // a *SchemaError found while parsing; reported on first use
	// checked: every declared version compiled once, on first top-level use, so that
	// a mistake at any version is refused by every entry point (checkVersions).
	checked        sync.Once
	checkedVersion int16
	checkedErr     error
	plans          planCache
	// topPlans holds the plans of the versions already used at the top level (in
	// the marker's range, at its flexibility), so planAt is one load for them.
	topPlans [maxCachedVersion]atomic.Pointer[plan]
}

var typeInfos sync.Map // reflect.Type -> *typeInfo

var rawTagsType = reflect.TypeFor[kio.RawTags]()

// infoFor returns the parsed form of struct type t, parsing it on first use.
func infoFor(t reflect.Type) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	building := map[reflect.Type]*typeInfo{}
	ti := parseType(t, building)
	// Publish every type parsed on the way; a concurrent parse of the same type may
	// win, which is harmless: both parses are identical.
	for bt, bi := range building {
		typeInfos.LoadOrStore(bt, bi)
	}
	actual, _ := typeInfos.Load(t)
	if actual == nil {
		return ti
	}
	return actual.(*typeInfo)
}

func parseType(t reflect.Type, building map[reflect.Type]*typeInfo) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	if ti, ok := building[t]; ok {
		return ti // a recursive type: the caller finishes it
	}
	ti := &typeInfo{typ: t, size: t.Size(), wordAligned: t.Align() >= 8, marker: tags.Message{APIKey: -1, Versions: tags.All(), Flexible: tags.None(), Deprecated: tags.None()}}
	building[t] = ti
	fail := func(field, format string, args ...any) *typeInfo {
		if ti.err == nil {
			ti.err = &SchemaError{Struct: t, Field: field, Reason: fmt.Sprintf(format, args...)}
		}
		return ti
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		raw, hasTag := sf.Tag.Lookup("kafka")
		if sf.Name == "_" {
			if i > 0 && hasTag && raw != "-" {
				// A marker anywhere but first would be silently ignored: the type
				// would become versions 0+, never flexible.
				return fail("_", "the message marker must be the struct's first field")
			}
			if i == 0 && hasTag {
				m, err := tags.ParseMessage(raw)
				if err != nil {
					return fail("_", "%v", err)
				}
				ti.marker, ti.hasMarker = m, true
			}
			continue
		}
		if !sf.IsExported() {
			if hasTag && raw != "-" {
				return fail(sf.Name, "kafka tag on an unexported field")
			}
			continue
		}
		ft, err := tags.ParseField(raw)
		if err != nil {
			return fail(sf.Name, "%v", err)
		}
		if ft.Skip {
			continue
		}
		if ft.UnknownTags {
			if sf.Type != rawTagsType {
				return fail(sf.Name, "unknownTags needs type kio.RawTags, not %v", sf.Type)
			}
			if ti.hasUnknown {
				return fail(sf.Name, "a second unknownTags field")
			}
			ti.hasUnknown, ti.unknownOff = true, sf.Offset
			continue
		}
		vi, err := resolveValue(ft.Type, sf.Type, !ft.Nullable.IsNone(), building)
		if err != nil {
			return fail(sf.Name, "%v", err)
		}
		if vi.sub != nil && vi.sub.err != nil {
			// The nested struct's own error names the struct and field at fault.
			ti.err = vi.sub.err
			return ti
		}
		f := fieldInfo{valueInfo: vi, name: sf.Name, offset: sf.Offset, tag: ft, nullable: !ft.Nullable.IsNone()}
		if ft.HasDefault {
			d, err := parseDefault(ft.Default, &vi)
			if err != nil {
				return fail(sf.Name, "default %q: %v", ft.Default, err)
			}
			f.def = d
		} else {
			f.def = impliedDefault(ft.Type, &vi)
		}
		if ft.HasFlexible && vi.kind != kString && vi.kind != kBytes && vi.kind != kArray {
			return fail(sf.Name, "field-level flexible versions apply only to strings, bytes and arrays")
		}
		ti.fields = append(ti.fields, f)
	}
	for i := range ti.fields {
		for j := range i {
			a, b := &ti.fields[i].tag, &ti.fields[j].tag
			if a.IsTagged() && a.Tag == b.Tag && !a.Tagged.Intersect(b.Tagged).IsNone() {
				return fail(ti.fields[i].name, "tag %d also used by %s", a.Tag, ti.fields[j].name)
			}
		}
	}
	return ti
}

// resolveValue maps a Kafka type (empty: implied by the Go type) onto Go type gt.
func resolveValue(kt string, gt reflect.Type, nullable bool, building map[reflect.Type]*typeInfo) (valueInfo, error) {
	vi := valueInfo{goType: gt}
	mismatch := func() (valueInfo, error) {
		if kt == "" {
			return vi, fmt.Errorf("no wire type is implied by Go type %v; set type=", gt)
		}
		return vi, fmt.Errorf("type %s does not fit Go type %v", kt, gt)
	}
	if elem, ok := strings.CutPrefix(kt, "[]"); ok || (kt == "" && gt.Kind() == reflect.Slice && gt.Elem().Kind() != reflect.Uint8) {
		if gt.Kind() != reflect.Slice {
			return mismatch()
		}
		ev, err := resolveValue(elem, gt.Elem(), false, building)
		if err != nil {
			return vi, fmt.Errorf("array element: %v", err)
		}
		if ev.ptr {
			return vi, fmt.Errorf("array elements cannot be pointers (%v)", gt.Elem())
		}
		vi.kind, vi.elem = kArray, &ev
		return vi, nil
	}
	if kt == "" {
		kt = impliedType(gt)
		if kt == "" {
			return mismatch()
		}
	}
	k := gt.Kind()
	for _, n := range numberKinds {
		if kt == n.name {
			vi.kind = n.kind
			if k != n.goKind {
				return mismatch()
			}
			return vi, nil
		}
	}
	fits := false
	switch kt {
	case "uuid":
		vi.kind, fits = kUUID, k == reflect.Array && gt.Len() == 16 && gt.Elem().Kind() == reflect.Uint8
	case "string":
		vi.kind = kString
		fits = k == reflect.String || (k == reflect.Pointer && gt.Elem().Kind() == reflect.String)
		vi.ptr = k == reflect.Pointer
		if fits && nullable && !vi.ptr {
			return vi, fmt.Errorf("a nullable string needs a *string Go type, not %v", gt)
		}
	case "bytes", "records":
		vi.kind = kBytes
		fits = k == reflect.Slice && gt.Elem().Kind() == reflect.Uint8
	default:
		// A struct name: the Go struct (or pointer to it, for nullable structs) must
		// carry that name, so a tag cannot silently describe a different type.
		st := gt
		if k == reflect.Pointer {
			st, vi.ptr = gt.Elem(), true
		}
		if st.Kind() != reflect.Struct {
			return mismatch()
		}
		if kt != "struct" && st.Name() != kt {
			return mismatch()
		}
		vi.kind, fits = kStruct, true
		vi.sub = parseType(st, building)
		if vi.ptr && !nullable {
			return vi, fmt.Errorf("a *struct field must be nullable in some versions (set nullable=)")
		}
		if !vi.ptr && nullable {
			return vi, fmt.Errorf("a nullable struct needs a *struct Go type, not %v", gt)
		}
	}
	if !fits {
		return mismatch()
	}
	return vi, nil
}

// impliedType is the Kafka type a Go type stands for when type= is omitted.
func impliedType(gt reflect.Type) string {
	for _, n := range numberKinds {
		if gt.Kind() == n.goKind {
			return n.name
		}
	}
	switch gt.Kind() {
	case reflect.String:
		return "string"
	case reflect.Slice:
		if gt.Elem().Kind() == reflect.Uint8 {
			return "bytes"
		}
	case reflect.Array:
		if gt.Len() == 16 && gt.Elem().Kind() == reflect.Uint8 {
			return "uuid"
		}
	case reflect.Struct:
		return "struct"
	case reflect.Pointer:
		switch gt.Elem().Kind() {
		case reflect.String:
			return "string"
		case reflect.Struct:
			return "struct"
		}
	}
	return ""
}

// defaultValue is a field's default. The zero defaultValue is Go's zero value.
type defaultValue struct {
	set  bool   // the default is not Go's zero value
	null bool   // the default is null (nil)
	bits uint64 // a number kind's value as it lies in memory (numberKinds)
	s    string
}

// impliedDefault is the default of a field without a default literal, as Kafka's spec
// format gives it: zero numbers, false, the empty string (also for nullable strings, so
// not nil), empty bytes, empty arrays (not nil), null records. A nullable struct
// defaults to null, as every nullable struct of Kafka's specs declares (and so a
// recursive struct type needs no infinite default).
func impliedDefault(kafkaType string, vi *valueInfo) defaultValue {
	switch vi.kind {
	case kString:
		return defaultValue{set: vi.ptr}
	case kBytes:
		if kafkaType == "records" {
			return defaultValue{null: true}
		}
		return defaultValue{set: true}
	case kArray:
		return defaultValue{set: true}
	case kStruct:
		return defaultValue{null: vi.ptr}
	}
	return defaultValue{}
}

// parseDefault reads a spec default literal for a value of the given layout.
func parseDefault(lit string, vi *valueInfo) (defaultValue, error) {
	var d defaultValue
	var err error
	if n := numberKindOf(vi.kind); n != nil {
		d.bits, err = n.parse(lit, 8*n.width)
		d.set = d.bits != 0
		return d, err
	}
	switch vi.kind {
	case kString:
		switch {
		case lit == "null" && vi.ptr:
			d.null = true
		case lit == "null":
			err = fmt.Errorf("null default for a non-nullable string")
		default:
			d.s = lit
			d.set = vi.ptr || lit != "" // a non-nil *string is not Go's zero value
		}
	case kBytes, kArray, kStruct:
		switch {
		case lit == "null" && (vi.kind != kStruct || vi.ptr):
			d.null = true
		default:
			err = fmt.Errorf("only null is allowed as a default here")
		}
	default:
		err = fmt.Errorf("no default is allowed for this type")
	}
	if err != nil {
		return d, err
	}
	return d, nil
}
