// Package straight is the registry of straight-line code: encoders the generator
// writes for each (message, version) of kio/schema (numbers, bools, UUIDs, strings,
// bytes, arrays of those and of structs, struct values, nullable structs, known tagged
// fields), and decoders for each (message, version) made of the kinds it knows (those
// and arrays, nested and nullable structs, known tagged fields), so that kio/serial
// can encode and decode such a message without its plan interpreter.
//
// The generated package (kio/schema/internal/straightline) registers them in its init;
// kio/schema imports it (kio/schema/straightline.go), so any program that uses the
// schema's index or kio/frame has them, except one built with the kio_general tag,
// which turns serial's fast paths off and leaves the generated code out. kio/serial looks them up when it compiles a plan, by the message's reflect.Type
// and version: a struct of the caller's own never matches. The encoders handle the
// common case only and decline (ok false) anything the interpreter treats specially (a
// null where the field is not nullable, a value in a field absent at the version, kept
// unknown tagged fields, a string too long for the wire, at any depth), so that serial falls back to
// the interpreter, which stays the reference, errors included. The decoders likewise
// decline (a negative result) anything but a well-formed input they can read whole:
// short or malformed input, a count or length the input cannot hold, a null where the
// field is not nullable, an unknown or repeated tagged field; serial then zeroes the
// target and decodes with the interpreter, so that errors are its own.
package straight

import (
	"reflect"
	"sync"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/internal/arena"
)

// Encoder is the straight-line code of one message type at one version. p points to
// a value of that type. Size returns the exact length Append writes, or false when
// Append would decline; Append appends the wire form to b, or returns false (and b, of
// which it may have written past the length) when it declines.
type Encoder struct {
	Size   func(p unsafe.Pointer) (int, bool)
	Append func(b []byte, p unsafe.Pointer) ([]byte, bool)
}

// Decoder is the straight-line decoder of one message type at one version. It decodes
// the value at the start of b into the zeroed value of that type p points to, copying
// strings and carving *string cells and int32 lists through a (kio/internal/arena,
// limits from the input as kio/serial's reader does), and returns how many bytes it
// read, or a negative number when it declines (p then holds a partial value, which
// the caller zeroes).
type Decoder func(b []byte, a *arena.Arenas, p unsafe.Pointer) int

type key struct {
	t       reflect.Type
	version int16
}

var (
	mu       sync.RWMutex
	encoders = map[key]Encoder{}
	decoders = map[key]Decoder{}
)

// Register records e as t's encoder at version. The generated package calls it from
// its init; registering a (type, version) twice panics, as a generator bug.
func Register(t reflect.Type, version int16, e Encoder) {
	mu.Lock()
	defer mu.Unlock()
	k := key{t, version}
	if _, ok := encoders[k]; ok {
		panic("straight: " + t.String() + " registered twice at one version")
	}
	encoders[k] = e
}

// Lookup returns t's encoder at version, if one is registered.
func Lookup(t reflect.Type, version int16) (Encoder, bool) {
	mu.RLock()
	defer mu.RUnlock()
	e, ok := encoders[key{t, version}]
	return e, ok
}

// Len returns how many (type, version) pairs have an encoder.
func Len() int {
	mu.RLock()
	defer mu.RUnlock()
	return len(encoders)
}

// RegisterDecoder records d as t's decoder at version. The generated package calls it
// from its init; registering a (type, version) twice panics, as a generator bug.
func RegisterDecoder(t reflect.Type, version int16, d Decoder) {
	mu.Lock()
	defer mu.Unlock()
	k := key{t, version}
	if _, ok := decoders[k]; ok {
		panic("straight: decoder of " + t.String() + " registered twice at one version")
	}
	decoders[k] = d
}

// LookupDecoder returns t's decoder at version, or nil.
func LookupDecoder(t reflect.Type, version int16) Decoder {
	mu.RLock()
	defer mu.RUnlock()
	return decoders[key{t, version}]
}

// Decoders returns how many (type, version) pairs have a decoder.
func Decoders() int {
	mu.RLock()
	defer mu.RUnlock()
	return len(decoders)
}
