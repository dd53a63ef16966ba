package kiotest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"reflect"

	"github.com/google/go-cmp/cmp"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/kio-go/kafka-protocol/kio/serial"
)

// cmpOptions compare decoded values. The marker field `_ struct{}` is unexported;
// exporting every type to cmp is safe because kafka-tagged structs hold nothing else
// unexported, and it keeps nested markers compared rather than silently skipped.
var cmpOptions = cmp.Options{cmp.Exporter(func(reflect.Type) bool { return true })}

// RoundTrip checks that v, a struct or a pointer to one, survives the codec at
// version: it encodes v with serial.Marshal, decodes the bytes into a fresh value,
// requires it to equal v (the error holds a go-cmp diff and the bytes), encodes it
// again and requires the same bytes. Any codec error is returned wrapped, so
// errors.Is(err, serial.ErrNull) and the like hold: a value that cannot be written at
// version fails. The comparison is exact: a nil non-nullable slice, which encodes as
// empty and decodes as empty, differs, as does NaN, which never equals itself.
func RoundTrip(v any, version int16) error {
	if v == nil {
		return fmt.Errorf("kiotest: RoundTrip of nil")
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return fmt.Errorf("kiotest: RoundTrip of a nil %v", rv.Type())
		}
		rv = rv.Elem()
	}
	first, err := serial.Marshal(v, version)
	if err != nil {
		return fmt.Errorf("kiotest: round trip: %w", err)
	}
	// Marshal sizes its buffer by a pass over the value before encoding: a size that
	// differs from what the encoder writes shows as spare or grown capacity.
	if cap(first) != len(first) {
		return fmt.Errorf("kiotest: round trip: Marshal sized its buffer %d bytes for the %d it wrote", cap(first), len(first))
	}
	out := reflect.New(rv.Type())
	if err := serial.Unmarshal(first, out.Interface(), version); err != nil {
		return fmt.Errorf("kiotest: round trip: decoding what was encoded: %w\nbytes: %s", err, hex.EncodeToString(first))
	}
	// reflect.DeepEqual is as strict as cmp here (nil and empty slices differ, floats
	// compare with ==) and many times faster on long byte slices, so cmp is asked only
	// for the diff; either one finding a difference fails.
	if !reflect.DeepEqual(rv.Interface(), out.Elem().Interface()) {
		diff := cmp.Diff(rv.Interface(), out.Elem().Interface(), cmpOptions)
		if diff == "" {
			diff = "(cmp finds none; reflect.DeepEqual does)"
		}
		return fmt.Errorf("kiotest: round trip: %v v%d: decoded value differs (-original +decoded):\n%s\nbytes: %s",
			rv.Type(), version, diff, hex.EncodeToString(first))
	}
	second, err := serial.Marshal(out.Interface(), version)
	if err != nil {
		return fmt.Errorf("kiotest: round trip: encoding the decoded value: %w", err)
	}
	if !bytes.Equal(first, second) {
		return fmt.Errorf("kiotest: round trip: %v v%d: re-encoding differs:\nfirst:  %s\nsecond: %s",
			rv.Type(), version, hex.EncodeToString(first), hex.EncodeToString(second))
	}
	return nil
}

// RoundTripProp is the round-trip property over Gen[T](version, opts...): every
// generated value must pass RoundTrip at version. A failure is labelled with
// RoundTrip's error and reported with the shrunk value. Where T cannot be generated
// at version, the property fails with NewGen's error (the codec's).
func RoundTripProp[T any](version int16, opts ...Option) gopter.Prop {
	return RoundTripPropOf(reflect.TypeFor[T](), version, opts...)
}

// RoundTripPropOf is RoundTripProp for a type known at run time.
func RoundTripPropOf(t reflect.Type, version int16, opts ...Option) gopter.Prop {
	g, err := NewGen(t, version, opts...)
	if err != nil {
		return prop.ErrorProp(err)
	}
	return prop.ForAll(func(v any) string {
		if err := RoundTrip(v, version); err != nil {
			return err.Error()
		}
		return ""
	}, g)
}
