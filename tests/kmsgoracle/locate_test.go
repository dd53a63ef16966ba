package kmsgoracle

import (
	"sync"

	"bytes"
	"errors"
	"fmt"
	"github.com/kio-go/kafka-protocol/kio/tags"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// Helpers of the kmsg oracle (oracle_kmsg_test.go): naming where kio and kmsg differ,
// and building default-valued messages on both sides.

// sameBytes is firstDifferingField's answer for equal byte strings.
const sameBytes = "(same bytes)"

var (
	indexPattern = regexp.MustCompile(`\[\d+\]`)
	rawTagsType  = reflect.TypeFor[kio.RawTags]()
	kmsgTagsType = reflect.TypeFor[kmsg.Tags]()
)

// errorField returns the field path of a kio codec error, with indices written as [].
func errorField(err error) string {
	var se *serial.Error
	switch {
	case !errors.As(err, &se):
		return "(" + err.Error() + ")"
	case errors.Is(err, serial.ErrTrailing):
		return "(trailing bytes)"
	case se.Path == "":
		return "(top level: " + se.Err.Error() + ")"
	}
	return indexPattern.ReplaceAllString(se.Path, "[]")
}

// firstDifferingField names the kio field where want and got, two encodings of typ at
// version, differ; kio must be able to decode want. When kio decodes got too, it is the
// first field (in spec order) whose decoded values differ, unknown tags named by id.
// Otherwise it is the field holding the first differing byte: decoding want cut at that
// byte fails inside that field. When got only adds bytes, it is "(trailing bytes)".
func firstDifferingField(typ reflect.Type, version int16, want, got []byte) string {
	a, b := reflect.New(typ), reflect.New(typ)
	if serial.Unmarshal(want, a.Interface(), version) == nil && serial.Unmarshal(got, b.Interface(), version) == nil {
		if field, differ := firstDifferentValue(a.Elem(), b.Elem(), ""); differ {
			return field
		}
	}
	n := 0
	for n < len(want) && n < len(got) && want[n] == got[n] {
		n++
	}
	switch {
	case n == len(want) && n == len(got):
		return sameBytes
	case n == len(want):
		return "(trailing bytes)"
	}
	if err := serial.Unmarshal(want[:n], reflect.New(typ).Interface(), version); err != nil {
		return errorField(err)
	}
	return fmt.Sprintf("(byte %d)", n)
}

// firstDifferentValue returns the path of the first field, in field order, where the
// kio values a and b differ, indices written as [] and unknown tags as
// "UnknownTags(tag 0)". Null and empty differ, as they do on the wire.
func firstDifferentValue(a, b reflect.Value, path string) (string, bool) {
	switch {
	case a.Type() == rawTagsType:
		return differentTags(a.Interface().(kio.RawTags), b.Interface().(kio.RawTags), path)
	case a.Kind() == reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			f := a.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if field, differ := firstDifferentValue(a.Field(i), b.Field(i), joinPath(path, f.Name)); differ {
				return field, true
			}
		}
		return "", false
	case a.Kind() == reflect.Pointer && a.Type().Elem().Kind() == reflect.Struct:
		if a.IsNil() || b.IsNil() {
			return path, a.IsNil() != b.IsNil()
		}
		return firstDifferentValue(a.Elem(), b.Elem(), path)
	case a.Kind() == reflect.Slice && a.Type().Elem().Kind() == reflect.Struct:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return path, true
		}
		for i := 0; i < a.Len(); i++ {
			if field, differ := firstDifferentValue(a.Index(i), b.Index(i), path+"[]"); differ {
				return field, true
			}
		}
		return "", false
	case a.Kind() == reflect.Slice || a.Kind() == reflect.Pointer:
		if a.IsNil() != b.IsNil() {
			return path, true
		}
		if a.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0 {
			return "", false
		}
	}
	return path, !reflect.DeepEqual(a.Interface(), b.Interface())
}

// differentTags names the unknown tags whose payloads differ between a and b.
func differentTags(a, b kio.RawTags, path string) (string, bool) {
	ids := maps.Collect(maps.All(a))
	maps.Copy(ids, b)
	var differing []string
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		da, ina := a[id]
		db, inb := b[id]
		if ina != inb || !bytes.Equal(da, db) {
			differing = append(differing, fmt.Sprint(id))
		}
	}
	if len(differing) == 0 {
		return "", false
	}
	return path + "(tag " + strings.Join(differing, ",") + ")", true
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// failingElement names the part of a message that makes a decoder fail: root points to
// the message (a kio or kmsg struct), and fails reports whether the decoder still fails
// on root's current content. It cuts root's arrays of structs down (to none, else one
// element) and its struct pointers to nil wherever the failure persists, then returns
// the deepest array element or pointed-to struct left, like "Results[].Partitions[]":
// the element whose layout the decoder reads differently. "(top level)" means the
// failure needs no element at all. Cuts copy what they change, so the value root was
// made from is left alone.
func failingElement(root reflect.Value, fails func() bool) string {
	var cut func(v reflect.Value)
	cut = func(v reflect.Value) {
		switch {
		case v.Kind() == reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() && v.Type().Field(i).Type != kmsgTagsType {
					cut(v.Field(i))
				}
			}
		case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Struct:
			if v.IsNil() {
				return
			}
			was := v.Elem()
			v.Set(reflect.Zero(v.Type()))
			if fails() {
				return
			}
			p := reflect.New(was.Type())
			p.Elem().Set(was)
			v.Set(p)
			cut(p.Elem())
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct && v.Type() != rawTagsType:
			if v.Len() == 0 {
				return
			}
			was := v.Slice(0, v.Len())
			for _, n := range []int{0, 1} {
				if n < was.Len() {
					v.Set(was.Slice(0, n))
					if fails() {
						break
					}
					v.Set(was)
				}
			}
			elems := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(elems, v)
			v.Set(elems)
			for i := 0; i < v.Len(); i++ {
				cut(v.Index(i))
			}
		}
	}
	saved := reflect.New(root.Elem().Type()).Elem()
	saved.Set(root.Elem())
	cut(root.Elem())

	deepest, best := "", 0
	var walk func(v reflect.Value, path string, depth int)
	walk = func(v reflect.Value, path string, depth int) {
		switch {
		case v.Kind() == reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if f := v.Type().Field(i); f.IsExported() && f.Type != rawTagsType && f.Type != kmsgTagsType {
					walk(v.Field(i), joinPath(path, f.Name), depth)
				}
			}
		case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Struct && !v.IsNil():
			if depth+1 > best || (depth+1 == best && path < deepest) {
				best, deepest = depth+1, path
			}
			walk(v.Elem(), path, depth+1)
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
			for i := 0; i < v.Len(); i++ {
				if depth+1 > best || (depth+1 == best && path+"[]" < deepest) {
					best, deepest = depth+1, path+"[]"
				}
				walk(v.Index(i), path+"[]", depth+1)
			}
		}
	}
	walk(root.Elem(), "", 0)
	root.Elem().Set(saved)
	if deepest == "" {
		return "(top level)"
	}
	return deepest
}

// fillKmsgDefaults gives every array of structs in the kmsg struct v one element and
// every nil struct pointer a struct, each set by kmsg's Default() and filled likewise,
// down to a depth deeper than any Kafka message.
func fillKmsgDefaults(v reflect.Value, depth int) {
	if depth > 8 {
		return
	}
	newDefault := func(t reflect.Type) reflect.Value {
		p := reflect.New(t)
		if d, ok := p.Interface().(interface{ Default() }); ok {
			d.Default()
		}
		fillKmsgDefaults(p.Elem(), depth+1)
		return p
	}
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if !v.Type().Field(i).IsExported() {
			continue
		}
		switch {
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
			f.Set(reflect.Append(reflect.MakeSlice(f.Type(), 0, 1), newDefault(f.Type().Elem()).Elem()))
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct:
			f.Set(newDefault(f.Type().Elem()))
		case f.Kind() == reflect.Struct && f.Type() != kmsgTagsType:
			fillKmsgDefaults(f, depth+1)
		}
	}
}

// kmsgNullDefaults holds the fields (type.Field) where kmsg's Default() is null and the
// spec's implied default is empty: the one systematic difference between the two.
var kmsgNullDefaults sync.Map

// kioDefaultsShapedLike returns an addressable value of x's type holding kio's spec
// defaults (serial.SetDefaults) but shaped like x: arrays of structs as long as x's,
// struct pointers non-nil where x's are, each element holding its own defaults likewise.
func kioDefaultsShapedLike(x reflect.Value) (reflect.Value, error) {
	d := reflect.New(x.Type())
	if err := serial.SetDefaults(d.Interface()); err != nil {
		return reflect.Value{}, err
	}
	for i := 0; i < x.NumField(); i++ {
		f := x.Field(i)
		sf := x.Type().Field(i)
		if !sf.IsExported() {
			continue
		}
		// kmsg's Default() leaves a nullable field without a default literal null,
		// where Kafka's spec format implies empty ("Strings default to the empty
		// string", "Array fields default to empty", SCHEMA-FORMAT.md). That one rule
		// is followed here, each field it touches counted in kmsgNullDefaults.
		if ft, err := tags.ParseField(sf.Tag.Get("kafka")); err == nil && !ft.Nullable.IsNone() && !ft.HasDefault &&
			(f.Kind() == reflect.Slice || f.Kind() == reflect.Pointer) && f.IsNil() && !d.Elem().Field(i).IsNil() {
			d.Elem().Field(i).SetZero()
			kmsgNullDefaults.Store(x.Type().String()+"."+sf.Name, true)
			continue
		}
		switch {
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct && f.Type() != rawTagsType:
			if f.IsNil() {
				continue
			}
			out := reflect.MakeSlice(f.Type(), f.Len(), f.Len())
			for j := 0; j < f.Len(); j++ {
				e, err := kioDefaultsShapedLike(f.Index(j))
				if err != nil {
					return reflect.Value{}, err
				}
				out.Index(j).Set(e)
			}
			d.Elem().Field(i).Set(out)
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct:
			if f.IsNil() {
				continue
			}
			e, err := kioDefaultsShapedLike(f.Elem())
			if err != nil {
				return reflect.Value{}, err
			}
			d.Elem().Field(i).Set(e.Addr())
		case f.Kind() == reflect.Struct:
			e, err := kioDefaultsShapedLike(f)
			if err != nil {
				return reflect.Value{}, err
			}
			d.Elem().Field(i).Set(e)
		}
	}
	return d.Elem(), nil
}
