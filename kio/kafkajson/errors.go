package kafkajson

import (
	"errors"
	"reflect"

	"github.com/kio-go/kafka-protocol/kio/internal/errpath"
)

// Sentinel causes. Every error of the package is an *Error whose Err wraps one of
// these, so callers test the class with errors.Is and the place with errors.As.
// ErrRange, ErrNull, ErrVersion and ErrSchema are the very values of kio/serial's
// sentinels of the same names: the two codecs report those classes alike.
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
	ErrRange = errpath.ErrRange
	// ErrNull: null where the field is not nullable at the version, or a nil Go value
	// where it must be written and cannot be null.
	ErrNull = errpath.ErrNull
	// ErrVersion: the version is not one the message has, or a field absent at the
	// version holds a value that would be lost (not ignorable, not its default).
	ErrVersion = errpath.ErrVersion
	// ErrSchema: the Go type is not a kafka-tagged struct the package can walk.
	ErrSchema = errpath.ErrSchema
)

// Error reports where writing or reading JSON failed: the top-level type, the JSON
// path to the value (member names as the JSON spells them, like
// "topics[2].partitions[0].leaderEpoch"), the version and, when reading, the byte
// offset in the input. Its text reads as kio/serial's does: "kafkajson: unmarshal
// metadata.MetadataRequest v12 field topics[0].name at byte 46: missing mandatory
// field: ...".
type Error struct {
	Op      string // "marshal" or "unmarshal"
	Type    reflect.Type
	Path    string
	Version int16
	Offset  int64 // byte offset in the input when reading; -1 when writing
	Err     error // wraps one of the sentinels
}

// Error describes the failure: package, operation, type, version, JSON path and byte
// offset, and the cause.
func (e *Error) Error() string {
	return errpath.Text("kafkajson", e.Op, e.Type, e.Version, e.Path, e.Offset, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// pathError is an error on its way up from a value to the top, gathering its path.
type pathError struct {
	path   string // the path from where the walk is to the value, "" at the value
	offset int64
	err    error
}

func (e *pathError) Error() string { return e.err.Error() }

func failf(offset int64, sentinel error, format string, args ...any) *pathError {
	return &pathError{offset: offset, err: errpath.Causef(sentinel, format, args...)}
}

// atMember and atIndex add a step to the path of err (a *pathError) as it unwinds.
func atMember(err error, name string) error {
	if pe, ok := err.(*pathError); ok {
		pe.path = errpath.Field(name, pe.path)
	}
	return err
}

func atIndex(err error, i int) error {
	if pe, ok := err.(*pathError); ok {
		pe.path = errpath.Index(i, pe.path)
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
		e.Path = pe.path
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
	return errpath.Causef(sentinel, format, args...)
}
