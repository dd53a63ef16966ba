// Package serial is kio's codec: it encodes and decodes any struct described by
// `kafka:"..."` tags (see kio/tags), generated or written by hand, in Kafka's wire
// format at a given version.
//
// The first use of a type at a version compiles a plan (which fields are present,
// nullable, compact or tagged) and caches it, so later calls cost no reflection: values
// are read and written through field offsets.
//
// Decoded bytes and records fields alias the input of Unmarshal and UnmarshalPrefix: the
// caller must not modify that input while the decoded value is in use, or must copy it
// first. Decode reads into a buffer of its own, so its results alias nothing of the
// caller's.
//
// All functions are safe for concurrent use.
package serial

import (
	"io"
	"reflect"
	"sync"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
)

// RawTags holds unknown tagged fields; see kio.RawTags.
type RawTags = kio.RawTags

// Marshal returns the wire form of v (a struct or a pointer to one) at version.
func Marshal(v any, version int16) ([]byte, error) {
	return Append(nil, v, version)
}

// Append appends the wire form of v (a struct or a pointer to one) at version to dst.
// Passing a pointer avoids a copy.
func Append(dst []byte, v any, version int16) ([]byte, error) {
	ti, p, ok := cachedStructPtr(v)
	if !ok {
		t, sp, err := structOf(v, false)
		if err != nil {
			return dst, errorFor(err, "encode", t, version, -1)
		}
		ti, p = infoFor(t), sp
		if reflect.TypeOf(v).Kind() == reflect.Pointer {
			rememberStructPtr(v, ti)
		}
	}
	pl, err := ti.planAt(version)
	if err == nil {
		var out []byte
		if out, err = pl.encode(dst, p); err == nil {
			return out, nil
		}
	}
	return dst, errorFor(err, "encode", ti.typ, version, -1)
}

// Unmarshal decodes data, which must hold exactly one value, into v, a pointer to a
// struct, at version. v is zeroed first; fields absent at version take their defaults.
func Unmarshal(data []byte, v any, version int16) error {
	n, err := UnmarshalPrefix(data, v, version)
	if err == nil && n != len(data) {
		t, _, _ := structOf(v, true)
		return errorFor(causef(ErrTrailing, "%d bytes after the message", len(data)-n), "decode", t, version, n)
	}
	return err
}

// UnmarshalPrefix decodes one value from the start of data into v, a pointer to a
// struct, and returns how many bytes it used. Bytes after it are left alone.
func UnmarshalPrefix(data []byte, v any, version int16) (int, error) {
	r := reader{buf: data}
	return decodeInto(&r, v, version)
}

// Encode writes the wire form of v at version to w in a single Write.
func Encode(w io.Writer, v any, version int16) error {
	bp := encodeBuffers.Get().(*[]byte)
	b, err := Append((*bp)[:0], v, version)
	if err == nil {
		_, err = w.Write(b)
	}
	if cap(b) <= maxPooledBuffer {
		*bp = b
		encodeBuffers.Put(bp)
	}
	return err
}

// Decode reads exactly one value's bytes from r and decodes them into v, a pointer to
// a struct, at version. It reads only as far as the value goes, in small reads where
// the value is made of small parts: give it a buffered reader.
func Decode(r io.Reader, v any, version int16) error {
	rd := reader{src: r}
	_, err := decodeInto(&rd, v, version)
	return err
}

// SetDefaults sets every field of the struct v points to, and of the struct values
// nested in it, to its spec default (Go's zero value where the spec gives none).
func SetDefaults(v any) error {
	t, p, err := structOf(v, true)
	if err != nil {
		return errorFor(err, "defaults", t, 0, -1)
	}
	ti := infoFor(t)
	if ti.err != nil {
		return errorFor(ti.err, "defaults", t, 0, -1)
	}
	ti.setDefaults(p)
	return nil
}

// Default returns a T with every spec default set, since Go's zero values are not
// Kafka's defaults (a LeaderEpoch of -1, AllowAutoTopicCreation true). For a T the
// codec cannot handle it returns the zero T.
func Default[T any]() T {
	var v T
	_ = SetDefaults(&v)
	return v
}

const maxPooledBuffer = 1 << 20

var encodeBuffers = sync.Pool{New: func() any { return new([]byte) }}

func decodeInto(r *reader, v any, version int16) (int, error) {
	ti, p, ok := cachedStructPtr(v)
	if !ok {
		t, sp, err := structOf(v, true)
		if err != nil {
			return 0, errorFor(err, "decode", t, version, 0)
		}
		ti, p = infoFor(t), sp
		rememberStructPtr(v, ti)
	}
	t := ti.typ
	pl, err := ti.planAt(version)
	if err != nil {
		return 0, errorFor(err, "decode", t, version, 0)
	}
	ti.zero(p)
	pl.decode(r, p)
	if r.err != nil {
		if _, ok := r.err.(*Error); !ok {
			r.err = &Error{Offset: r.failAt, Err: r.err}
		}
		return r.off, errorFor(r.err, "decode", t, version, r.failAt)
	}
	return r.off, nil
}

// structOf finds the struct type and address behind v. Decoding needs a pointer.
func structOf(v any, needPointer bool) (reflect.Type, unsafe.Pointer, error) {
	rv := reflect.ValueOf(v)
	switch {
	case rv.Kind() == reflect.Pointer && rv.Type().Elem().Kind() == reflect.Struct:
		if rv.IsNil() {
			return rv.Type().Elem(), nil, causef(ErrSchema, "nil %v", rv.Type())
		}
		return rv.Type().Elem(), rv.UnsafePointer(), nil
	case rv.Kind() == reflect.Struct && !needPointer:
		cp := reflect.New(rv.Type())
		cp.Elem().Set(rv)
		return rv.Type(), cp.UnsafePointer(), nil
	case !rv.IsValid():
		return nil, nil, causef(ErrSchema, "nil value")
	default:
		want := "a struct or a pointer to one"
		if needPointer {
			want = "a pointer to a struct"
		}
		return rv.Type(), nil, causef(ErrSchema, "%v is not %s", rv.Type(), want)
	}
}

// errorFor completes an error for the caller: an *Error naming the type and version.
func errorFor(err error, op string, t reflect.Type, version int16, offset int) error {
	e, ok := err.(*Error)
	if !ok {
		e = &Error{Offset: offset, Err: err}
	}
	e.Op, e.Type, e.Version = op, t, version
	if op != "decode" {
		e.Offset = -1
	}
	return e
}
