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
// Decoded strings never alias the input. Short ones (up to 64 bytes: names, ids,
// hosts) are shared through a small fixed-size process-wide table, so a string seen
// recently costs no allocation; Go strings are immutable, so that is safe, and *string
// fields always point at a cell of their own.
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
//
// Its buffer is sized from the last message of the same type and version that
// Marshal encoded, so that messages of a steady size cost one allocation; a buffer
// that turns out more than four times too large is copied to its size rather than
// returned with the excess.
func Marshal(v any, version int16) ([]byte, error) {
	e, p := cachedStruct(v)
	if e == nil || p == nil {
		return Append(nil, v, version)
	}
	pl := e.ti.checkedPlan(version)
	if pl == nil {
		return Append(nil, v, version)
	}
	hint := int(pl.encodedSize.Load())
	var buf []byte
	if hint > 0 {
		buf = make([]byte, 0, hint)
	}
	out, err := pl.encode(buf, p)
	if err != nil {
		return Append(nil, v, version) // again, for the error with its path
	}
	if n := len(out); n != hint {
		pl.encodedSize.Store(int32(min(n, maxSizeHint)))
		if cap(out) > 4*n && cap(out) > 4096 {
			out = append([]byte(nil), out...)
		}
	}
	return out, nil
}

// maxSizeHint bounds the buffer Marshal starts with.
const maxSizeHint = 16 << 20

// Append appends the wire form of v (a struct or a pointer to one) at version to dst.
// Passing a pointer avoids a copy.
func Append(dst []byte, v any, version int16) ([]byte, error) {
	e, p := cachedStruct(v)
	if e == nil || p == nil {
		return appendSlow(dst, v, version)
	}
	if pl := e.ti.checkedPlan(version); pl != nil {
		if out, err := pl.encode(dst, p); err == nil {
			return out, nil
		}
	}
	return appendStruct(dst, e.ti, p, version)
}

// appendSlow is Append for a type not yet cached, a nil pointer or a struct held
// directly in the interface.
func appendSlow(dst []byte, v any, version int16) ([]byte, error) {
	ti, p, direct, err := locateStruct(v, false)
	if err != nil {
		return dst, errorFor(err, "encode", typeOfValue(v, ti), version, -1)
	}
	if direct {
		// The data word is the struct's whole content: encode from a copy of it.
		word := (*ifaceWords)(unsafe.Pointer(&v)).data
		return appendStruct(dst, ti, unsafe.Pointer(&word), version)
	}
	return appendStruct(dst, ti, p, version)
}

func appendStruct(dst []byte, ti *typeInfo, p unsafe.Pointer, version int16) ([]byte, error) {
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
	r := reader{buf: data}
	ti, err := decodeInto(&r, v, version)
	if err == nil && r.off != len(data) {
		return errorFor(causef(ErrTrailing, "%d bytes after the message", len(data)-r.off), "decode", ti.typ, version, r.off)
	}
	return err
}

// UnmarshalPrefix decodes one value from the start of data into v, a pointer to a
// struct, and returns how many bytes it used. Bytes after it are left alone.
func UnmarshalPrefix(data []byte, v any, version int16) (int, error) {
	r := reader{buf: data}
	_, err := decodeInto(&r, v, version)
	return r.off, err
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
	ti, p, _, err := locateStruct(v, true)
	if err == nil {
		err = ti.err
	}
	if err != nil {
		return errorFor(err, "defaults", typeOfValue(v, ti), 0, -1)
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

// decodeInto decodes from r into the struct v points to. It returns v's parsed type
// when it found one, for the caller's errors.
func decodeInto(r *reader, v any, version int16) (*typeInfo, error) {
	e, p := cachedStruct(v)
	var ti *typeInfo
	if e != nil && e.ptr && p != nil {
		ti = e.ti
	} else {
		var err error
		if ti, p, _, err = locateStruct(v, true); err != nil {
			return ti, errorFor(err, "decode", typeOfValue(v, ti), version, 0)
		}
	}
	pl := ti.checkedPlan(version)
	if pl == nil {
		var err error
		if pl, err = ti.planAt(version); err != nil {
			return ti, errorFor(err, "decode", ti.typ, version, 0)
		}
	}
	ti.zero(p)
	r.arenas.hint = pl.hints.load()
	pl.decode(r, p)
	if r.err == nil {
		pl.hints.store(&r.arenas)
	}
	if r.err != nil {
		if _, ok := r.err.(*Error); !ok {
			r.err = &Error{Offset: r.failAt, Err: r.err}
		}
		return ti, errorFor(r.err, "decode", ti.typ, version, r.failAt)
	}
	return ti, nil
}

// typeOfValue names the type an error is about: the struct's when it was found, else
// v's dynamic type.
func typeOfValue(v any, ti *typeInfo) reflect.Type {
	if ti != nil {
		return ti.typ
	}
	return reflect.TypeOf(v)
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

// Check compiles every version that the type of v (a struct, a pointer to one, or a
// reflect.Type of either) declares in its marker, and returns the first problem as an
// *Error wrapping ErrSchema, or nil. A test can call it on a hand-written struct to
// find a mistake before any message is encoded. A type without a marker is checked at
// versions 0 to 31.
func Check(v any) error {
	t, ok := v.(reflect.Type)
	if !ok {
		t = reflect.TypeOf(v)
	}
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return errorFor(causef(ErrSchema, "%v is not a struct or a pointer to one", t), "check", t, 0, -1)
	}
	ti := infoFor(t)
	if ti.err != nil {
		return errorFor(ti.err, "check", t, 0, -1)
	}
	r := ti.marker.Versions
	if r.IsNone() {
		return errorFor(causef(ErrSchema, "%v declares no version", t), "check", t, 0, -1)
	}
	hi := r.Hi
	if r.IsOpen() {
		hi = max(r.Lo, maxCachedVersion-1)
	}
	for version := r.Lo; version <= hi; version++ {
		if _, err := ti.planAt(version); err != nil {
			return errorFor(err, "check", t, version, -1)
		}
	}
	return nil
}
