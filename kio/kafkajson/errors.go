package kafkajson

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Sentinel causes. Every error of the package is an *Error whose Err wraps one of
// these, so callers test the class with errors.Is and the place with errors.As.
var (
	// ErrSyntax: the input is not JSON.
	ErrSyntax = errors.New("invalid JSON")
	// ErrType: a JSON value of the wrong type for the field (a string where a number
	// belongs, an object where an array does), as the converters' "expected ..." errors.
	ErrType = errors.New("wrong JSON type")
	// ErrMissing: a field mandatory at the version is not there ("unable to locate
	// field ..., which is mandatory in version N").
	ErrMissing = errors.New("missing mandatory field")
	// ErrRange: a number that does not fit the field, or bytes, a UUID or a record that
	// cannot be decoded.
	ErrRange = errors.New("value out of range")
	// ErrNull: null where the field is not nullable at the version, or a nil Go value
	// where it must be written and cannot be null.
	ErrNull = errors.New("unexpected null")
	// ErrVersion: the version is not one the message has, or a field absent at the
	// version holds a value that would be lost (not ignorable, not its default).
	ErrVersion = errors.New("unsupported version")
	// ErrSchema: the Go type is not a kafka-tagged struct the package can walk.
	ErrSchema = errors.New("schema error")
)

// Error reports where writing or reading JSON failed: the top-level type, the JSON
// path to the value (member names as the JSON spells them, like
// "topics[2].partitions[0].leaderEpoch"), the version and, when reading, the byte
// offset in the input.
type Error struct {
	Op      string // "marshal" or "unmarshal"
	Type    reflect.Type
	Path    string
	Version int16
	Offset  int64 // byte offset in the input when reading; -1 when writing
	Err     error // wraps one of the sentinels
}

// Error describes the failure.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("kafkajson: ")
	b.WriteString(e.Op)
	if e.Type != nil {
		b.WriteByte(' ')
		b.WriteString(e.Type.String())
	}
	b.WriteString(" v")
	b.WriteString(strconv.Itoa(int(e.Version)))
	if e.Path != "" {
		b.WriteString(" at ")
		b.WriteString(e.Path)
	}
	if e.Offset >= 0 {
		b.WriteString(" (byte ")
		b.WriteString(strconv.FormatInt(e.Offset, 10))
		b.WriteByte(')')
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// pathError is an error on its way up from a value to the top, gathering its path.
type pathError struct {
	path   []string // innermost last; joined in reverse
	offset int64
	err    error
}

func (e *pathError) Error() string { return e.err.Error() }

func failf(offset int64, sentinel error, format string, args ...any) *pathError {
	return &pathError{offset: offset, err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}

// atMember and atIndex add a step to the path of err (a *pathError) as it unwinds.
func atMember(err error, name string) error {
	if pe, ok := err.(*pathError); ok {
		pe.path = append(pe.path, "."+name)
	}
	return err
}

func atIndex(err error, i int) error {
	if pe, ok := err.(*pathError); ok {
		pe.path = append(pe.path, "["+strconv.Itoa(i)+"]")
	}
	return err
}

// finish turns an error from the walk into an *Error.
func finish(err error, op string, t reflect.Type, version int16) error {
	if err == nil {
		return nil
	}
	e := &Error{Op: op, Type: t, Version: version, Offset: -1}
	if pe, ok := err.(*pathError); ok {
		var b strings.Builder
		for i := len(pe.path) - 1; i >= 0; i-- {
			b.WriteString(pe.path[i])
		}
		e.Path = strings.TrimPrefix(b.String(), ".")
		e.Err = pe.err
		if op == "unmarshal" {
			e.Offset = pe.offset
		}
	} else {
		e.Err = err
	}
	return e
}

// errorf builds a cause wrapping a sentinel.
func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
