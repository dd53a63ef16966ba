// Package errpath is what kio's two codecs of a message, kio/serial (Kafka's bytes) and
// kio/kafkajson (Kafka's JSON form), share in the errors they return, as encoding/json
// v2 reports a semantic error with the path to the value: the classes of failure both
// report (sentinels), a cause that wraps one, the path to the value, written a step at a
// time as the error unwinds from the value to the message, and the text that names the
// operation, the type, the version, the path and the byte offset.
//
// Each codec keeps its own exported error type and sentinels (serial.ErrNull is
// ErrNull, so errors.Is answers the same through either package's name).
package errpath

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// The classes of failure both codecs report. A codec's own classes (serial's truncated
// input and trailing bytes, kafkajson's syntax and missing member) stay its own.
var (
	// ErrNull: a null where the value is not nullable at the version.
	ErrNull = errors.New("unexpected null")
	// ErrRange: a value out of range for its field.
	ErrRange = errors.New("value out of range")
	// ErrVersion: the version is not one the message has, or a value that the version
	// cannot hold.
	ErrVersion = errors.New("unsupported version")
	// ErrSchema: a Go type the codec cannot handle.
	ErrSchema = errors.New("schema error")
)

// Causef returns a cause that wraps sentinel, which errors.Is finds, with detail.
func Causef(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}

// Field returns the path to a value inside the struct field or JSON member name, where
// rest is the path from that field down to the value ("" for the field itself):
// Field("Topics", "[2].Name") is "Topics[2].Name".
func Field(name, rest string) string {
	if rest == "" || rest[0] == '[' {
		return name + rest
	}
	return name + "." + rest
}

// Index returns the path to a value inside the array element i, where rest is the path
// from that element down to the value: Index(2, "Name") is "[2].Name".
func Index(i int, rest string) string {
	return Field("["+strconv.Itoa(i)+"]", rest)
}

// Text is an error's text as every codec of kio spells it (see the package doc of kio):
// "pkg: op Type vN field Path at byte Offset: cause", leaving out the type where t is
// nil, the field where path is empty and the offset where it is negative.
func Text(pkg, op string, t reflect.Type, version int16, path string, offset int64, cause error) string {
	var b strings.Builder
	b.WriteString(pkg)
	b.WriteString(": ")
	b.WriteString(op)
	if t != nil {
		b.WriteByte(' ')
		b.WriteString(t.String())
	}
	b.WriteString(" v")
	b.WriteString(strconv.Itoa(int(version)))
	if path != "" {
		b.WriteString(" field ")
		b.WriteString(path)
	}
	if offset >= 0 {
		b.WriteString(" at byte ")
		b.WriteString(strconv.FormatInt(offset, 10))
	}
	b.WriteString(": ")
	if cause != nil {
		b.WriteString(cause.Error())
	}
	return b.String()
}
