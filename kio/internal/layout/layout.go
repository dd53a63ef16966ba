// Package layout is the one description of how a kafka-tagged Go struct lies on the
// wire, read from its `kafka:"..."` tags (kio/tags) once per type and cached, as
// encoding/json v2's fields.go does for JSON. kio/serial compiles its encode and decode
// plans from it, kio/kiotest generates and shrinks values from it, and the JSON form
// and the proxy read it: none of them parses tags or decides a wire kind again.
//
// Two levels:
//
//   - Of(t) returns the *Type of a struct type: its marker facts (tags.Message:
//     request/response/header/data, apiKey, versions, flexible versions) and its
//     encodable fields in declaration order (which is wire order), each a *Field with
//     its Go index, offset and type, its spec name and JSON name, its wire Kind (and for
//     arrays and structs the element's or struct's layout), its parsed tag (versions,
//     nullable versions, tag id and tagged versions, ignorable, field-level flexible
//     versions) and its parsed Default. The unknownTags field is noted apart.
//   - (*Type).At(version, flexible) returns the *Version of the struct at one version
//     and flexibility (a nested struct's flexibility is its message's): the fields
//     present and untagged in wire order, the tagged ones by ascending tag id, and the
//     absent ones, each present one a Member saying whether it is nullable, tagged and
//     compact at that version, down through array elements and nested structs.
//
// A type the codec cannot handle has a non-nil Err (*Error naming struct, field and
// reason), at Of for tag and Go-type mistakes, at At for mistakes of one version (a
// field tagged at a version that is not flexible). Both results are immutable once
// returned and safe for concurrent use.
//
// The package also holds the memory side of defaults (SetDefaults, IsDefault,
// IsEmpty), which read a value through its Field's offset: what a field's default is
// and whether a value equals it are layout facts every user needs alike.
package layout

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// Type is a struct type's layout, version-independent.
type Type struct {
	Go   reflect.Type
	Size uintptr // Go.Size()
	// WordAligned: Go's alignment allows reading the struct as 8-byte words.
	WordAligned bool
	// Message is the marker's facts; without a marker, versions 0+, never flexible,
	// APIKey -1 and Kind tags.Plain.
	Message   tags.Message
	HasMarker bool
	// Fields are the encodable fields in declaration (wire) order: not the marker, not
	// `kafka:"-"`, not unexported, not the unknownTags field.
	Fields []Field
	// UnknownTags is the Go field index of the `kafka:"unknownTags"` field (a
	// kio.RawTags), -1 without one; UnknownOffset is its offset.
	UnknownTags   int
	UnknownOffset uintptr
	// MaxTag is the highest tagged-field id any field uses at any version, -1 for none.
	MaxTag int32
	// Err is the first mistake found in the type or in a struct it holds, nil if none.
	Err *Error

	versions VersionCache[Version]
}

// HasUnknownTags reports whether the struct keeps unknown tagged fields.
func (t *Type) HasUnknownTags() bool { return t.UnknownTags >= 0 }

// Value is the layout of one Go value, a struct field or an array element.
type Value struct {
	Kind Kind
	// KafkaType is the spec type: "int32", "string", "bytes", "records", "uuid",
	// "[]T" or a struct name, implied by the Go type where the tag omits it.
	KafkaType string
	GoType    reflect.Type
	Ptr       bool   // *string or *struct
	Records   bool   // Bytes declared type=records (record batches)
	Elem      *Value // Array: the element
	Struct    *Type  // Struct: the struct (the pointee where Ptr)
}

// Field is one encodable struct field, version-independent.
type Field struct {
	Value
	Index  int     // index in the Go struct (reflect.Type.Field)
	Offset uintptr // byte offset in the Go struct
	// Name is the Go field name, which is the spec's field name (the generator keeps
	// it). JSONName is the name Kafka's JsonConverter writes: Name with a lower-case
	// first letter ("ThrottleTimeMs" -> "throttleTimeMs").
	Name     string
	JSONName string
	// Tag is the parsed tag: Versions, Nullable, Tag and Tagged, Ignorable,
	// Flexible/HasFlexible, Default/HasDefault as written.
	Tag tags.Field
	// Default is the field's default, parsed for its kind.
	Default Default
	// NullableSomewhere: nullable in some version (nil and empty then differ).
	NullableSomewhere bool
}

// IsTaggedAt reports whether the field is a tagged field at version (of a flexible
// message).
func (f *Field) IsTaggedAt(version int16) bool {
	return f.Tag.IsTagged() && f.Tag.Tagged.Contains(version)
}

// Error is a struct type that cannot be laid out: which struct, which field, and why.
type Error struct {
	Struct reflect.Type
	Field  string // "" for the struct as a whole
	Reason string
}

// Error names the struct, the field and the reason.
func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%v: %s", e.Struct, e.Reason)
	}
	return fmt.Sprintf("%v.%s: %s", e.Struct, e.Field, e.Reason)
}

// JSONName returns the JSON name Kafka's generated JsonConverter classes give a spec
// field name: its first letter in lower case.
func JSONName(specName string) string {
	r, n := utf8.DecodeRuneInString(specName)
	if n == 0 || unicode.IsLower(r) {
		return specName
	}
	return string(unicode.ToLower(r)) + specName[n:]
}

var types sync.Map // reflect.Type -> *Type

var rawTagsType = reflect.TypeFor[kio.RawTags]()

// Of returns the layout of struct type t, parsing it (and the structs it holds) on
// first use. t must be a struct type; Of panics otherwise, as reflect does.
func Of(t reflect.Type) *Type {
	if lt, ok := types.Load(t); ok {
		return lt.(*Type)
	}
	if t.Kind() != reflect.Struct {
		panic("layout.Of: " + t.String() + " is not a struct type")
	}
	building := map[reflect.Type]*Type{}
	parseType(t, building)
	// A nested struct's mistake is its holder's too; recursion means a holder may be
	// finished after the structs that hold it, so propagate until nothing changes.
	for changed := true; changed; {
		changed = false
		for _, bt := range building {
			if bt.Err != nil {
				continue
			}
			for i := range bt.Fields {
				if s := bt.Fields[i].innerStruct(); s != nil && s.Err != nil {
					bt.Err, changed = s.Err, true
					break
				}
			}
		}
	}
	// Publish every type parsed on the way; a concurrent parse of the same type may
	// win, which is harmless: both parses are identical, and callers only ever see
	// the published one.
	for bt, bl := range building {
		types.LoadOrStore(bt, bl)
	}
	actual, _ := types.Load(t)
	return actual.(*Type)
}

// innerStruct is the struct a field holds, directly or as array elements, or nil.
func (v *Value) innerStruct() *Type {
	for v.Kind == Array {
		v = v.Elem
	}
	return v.Struct
}

func parseType(t reflect.Type, building map[reflect.Type]*Type) *Type {
	if lt, ok := types.Load(t); ok {
		return lt.(*Type)
	}
	if lt, ok := building[t]; ok {
		return lt // a recursive type: the outer call finishes it
	}
	lt := &Type{Go: t, Size: t.Size(), WordAligned: t.Align() >= 8, UnknownTags: -1, MaxTag: -1,
		Message: tags.Message{APIKey: -1, Versions: tags.All(), Flexible: tags.None(), Deprecated: tags.None()}}
	building[t] = lt
	fail := func(field, format string, args ...any) *Type {
		if lt.Err == nil {
			lt.Err = &Error{Struct: t, Field: field, Reason: fmt.Sprintf(format, args...)}
		}
		return lt
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
				lt.Message, lt.HasMarker = m, true
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
			if lt.UnknownTags >= 0 {
				return fail(sf.Name, "a second unknownTags field")
			}
			lt.UnknownTags, lt.UnknownOffset = i, sf.Offset
			continue
		}
		v, err := resolveValue(ft.Type, sf.Type, !ft.Nullable.IsNone(), building)
		if err != nil {
			return fail(sf.Name, "%v", err)
		}
		if s := v.innerStruct(); s != nil && s.Err != nil {
			// The nested struct's own error names the struct and field at fault.
			lt.Err = s.Err
			return lt
		}
		f := Field{Value: v, Index: i, Offset: sf.Offset, Name: sf.Name, JSONName: JSONName(sf.Name),
			Tag: ft, NullableSomewhere: !ft.Nullable.IsNone()}
		if ft.HasDefault {
			d, err := parseDefault(ft.Default, &v)
			if err != nil {
				return fail(sf.Name, "default %q: %v", ft.Default, err)
			}
			f.Default = d
		} else {
			f.Default = impliedDefault(&v)
		}
		if ft.HasFlexible && v.Kind != String && v.Kind != Bytes && v.Kind != Array {
			return fail(sf.Name, "field-level flexible versions apply only to strings, bytes and arrays")
		}
		if ft.IsTagged() {
			lt.MaxTag = max(lt.MaxTag, ft.Tag)
		}
		lt.Fields = append(lt.Fields, f)
	}
	for i := range lt.Fields {
		for j := range i {
			a, b := &lt.Fields[i].Tag, &lt.Fields[j].Tag
			if a.IsTagged() && a.Tag == b.Tag && !a.Tagged.Intersect(b.Tagged).IsNone() {
				return fail(lt.Fields[i].Name, "tag %d also used by %s", a.Tag, lt.Fields[j].Name)
			}
		}
	}
	return lt
}

// resolveValue maps a Kafka type (empty: implied by the Go type) onto Go type gt.
func resolveValue(kt string, gt reflect.Type, nullable bool, building map[reflect.Type]*Type) (Value, error) {
	v := Value{GoType: gt}
	mismatch := func() (Value, error) {
		if kt == "" {
			return v, fmt.Errorf("no wire type is implied by Go type %v; set type=", gt)
		}
		return v, fmt.Errorf("type %s does not fit Go type %v", kt, gt)
	}
	if elem, ok := strings.CutPrefix(kt, "[]"); ok || (kt == "" && gt.Kind() == reflect.Slice && gt.Elem().Kind() != reflect.Uint8) {
		if gt.Kind() != reflect.Slice {
			return mismatch()
		}
		ev, err := resolveValue(elem, gt.Elem(), false, building)
		if err != nil {
			return v, fmt.Errorf("array element: %v", err)
		}
		if ev.Ptr {
			return v, fmt.Errorf("array elements cannot be pointers (%v)", gt.Elem())
		}
		v.Kind, v.Elem, v.KafkaType = Array, &ev, "[]"+ev.KafkaType
		return v, nil
	}
	if kt == "" {
		kt = impliedType(gt)
		if kt == "" {
			return mismatch()
		}
	}
	v.KafkaType = kt
	k := gt.Kind()
	for i := range numbers {
		if n := &numbers[i]; kt == n.Name {
			v.Kind = n.Kind
			if k != n.GoKind {
				return mismatch()
			}
			return v, nil
		}
	}
	fits := false
	switch kt {
	case "uuid":
		v.Kind, fits = UUID, k == reflect.Array && gt.Len() == 16 && gt.Elem().Kind() == reflect.Uint8
	case "string":
		v.Kind = String
		fits = k == reflect.String || (k == reflect.Pointer && gt.Elem().Kind() == reflect.String)
		v.Ptr = k == reflect.Pointer
		if fits && nullable && !v.Ptr {
			return v, fmt.Errorf("a nullable string needs a *string Go type, not %v", gt)
		}
	case "bytes", "records":
		v.Kind, v.Records = Bytes, kt == "records"
		fits = k == reflect.Slice && gt.Elem().Kind() == reflect.Uint8
	default:
		// A struct name: the Go struct (or pointer to it, for nullable structs) must
		// carry that name, so a tag cannot silently describe a different type.
		st := gt
		if k == reflect.Pointer {
			st, v.Ptr = gt.Elem(), true
		}
		if st.Kind() != reflect.Struct {
			return mismatch()
		}
		if kt != "struct" && st.Name() != kt {
			return mismatch()
		}
		if kt == "struct" {
			v.KafkaType = st.Name()
		}
		v.Kind, fits = Struct, true
		v.Struct = parseType(st, building)
		if v.Ptr && !nullable {
			return v, fmt.Errorf("a *struct field must be nullable in some versions (set nullable=)")
		}
		if !v.Ptr && nullable {
			return v, fmt.Errorf("a nullable struct needs a *struct Go type, not %v", gt)
		}
	}
	if !fits {
		return mismatch()
	}
	return v, nil
}

// impliedType is the Kafka type a Go type stands for when type= is omitted.
func impliedType(gt reflect.Type) string {
	for i := range numbers {
		if gt.Kind() == numbers[i].GoKind {
			return numbers[i].Name
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
