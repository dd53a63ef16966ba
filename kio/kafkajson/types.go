package kafkajson

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// This file describes a struct type once, from its kafka tags, the way kio/serial
// reads them (serial.Check validates the type first, so both agree on what a tag
// means): its fields in declaration order, each with its JSON name, the Kafka kind of
// its value and a default instance of the type to compare tagged fields against.

// kind is the Kafka type of a value, as the converters distinguish them.
type kind uint8

const (
	kBool kind = iota + 1
	kInt8
	kInt16
	kInt32
	kInt64
	kUint16
	kUint32
	kFloat64
	kUUID
	kString
	kBytes
	kRecords
	kArray
	kStruct
)

var kindNames = map[string]kind{
	"bool": kBool, "int8": kInt8, "int16": kInt16, "int32": kInt32, "int64": kInt64,
	"uint16": kUint16, "uint32": kUint32, "float64": kFloat64, "uuid": kUUID,
	"string": kString, "bytes": kBytes, "records": kRecords,
}

// value is the layout of one Go value: a field or an array element.
type value struct {
	kind   kind
	goType reflect.Type
	ptr    bool        // *string or *struct
	elem   *value      // kArray
	sub    *structType // kStruct (the pointee for *struct)
}

// field is one field of a struct type, version-independent.
type field struct {
	value
	index    int    // reflect field index
	goName   string // for messages about the Go type
	jsonName string // the converters' name: the spec name, first letter lower-cased
	tag      tags.Field
}

// structType is a struct type described once.
type structType struct {
	typ       reflect.Type
	marker    tags.Message
	hasMarker bool
	fields    []field
	byName    map[string]int // JSON name -> index in fields
	unknown   int            // reflect index of the kio.RawTags field, or -1
	// def is a value of typ holding every spec default (serial.SetDefaults), the
	// reference for "a tagged field equal to its default is not written".
	def reflect.Value
}

var (
	structTypes sync.Map // reflect.Type -> *structType
	rawTagsType = reflect.TypeFor[kio.RawTags]()
)

// typeOf returns the description of struct type t, building it on first use. A type
// kio/serial refuses is refused with its error.
func typeOf(t reflect.Type) (*structType, error) {
	if st, ok := structTypes.Load(t); ok {
		return st.(*structType), nil
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: %v is not a struct", ErrSchema, t)
	}
	if err := serial.Check(t); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSchema, err)
	}
	building := map[reflect.Type]*structType{}
	if _, err := describe(t, building); err != nil {
		return nil, err
	}
	for bt, b := range building {
		structTypes.LoadOrStore(bt, b)
	}
	actual, _ := structTypes.Load(t)
	return actual.(*structType), nil
}

func describe(t reflect.Type, building map[reflect.Type]*structType) (*structType, error) {
	if st, ok := structTypes.Load(t); ok {
		return st.(*structType), nil
	}
	if st, ok := building[t]; ok {
		return st, nil // recursive: finished by the outer call
	}
	st := &structType{typ: t, unknown: -1, byName: map[string]int{}}
	building[t] = st
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		raw, hasTag := sf.Tag.Lookup("kafka")
		if sf.Name == "_" {
			if i == 0 && hasTag {
				m, err := tags.ParseMessage(raw)
				if err != nil {
					return nil, fmt.Errorf("%w: %v: %v", ErrSchema, t, err)
				}
				st.marker, st.hasMarker = m, true
			}
			continue
		}
		if !sf.IsExported() {
			continue
		}
		ft, err := tags.ParseField(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %v.%s: %v", ErrSchema, t, sf.Name, err)
		}
		if ft.Skip {
			continue
		}
		if ft.UnknownTags {
			st.unknown = i
			continue
		}
		v, err := resolve(ft.Type, sf.Type, building)
		if err != nil {
			return nil, fmt.Errorf("%w: %v.%s: %v", ErrSchema, t, sf.Name, err)
		}
		f := field{value: v, index: i, goName: sf.Name, jsonName: lowerFirst(sf.Name), tag: ft}
		st.byName[f.jsonName] = len(st.fields)
		st.fields = append(st.fields, f)
	}
	def := reflect.New(t)
	if err := serial.SetDefaults(def.Interface()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSchema, err)
	}
	st.def = def.Elem()
	return st, nil
}

// resolve maps a Kafka type (empty where the Go type implies it) onto Go type gt, as
// kio/serial does; serial.Check has accepted the pair already.
func resolve(kt string, gt reflect.Type, building map[reflect.Type]*structType) (value, error) {
	v := value{goType: gt}
	if elem, ok := strings.CutPrefix(kt, "[]"); ok || (kt == "" && gt.Kind() == reflect.Slice && gt.Elem().Kind() != reflect.Uint8) {
		ev, err := resolve(elem, gt.Elem(), building)
		if err != nil {
			return v, err
		}
		v.kind, v.elem = kArray, &ev
		return v, nil
	}
	if kt == "" {
		kt = implied(gt)
	}
	if k, ok := kindNames[kt]; ok {
		v.kind = k
		v.ptr = gt.Kind() == reflect.Pointer
		return v, nil
	}
	st := gt
	if gt.Kind() == reflect.Pointer {
		st, v.ptr = gt.Elem(), true
	}
	if st.Kind() != reflect.Struct {
		return v, fmt.Errorf("type %q does not fit Go type %v", kt, gt)
	}
	sub, err := describe(st, building)
	if err != nil {
		return v, err
	}
	v.kind, v.sub = kStruct, sub
	return v, nil
}

// implied is the Kafka type a Go type stands for without type=.
func implied(gt reflect.Type) string {
	switch gt.Kind() {
	case reflect.Bool:
		return "bool"
	case reflect.Int8:
		return "int8"
	case reflect.Int16:
		return "int16"
	case reflect.Int32:
		return "int32"
	case reflect.Int64:
		return "int64"
	case reflect.Uint16:
		return "uint16"
	case reflect.Uint32:
		return "uint32"
	case reflect.Float64:
		return "float64"
	case reflect.String:
		return "string"
	case reflect.Slice:
		if gt.Elem().Kind() == reflect.Uint8 {
			return "bytes"
		}
	case reflect.Array:
		return "uuid"
	case reflect.Pointer:
		if gt.Elem().Kind() == reflect.String {
			return "string"
		}
	}
	return "struct"
}

// lowerFirst is the converters' camelCaseName: the spec name with its first letter
// lower-cased. A generated Go field name is the spec name with its first letter
// upper-cased, so this gives the spec's spelling back.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// versionOK reports whether the struct, a top-level message, has version v.
func (st *structType) versionOK(v int16) bool {
	return !st.hasMarker || st.marker.Versions.Contains(v)
}
