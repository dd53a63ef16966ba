package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/kio-go/kafka-protocol/kio/tags"
)

// message is a validated spec: one request, response, header or data schema.
type message struct {
	Name           string
	Kind           tags.Kind
	APIKey         int16 // -1 for headers and data schemas
	Versions       tags.Range
	Flexible       tags.Range
	HasFlexible    bool // the spec wrote flexibleVersions
	Deprecated     tags.Range
	HasDeprecated  bool
	LatestUnstable bool
	Listeners      []string
	Releases       []releaseVersions // per merged release, oldest first
	OldNames       []string          // names older releases gave the message
	OldStructs     map[string]string // struct names older releases used -> the struct's name here
	Fields         []*field
	// Structs holds every struct the message defines, in emission order: inline
	// definitions depth-first in field order, then commonStructs.
	Structs []*structDef
	byName  map[string]*structDef
}

// releaseVersions is what one release's spec of a message defines.
type releaseVersions struct {
	Release  string     // the release's name, e.g. "3.9.2"
	Versions tags.Range // its validVersions; tags.None() where the release lacks the message
	Unstable tags.Range // its latest version when marked unstable, else tags.None()
}

// structDef is one struct definition: inline (by a field with "fields") or common.
type structDef struct {
	Name           string // the spec's name
	GoName         string // the Go type name, set by the naming rules
	Owner          *message
	Fields         []*field
	Common         bool
	CommonVersions string // commonStructs' informational "versions"
	DefinedBy      *field // the field that defines it inline; nil for common structs
	DefinedIn      string // spec name of the message or struct where DefinedBy lives
	Shared         bool   // request and response share this one definition (emitted once)
}

// field is one validated field.
type field struct {
	Name        string // the spec's name
	GoName      string
	Type        string // the spec's type, e.g. "[]int32" or "MetadataRequestTopic"
	Array       bool
	Elem        string     // the element type for arrays, else Type
	Struct      *structDef // set where Elem names a struct
	Versions    tags.Range
	Nullable    tags.Range
	HasNullable bool
	Tag         int32
	Tagged      tags.Range
	Default     string
	HasDefault  bool
	Ignorable   bool
	Flexible    tags.Range
	HasFlexible bool
	EntityType  string
	MapKey      bool
	ZeroCopy    bool
	About       string
}

// primitiveTypes are Kafka's scalar types.
var primitiveTypes = map[string]bool{
	"bool": true, "int8": true, "int16": true, "int32": true, "int64": true, "uint16": true,
	"uint32": true, "float64": true, "string": true, "bytes": true, "records": true, "uuid": true,
}

// nullableTypes are the scalar types that may be null (uuid could be per the format, but
// kio.UUID has no null and no spec uses it; the generator refuses rather than guess).
var nullableTypes = map[string]bool{"string": true, "bytes": true, "records": true}

var entityKinds = map[string]bool{"string": true, "int32": true, "int64": true}

func parseRangeAttr(what, s string) (tags.Range, error) {
	r, err := tags.ParseRange(s)
	if err != nil {
		return tags.None(), fmt.Errorf("%s: %v", what, err)
	}
	return r, nil
}

// buildMessage validates a spec and resolves the structs its fields use.
func buildMessage(spec *specFile) (*message, error) {
	m := &message{Name: spec.Name, APIKey: -1, Flexible: tags.None(), Deprecated: tags.None(),
		byName: map[string]*structDef{}}
	fail := func(format string, args ...any) (*message, error) {
		return nil, fmt.Errorf("%s: %s", spec.Name, fmt.Sprintf(format, args...))
	}
	if !isExportedIdent(spec.Name) {
		return fail("name %q is not an exported Go identifier", spec.Name)
	}
	switch spec.Type {
	case "request":
		m.Kind = tags.Request
	case "response":
		m.Kind = tags.Response
	case "header":
		m.Kind = tags.Header
	case "data":
		m.Kind = tags.Data
	default:
		return fail("unknown message type %q", spec.Type)
	}
	if m.Kind == tags.Request || m.Kind == tags.Response {
		if spec.APIKey == nil || *spec.APIKey < 0 {
			return fail("a %s needs a non-negative apiKey", spec.Type)
		}
		m.APIKey = *spec.APIKey
		suffix := map[tags.Kind]string{tags.Request: "Request", tags.Response: "Response"}[m.Kind]
		if !strings.HasSuffix(spec.Name, suffix) || spec.Name == suffix {
			return fail("a %s's name must end in %s", spec.Type, suffix)
		}
	} else if spec.APIKey != nil {
		return fail("a %s has no apiKey", spec.Type)
	}
	if m.Kind != tags.Request && len(spec.Listeners) > 0 {
		return fail("only requests name listeners")
	}
	var err error
	if spec.ValidVersions == "" {
		return fail("validVersions is missing")
	}
	if m.Versions, err = parseRangeAttr("validVersions", spec.ValidVersions); err != nil {
		return fail("%v", err)
	}
	if spec.FlexibleVersions != "" {
		m.HasFlexible = true
		if m.Flexible, err = parseRangeAttr("flexibleVersions", spec.FlexibleVersions); err != nil {
			return fail("%v", err)
		}
	}
	if spec.DeprecatedVersions != "" {
		m.HasDeprecated = true
		if m.Deprecated, err = parseRangeAttr("deprecatedVersions", spec.DeprecatedVersions); err != nil {
			return fail("%v", err)
		}
	}
	if spec.LatestVersionUnstable != nil {
		m.LatestUnstable = bool(*spec.LatestVersionUnstable)
	}
	for _, l := range spec.Listeners {
		if !isIdent(l) {
			return fail("listener %q is not a plain word", l)
		}
	}
	m.Listeners = spec.Listeners
	if m.Fields, err = m.buildFields(spec.Fields, spec.Name); err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Name, err)
	}
	for _, cs := range spec.CommonStructs {
		if !isExportedIdent(cs.Name) || primitiveTypes[cs.Name] {
			return fail("common struct name %q is not an exported Go identifier", cs.Name)
		}
		if cs.Versions == "" {
			return fail("common struct %s: versions is missing", cs.Name)
		}
		if _, err := parseRangeAttr("common struct "+cs.Name+" versions", cs.Versions); err != nil {
			return fail("%v", err)
		}
		s := &structDef{Name: cs.Name, Owner: m, Common: true, CommonVersions: cs.Versions}
		if err := m.addStruct(s, func() ([]*field, error) { return m.buildFields(cs.Fields, cs.Name) }); err != nil {
			return nil, fmt.Errorf("%s: common struct %s: %w", spec.Name, cs.Name, err)
		}
	}
	if err := m.resolveStructRefs(m.Fields); err != nil {
		return fail("%v", err)
	}
	for _, s := range m.Structs {
		if err := m.resolveStructRefs(s.Fields); err != nil {
			return fail("%v", err)
		}
	}
	return m, nil
}

// addStruct records a struct definition, registering it before building its fields so
// that m.Structs lists a struct before the structs nested in it. The same name defined
// twice within one message is one type when both definitions are identical, and an error
// otherwise: no spec does that, and no renaming could keep both names verbatim.
func (m *message) addStruct(s *structDef, buildFields func() ([]*field, error)) error {
	prev, dup := m.byName[s.Name]
	if !dup {
		m.byName[s.Name] = s
		m.Structs = append(m.Structs, s)
	}
	fields, err := buildFields()
	if err != nil {
		return err
	}
	s.Fields = fields
	if dup && structSignature(prev) != structSignature(s) {
		return fmt.Errorf("struct %s is defined twice with different fields", s.Name)
	}
	return nil
}

func (m *message) buildFields(specs []specField, parent string) ([]*field, error) {
	fields := make([]*field, 0, len(specs))
	seen := map[string]bool{}
	for i := range specs {
		f, err := m.buildField(&specs[i], parent)
		if err != nil {
			return nil, err
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("field %s appears twice in %s", f.Name, parent)
		}
		seen[f.Name] = true
		fields = append(fields, f)
	}
	return fields, nil
}

func (m *message) buildField(sf *specField, parent string) (*field, error) {
	f := &field{Name: sf.Name, Type: sf.Type, Tag: -1, Tagged: tags.None(), Nullable: tags.None(),
		Flexible: tags.None(), Ignorable: bool(sf.Ignorable), EntityType: sf.EntityType, MapKey: bool(sf.MapKey),
		ZeroCopy: bool(sf.ZeroCopy), About: sf.About}
	fail := func(format string, args ...any) (*field, error) {
		return nil, fmt.Errorf("field %s.%s: %s", parent, sf.Name, fmt.Sprintf(format, args...))
	}
	if !isIdent(sf.Name) {
		return fail("name is not a Go identifier")
	}
	f.Elem, f.Array = strings.CutPrefix(sf.Type, "[]")
	isStruct := !primitiveTypes[f.Elem]
	if isStruct && !isExportedIdent(f.Elem) {
		return fail("unknown type %q", sf.Type)
	}
	var err error
	versions := sf.Versions
	if versions == "" {
		// Kafka's FieldSpec: a tagged field without versions exists in its tagged versions.
		versions = sf.TaggedVersions
	}
	if versions == "" {
		return fail("versions is missing")
	}
	if f.Versions, err = parseRangeAttr("versions", versions); err != nil {
		return fail("%v", err)
	}
	if sf.NullableVersions != "" {
		f.HasNullable = true
		if f.Nullable, err = parseRangeAttr("nullableVersions", sf.NullableVersions); err != nil {
			return fail("%v", err)
		}
		if !f.Array && !isStruct && !nullableTypes[f.Elem] {
			return fail("type %s cannot be nullable", sf.Type)
		}
	}
	if sf.FlexibleVersions != "" {
		f.HasFlexible = true
		if f.Flexible, err = parseRangeAttr("flexibleVersions", sf.FlexibleVersions); err != nil {
			return fail("%v", err)
		}
		if f.Array || (f.Elem != "string" && f.Elem != "bytes") {
			return fail("field-level flexibleVersions only applies to string and bytes fields")
		}
	}
	if len(sf.Tag) > 0 {
		if f.Tag, err = parseTag(sf.Tag); err != nil {
			return fail("%v", err)
		}
	}
	if sf.TaggedVersions != "" {
		if f.Tagged, err = parseRangeAttr("taggedVersions", sf.TaggedVersions); err != nil {
			return fail("%v", err)
		}
	}
	switch {
	case f.Tag >= 0 && f.Tagged.IsNone():
		return fail("a tag needs taggedVersions")
	case f.Tag < 0 && !f.Tagged.IsNone():
		return fail("taggedVersions needs a tag")
	}
	for v := int(f.Tagged.Lo); !f.Tagged.IsNone() && v <= int(f.Tagged.Hi) && v <= int(m.Versions.Hi); v++ {
		if m.Versions.Contains(int16(v)) && !m.Flexible.Contains(int16(v)) {
			return fail("tagged in version %d, which is not flexible", v)
		}
	}
	if len(sf.Default) > 0 {
		if f.Default, err = parseDefault(sf.Default); err != nil {
			return fail("%v", err)
		}
		f.HasDefault = true
		if err := checkDefault(f, isStruct); err != nil {
			return fail("%v", err)
		}
	}
	if sf.EntityType != "" {
		if !isIdent(sf.EntityType) {
			return fail("entityType %q is not a plain word", sf.EntityType)
		}
		if !entityKinds[f.Elem] {
			return fail("entityType %s on type %s: only string, int32 and int64 (or arrays of them) can be entities", sf.EntityType, sf.Type)
		}
	}
	if sf.ZeroCopy && f.Elem != "bytes" && f.Elem != "records" {
		return fail("zeroCopy only applies to bytes")
	}
	if len(sf.Fields) > 0 {
		if !isStruct {
			return fail("type %s cannot have fields", sf.Type)
		}
		s := &structDef{Name: f.Elem, Owner: m, DefinedBy: f, DefinedIn: parent}
		if err := m.addStruct(s, func() ([]*field, error) { return m.buildFields(sf.Fields, f.Elem) }); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// resolveStructRefs points every struct-typed field at its definition in the message.
func (m *message) resolveStructRefs(fields []*field) error {
	for _, f := range fields {
		if primitiveTypes[f.Elem] {
			continue
		}
		s, ok := m.byName[f.Elem]
		if !ok {
			return fmt.Errorf("field %s: struct %s is not defined in this message", f.Name, f.Elem)
		}
		f.Struct = s
	}
	return nil
}

// parseTag reads a tag id: Kafka's specs write it as a number or as a number in a string.
func parseTag(raw json.RawMessage) (int32, error) {
	text := string(raw)
	if strings.HasPrefix(text, `"`) {
		if err := json.Unmarshal(raw, &text); err != nil {
			return -1, fmt.Errorf("bad tag %s", raw)
		}
	}
	n, err := strconv.ParseInt(text, 10, 32)
	if err != nil || n < 0 {
		return -1, fmt.Errorf("tag %s is not a non-negative int32", raw)
	}
	return int32(n), nil
}

// parseDefault returns the spec's default literal as text: a JSON string's contents, or a
// number or boolean as written.
func parseDefault(raw json.RawMessage) (string, error) {
	switch c := raw[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("bad default %s", raw)
		}
		return s, nil
	case c == '-' || (c >= '0' && c <= '9'), string(raw) == "true", string(raw) == "false":
		return string(raw), nil
	default:
		return "", fmt.Errorf("default %s is not a string, number or boolean", raw)
	}
}

// checkDefault checks that a default literal suits the field's type, as Kafka's generator
// does: integers (decimal, 0x hex or 0 octal) in range, booleans, floats, any string, and
// null only for fields nullable in every version they exist in.
func checkDefault(f *field, isStruct bool) error {
	d := f.Default
	if d == "null" {
		if !f.HasNullable || f.Nullable.Intersect(f.Versions) != f.Versions {
			return fmt.Errorf("default null needs the field nullable in all its versions")
		}
		return nil
	}
	if f.Array || isStruct {
		return fmt.Errorf("type %s only takes the default null", f.Type)
	}
	var err error
	switch f.Elem {
	case "bool":
		if d != "true" && d != "false" {
			err = fmt.Errorf("default %q is not a boolean", d)
		}
	case "int8", "int16", "int32", "int64":
		bits := map[string]int{"int8": 8, "int16": 16, "int32": 32, "int64": 64}[f.Elem]
		_, err = strconv.ParseInt(d, 0, bits)
	case "uint16", "uint32":
		bits := map[string]int{"uint16": 16, "uint32": 32}[f.Elem]
		_, err = strconv.ParseUint(d, 0, bits)
	case "float64":
		var x float64
		x, err = strconv.ParseFloat(d, 64)
		if err == nil && (math.IsNaN(x) || math.IsInf(x, 0)) {
			err = fmt.Errorf("default %q is not finite", d)
		}
	case "string":
	default:
		err = fmt.Errorf("type %s takes no default", f.Type)
	}
	if err != nil {
		return fmt.Errorf("bad default %q for %s: %v", d, f.Type, err)
	}
	return nil
}

// structSignature describes a struct's own fields (nested structs by name only), for
// telling identical definitions from different ones. Documentation (about) is left out:
// two definitions that differ only in their text are one type.
func structSignature(s *structDef) string {
	var b strings.Builder
	for _, f := range s.Fields {
		fmt.Fprintf(&b, "%s|%s|%s|%v|%v|%d|%v|%q|%v|%v|%v|%v|%s|%v|%v\n", f.Name, f.Type,
			f.Versions, f.Nullable, f.HasNullable, f.Tag, f.Tagged, f.Default, f.HasDefault,
			f.Ignorable, f.Flexible, f.HasFlexible, f.EntityType, f.MapKey, f.ZeroCopy)
	}
	return b.String()
}
