package gen

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/kio-go/kafka-protocol/kio/tags"
)

// defaultMaker returns a function building the default value of a field of Go type t
// with tag f: its `default=` literal, else the default Kafka's spec format implies (a
// struct whose fields hold their own defaults; the empty string, also for a nullable
// string; empty bytes and arrays; null records and nullable structs; zero numbers). This is what a decoder leaves in a field the version does not carry,
// and what a tagged field holds when it is not on the wire.
func defaultMaker(t reflect.Type, f tags.Field) (func() reflect.Value, error) {
	if !f.HasDefault {
		switch {
		case t.Kind() == reflect.Struct:
			return structDefaultMaker(t)
		case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.String:
			return func() reflect.Value { return reflect.New(t.Elem()) }, nil
		case t.Kind() == reflect.Slice && f.Type != "records":
			return func() reflect.Value { return reflect.MakeSlice(t, 0, 0) }, nil
		}
		return func() reflect.Value { return reflect.Zero(t) }, nil
	}
	lit := f.Default
	if lit == "null" {
		if !nilable(t) {
			return nil, fmt.Errorf("default null for %v, which cannot be nil", t)
		}
		return func() reflect.Value { return reflect.Zero(t) }, nil
	}
	base := t
	if t.Kind() == reflect.Pointer {
		base = t.Elem()
	}
	v := reflect.New(base).Elem()
	bad := func() (func() reflect.Value, error) {
		return nil, fmt.Errorf("default %q does not fit %v", lit, t)
	}
	switch base.Kind() {
	case reflect.Bool:
		switch lit {
		case "true":
			v.SetBool(true)
		case "false":
		default:
			return bad()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(lit, 0, base.Bits())
		if err != nil && strings.HasPrefix(lit, "0x") {
			// Hex literals may spell a negative value as its unsigned bits (0xffffffff).
			var u uint64
			if u, err = strconv.ParseUint(lit, 0, base.Bits()); err == nil {
				n = int64(u) << (64 - base.Bits()) >> (64 - base.Bits())
			}
		}
		if err != nil {
			return bad()
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(lit, 0, base.Bits())
		if err != nil {
			return bad()
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		x, err := strconv.ParseFloat(lit, base.Bits())
		if err != nil {
			return bad()
		}
		v.SetFloat(x)
	case reflect.String:
		v.SetString(lit)
	case reflect.Array:
		// A uuid literal is written as Kafka prints it: URL-safe base64 without padding.
		b, err := base64.RawURLEncoding.DecodeString(lit)
		if err != nil || base.Len() != len(b) || base.Elem().Kind() != reflect.Uint8 {
			return bad()
		}
		reflect.Copy(v, reflect.ValueOf(b))
	default:
		return bad()
	}
	if t.Kind() == reflect.Pointer {
		return func() reflect.Value {
			p := reflect.New(base)
			p.Elem().Set(v)
			return p
		}, nil
	}
	return func() reflect.Value { return v }, nil
}

// structDefaultMaker returns a function building a struct of type t whose every field
// holds its default, recursively into nested struct values.
func structDefaultMaker(t reflect.Type) (func() reflect.Value, error) {
	type fieldDefault struct {
		index int
		make  func() reflect.Value
	}
	var fields []fieldDefault
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Name == "_" || !sf.IsExported() {
			continue
		}
		ft, err := tags.ParseField(sf.Tag.Get("kafka"))
		if err != nil {
			return nil, fmt.Errorf("%v.%s: %w", t, sf.Name, err)
		}
		if ft.Skip || ft.UnknownTags {
			continue
		}
		mk, err := defaultMaker(sf.Type, ft)
		if err != nil {
			return nil, fmt.Errorf("%v.%s: %w", t, sf.Name, err)
		}
		fields = append(fields, fieldDefault{i, mk})
	}
	return func() reflect.Value {
		v := reflect.New(t).Elem()
		for _, f := range fields {
			if d := f.make(); !d.IsZero() {
				v.Field(f.index).Set(d)
			}
		}
		return v
	}, nil
}
