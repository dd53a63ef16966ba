package serial

import (
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/kio-go/kafka-protocol/kio/internal/errpath"
)

// Sentinel causes. Every error the codec returns is an *Error whose Err wraps one of
// these, so callers can test the class with errors.Is and the place with errors.As.
// ErrNull, ErrRange, ErrVersion and ErrSchema are the very values of kio/kafkajson's
// sentinels of the same names: the two codecs report those classes alike.
var (
	// ErrShortBuffer: the input ended inside a value. It also matches io.ErrUnexpectedEOF.
	ErrShortBuffer error = &wireError{"truncated input", io.ErrUnexpectedEOF}
	// ErrNull: a null (any negative length, as Kafka reads it) where the field is not
	// nullable at this version.
	ErrNull = errpath.ErrNull
	// ErrRange: a value out of range, such as a string longer than 32767 bytes or an
	// overlong varint.
	ErrRange = errpath.ErrRange
	// ErrVersion: the version is not valid for the message, or a field holds a value
	// that cannot be written at this version.
	ErrVersion = errpath.ErrVersion
	// ErrTag: a tagged field that cannot be read or written: when decoding, a known
	// tagged field whose size prefix does not match its value; when encoding, an entry
	// of a struct's unknownTags whose tag number is a known tagged field at the version.
	// (Tags out of order or repeated are read as Kafka reads them: not an error, the
	// last of a repeated tag wins.)
	ErrTag = errors.New("bad tagged field")
	// ErrTrailing: bytes left over after the message.
	ErrTrailing = errors.New("trailing bytes")
	// ErrSchema: the Go type cannot be handled (malformed kafka tag, a type that does not
	// fit, v not a pointer to a struct).
	ErrSchema = errpath.ErrSchema
)

type wireError struct {
	msg   string
	cause error
}

func (e *wireError) Error() string { return e.msg }
func (e *wireError) Unwrap() error { return e.cause }

// Error reports where encoding or decoding failed: the operation, the message type,
// the path to the field inside it, the version and, when decoding, the byte offset in
// the input. Its Op, Offset and Err spell what every kio error type says the same way
// (see the package doc of kio): the operation, the byte offset, the cause.
type Error struct {
	// Op is the operation that failed: "encode" (Marshal, Append, Encode), "decode"
	// (Unmarshal, UnmarshalPrefix, Decode), "defaults" (SetDefaults, Default) or
	// "check" (Check).
	Op      string
	Type    reflect.Type // the top-level type being encoded or decoded
	Path    string       // field path inside Type, like "Topics[2].Partitions[0].LeaderEpoch"
	Version int16
	Offset  int   // byte offset in the input where decoding failed; -1 for the other operations
	Err     error // the cause; wraps one of the sentinels above
}

// Error describes the failure: "serial: decode metadata.MetadataResponse v12 field
// Topics[2].Name at byte 18: truncated input", that is package, operation, type,
// version, field path, byte offset and cause.
func (e *Error) Error() string {
	return errpath.Text("serial", e.Op, e.Type, e.Version, e.Path, int64(e.Offset), e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// causef builds a cause that wraps a sentinel with detail.
func causef(sentinel error, format string, args ...any) error {
	return errpath.Causef(sentinel, format, args...)
}

// atField prefixes err's path with a struct field name as the error unwinds.
func atField(err error, name string) error {
	if e, ok := err.(*Error); ok {
		e.Path = errpath.Field(name, e.Path)
	}
	return err
}

// atIndex prefixes err's path with an array index as the error unwinds.
func atIndex(err error, i int) error {
	if e, ok := err.(*Error); ok {
		e.Path = errpath.Index(i, e.Path)
	}
	return err
}

// SchemaError describes a Go type the codec cannot handle: which struct, which field
// and why. It is the cause inside an *Error and matches ErrSchema.
type SchemaError struct {
	Struct reflect.Type
	Field  string
	Reason string
}

// Error names the struct, the field and the reason.
func (e *SchemaError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("schema error: %v: %s", e.Struct, e.Reason)
	}
	return fmt.Sprintf("schema error: %v.%s: %s", e.Struct, e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrSchema) hold.
func (e *SchemaError) Is(target error) bool { return target == ErrSchema }
