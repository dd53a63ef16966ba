// Package serial is kio's codec: it encodes and decodes any struct described by
// `kafka:"..."` tags (see kio/tags), generated or written by hand, in Kafka's wire
// format at a given version.
//
// The first use of a type compiles a plan for each version its marker declares (which
// fields are present, nullable, compact or tagged) and caches them, so later calls cost
// no reflection: values are read and written through field offsets. A mistake in the
// type at any version (an unknown tag key, a bad default=, a tagged field at a version
// that is not flexible, a Go type that does not fit the wire type, a marker that is not
// the first field) is then an *Error wrapping ErrSchema whose *SchemaError names the
// struct and field, from every entry point; Check reports it from a test.
//
// Plans are interpreted, and they are the reference. Beside them, Append and Marshal of
// a kio/schema message run the straight-line encoder the generator wrote for it at the
// version (kio/internal/straight), behind the same switch as the other fast paths (off
// with the kio_general build tag): every request and response version has one, flat or
// nested (arrays, struct values, nullable structs, known tagged fields: Metadata,
// Fetch, Produce).
// Marshal calls its generated size, allocates once, then its generated append (a
// mid-sized message goes through scratch memory and one copy, as with the plan). It
// declines, at any depth, anything the plan treats specially (a null where not
// nullable, a value in an absent field, kept unknown tags, a string or array too
// long), which the plan then encodes, so the bytes and errors are the plan's either way
// (TestStraightLineAgrees).
//
// Likewise Unmarshal and UnmarshalPrefix of a kio/schema message run the straight-line
// decoder the generator wrote for it at the version (every request and response
// version has one: nested structs, arrays, nullable structs and known tagged fields
// included), with the plan's defaults and the memory rules below (kio/internal/arena
// holds them for both). It declines short or malformed input, a count the input
// cannot hold, a null where the field is not nullable, and unknown or repeated tagged
// fields (kept or resolved by the plan); the target is then zeroed and the plan decodes
// from the start, so the value and any error, with its path and offset, are the
// plan's (TestStraightDecodersAgree). Decode, which reads a stream, uses the plan.
//
// # Rules
//
// As in Kafka's Java implementation:
//
//   - A field absent at the version is not written and decodes to its default. A field
//     absent at the version that holds a value other than its default or Go's zero
//     value is refused with ErrVersion, naming field and version, unless it is tagged
//     ignorable: nothing is lost silently.
//   - Every flexible struct ends with a tagged-field section, in ascending tag order. A
//     tagged field equal to its default is not written.
//   - Unknown tagged fields are kept in a field tagged `kafka:"unknownTags"` of type
//     kio.RawTags (tag number to payload; nil when there are none) and written back
//     merged with the known ones in ascending tag order; a struct without such a field
//     skips them. An unknown tag that is a known field at the encoded version is an
//     ErrTag.
//   - Defaults are Kafka's: the default= literal where there is one, else zero numbers,
//     false, empty strings, bytes and arrays, null records and null nullable structs
//     (see SetDefaults and Default).
//   - Non-nullable arrays and bytes decode as empty non-nil slices; nil encodes as empty.
//
// # Memory
//
// Decoded bytes and records fields and the payloads of kio.RawTags alias the input of
// Unmarshal and UnmarshalPrefix (zero copy): the caller must not modify that input
// while the decoded value is in use, and keeping one of them keeps the input alive;
// copy it to keep it alone. Decode reads into a buffer of its own, so its results alias
// nothing of the caller's, but such a field then keeps that message buffer alive.
//
// Everything else decoded keeps alive little beyond itself (at most 4 KiB, not the
// message), whatever the size of the message:
//
//   - A string is a copy of its own (strings of up to 64 bytes, such as names, ids and
//     hosts, may be shared with other decodes through a small fixed-size process-wide
//     table; Go strings are immutable, so that is safe).
//   - A *string field points at a cell of its own or one of a chunk of at most 64
//     cells, each holding such a string.
//   - An int32 list (replicas, ISR) shares its memory with other int32 lists of the
//     same message in chunks of at most 4 KiB: keeping one keeps at most 4 KiB alive.
//   - A slice of structs is one allocation, as in any Go program; a one-element
//     slice of structs and the one-element slice of structs its element holds (the
//     topic and partition of a Fetch response for one partition) may share one, so
//     keeping either keeps both elements alive, no more.
//
// Marshal allocates exactly the encoded size, once, whatever it encoded before (its
// scratch memory is pooled); Append and Encode grow or reuse the caller's or a pooled
// buffer.
//
// All functions are safe for concurrent use.
package serial

import (
	"io"
	"reflect"
	"sync"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/internal/arena"
)

// RawTags holds unknown tagged fields; see kio.RawTags.
//
// Deprecated: use kio.RawTags, the one name generated code and the README use.
type RawTags = kio.RawTags

// Marshal returns the wire form of v (a struct or a pointer to one) at version, in a
// buffer of its own of exactly the encoded size: one allocation, whatever Marshal
// encoded before (a size pass over v, or pooled scratch memory copied out, decides
// the size).
func Marshal(v any, version int16) ([]byte, error) {
	e, p := cachedStruct(v)
	if e == nil || p == nil {
		return marshalSlow(v, version)
	}
	pl := e.ti.checkedPlan(version)
	if pl == nil {
		return marshalSlow(v, version)
	}
	return pl.marshal(p)
}

// marshalSlow is Marshal for a type or version not yet cached, a nil pointer or a
// struct held directly in the interface.
func marshalSlow(v any, version int16) ([]byte, error) {
	ti, p, direct, err := locateStruct(v, false)
	if err != nil {
		return nil, errorFor(err, "encode", typeOfValue(v, ti), version, -1)
	}
	pl, err := ti.planAt(version)
	if err != nil {
		return nil, errorFor(err, "encode", ti.typ, version, -1)
	}
	if direct {
		// The data word is the struct's whole content: encode from a copy of it.
		word := dataWord(&v)
		return pl.marshal(unsafe.Pointer(&word))
	}
	return pl.marshal(p)
}

// marshal encodes the struct at p into a buffer of exactly its size, allocated once: a
// message with a straight-line encoder through it (its generated size, then its
// generated append into an unzeroed buffer of that size; a mid-sized one, as
// marshalPlan decides, appended into scratch memory and copied out), anything else, or
// what that encoder declines, through marshalPlan. A 1 MiB Fetch or Produce takes the
// size pass: one unzeroed buffer, no copy.
func (pl *plan) marshal(p unsafe.Pointer) ([]byte, error) {
	if optimize && pl.straight.Size != nil {
		// Its generated size, one allocation, its generated encoder.
		if pl.sizing.Load() == sizeScratch {
			if out, ok := pl.marshalStraightScratch(p); ok {
				return out, nil
			}
		} else if n, ok := pl.straight.Size(p); ok {
			if out, ok := pl.straight.Append(newBuffer(n), p); ok {
				if n >= scratchFrom { // else sizing stays sizeFirst: nothing to note
					pl.noteSize(n)
				}
				return clearTail(out), nil
			}
		}
	}
	return pl.marshalPlan(p)
}

// marshalStraightScratch is marshal through pl's straight-line encoder for a
// mid-sized message (plan.sizing, as marshalPlan): appended into pooled scratch memory
// and copied out, a copy of a few KiB where the generated size pass over a Metadata
// response's partitions cost more. It reports false when the encoder declines.
func (pl *plan) marshalStraightScratch(p unsafe.Pointer) ([]byte, bool) {
	bp := encodeBuffers.Get().(*[]byte)
	if cap(*bp) < scratchTo {
		*bp = newBuffer(scratchTo)
	}
	b, ok := pl.straight.Append((*bp)[:0], p)
	var out []byte
	if ok {
		out = append(newBuffer(len(b)), b...)
		pl.noteSize(len(b))
	}
	if cap(b) <= maxPooledBuffer {
		*bp = b
		encodeBuffers.Put(bp)
	}
	return out, ok
}

// marshalPlan is marshal through the plan. How depends on the size of the plan's last
// message (sizing, on change only): mid-sized ones (Metadata) are encoded into a
// pooled scratch buffer, which stays in cache, and copied out, a copy of a few KiB
// where a size pass over thousands of fields cost a third of the encode; small ones
// (a Heartbeat its straight-line encoder declined), where the pool costs more than a
// size pass, and large ones, where the copy would be the work
// itself (1 MiB of records), are sized first and encoded in place.
func (pl *plan) marshalPlan(p unsafe.Pointer) ([]byte, error) {
	var out []byte
	var err error
	if optimize && pl.sizing.Load() == sizeScratch {
		bp := encodeBuffers.Get().(*[]byte)
		if cap(*bp) < scratchTo {
			// Scratch messages are below scratchTo bytes: the buffer never grows, so
			// one allocation (after a collection emptied the pool) is the most a
			// message pays besides its own.
			*bp = newBuffer(scratchTo)
		}
		var b []byte
		if b, err = pl.encode((*bp)[:0], p); err == nil {
			out = append(newBuffer(len(b)), b...)
			pl.noteSize(len(b))
		}
		if cap(b) <= maxPooledBuffer {
			*bp = b
			encodeBuffers.Put(bp)
		}
	} else {
		size := pl.size(p)
		if out, err = pl.encode(newBuffer(size), p); err == nil {
			out = clearTail(out)
			pl.noteSize(size)
		}
	}
	if err != nil {
		return nil, errorFor(err, "encode", pl.ti.typ, pl.version, -1)
	}
	return out, nil
}

// clearTail returns out, a buffer from newBuffer that an encode filled, with any bytes
// between its length and its capacity zeroed: the encodes write exactly the size they
// asked for (TestStraightLineAgrees, the size tests), so this is a comparison, but a
// size that ever came out larger than the encode must not leave stale memory of
// another allocation reachable by reslicing.
func clearTail(out []byte) []byte {
	if len(out) != cap(out) {
		clear(out[len(out):cap(out)])
	}
	return out
}

// How marshal makes its buffer (plan.sizing).
const (
	sizeFirst   = iota // size pass, then encode in place
	sizeScratch        // encode into pooled scratch memory, then copy
	// Messages of at least scratchFrom and below scratchTo bytes go through scratch
	// memory.
	scratchFrom = 512
	scratchTo   = 64 << 10
)

// noteSize records how the next marshal should go after a message of n bytes.
func (pl *plan) noteSize(n int) {
	want := uint32(sizeFirst)
	if n >= scratchFrom && n < scratchTo {
		want = sizeScratch
	}
	if pl.sizing.Load() != want {
		pl.sizing.Store(want)
	}
}

// Append appends the wire form of v (a struct or a pointer to one) at version to dst.
// Passing a pointer avoids a copy.
func Append(dst []byte, v any, version int16) ([]byte, error) {
	e, p := cachedStruct(v)
	if e == nil || p == nil {
		return appendSlow(dst, v, version)
	}
	if pl := e.ti.checkedPlan(version); pl != nil {
		if optimize && pl.straight.Append != nil {
			if out, ok := pl.straight.Append(dst, p); ok {
				return out, nil
			}
		}
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
		word := dataWord(&v)
		return appendStruct(dst, ti, unsafe.Pointer(&word), version)
	}
	return appendStruct(dst, ti, p, version)
}

func appendStruct(dst []byte, ti *typeInfo, p unsafe.Pointer, version int16) ([]byte, error) {
	pl, err := ti.planAt(version)
	if err == nil {
		if optimize && pl.straight.Append != nil {
			if out, ok := pl.straight.Append(dst, p); ok {
				return out, nil
			}
		}
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
	var version int16
	if err == nil {
		version, err = ti.checkVersions()
	}
	if err != nil {
		return errorFor(err, "defaults", typeOfValue(v, ti), version, -1)
	}
	ti.lt.SetDefaults(p)
	return nil
}

// Default returns a T with every spec default set, since Go's zero values are not
// Kafka's defaults (a LeaderEpoch of -1, AllowAutoTopicCreation true).
//
// Like regexp.MustCompile, it panics with SetDefaults's error (an *Error wrapping
// ErrSchema) when T is not a struct the codec can handle: T is fixed when the program
// is written, so that is a programming mistake, and a zero T returned instead would
// hide it. SetDefaults is the form that returns the error.
func Default[T any]() T {
	var v T
	if err := SetDefaults(&v); err != nil {
		panic(err)
	}
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
	r.Hint = pl.hints.Load()
	if optimize && pl.straightDecode != nil && r.src == nil {
		// A kio/schema message with a generated decoder, over a whole input.
		// The decoder keeps neither pointer (it fills *p and carves from the arenas),
		// which escape analysis cannot see through a function value (runtime.go).
		if n := pl.straightDecode(r.buf[r.off:], (*arena.Arenas)(noescape(unsafe.Pointer(&r.Arenas))), noescape(p)); n >= 0 {
			r.off += n
			pl.hints.Store(&r.Arenas)
			return ti, nil
		}
		// Declined: the plan decodes from the start, so that the value and any error,
		// with its path and offset, are the plan's.
		ti.zero(p)
		r.Arenas = arena.Arenas{Hint: r.Hint}
	}
	pl.decode(r, p)
	if r.err == nil {
		pl.hints.Store(&r.Arenas)
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
// *Error wrapping ErrSchema (whose *SchemaError names the struct and field), or nil.
// A test can call it on a hand-written struct to find a mistake before any message is
// encoded; every other entry point runs the same check on a type's first use. A type
// without a marker is a nested struct whose flexibility comes from its message: its
// tags and Go types are checked, its versions through the messages that hold it.
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
	if version, err := ti.checkVersions(); err != nil {
		return errorFor(err, "check", t, version, -1)
	}
	if ti.lt.Message.Versions.IsNone() {
		return errorFor(causef(ErrSchema, "%v declares no version", t), "check", t, 0, -1)
	}
	return nil
}
