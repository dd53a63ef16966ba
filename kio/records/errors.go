package records

import (
	"errors"
	"fmt"
	"io"
)

// Sentinel errors. Decoding failures come as *BatchError wrapping one of the first
// six; errors.Is finds them through it.
var (
	// ErrTruncated: the data ends inside a batch or a field. It also matches
	// io.ErrUnexpectedEOF.
	ErrTruncated = fmt.Errorf("records: truncated: %w", io.ErrUnexpectedEOF)
	// ErrCRC: the stored checksum does not match the bytes.
	ErrCRC = errors.New("records: checksum mismatch")
	// ErrMagic: the magic byte is not 0, 1 or 2.
	ErrMagic = errors.New("records: unknown magic")
	// ErrMalformed: a length, count or varint that cannot be right (negative, larger
	// than the bytes left, records that do not fill the batch exactly, ...).
	ErrMalformed = errors.New("records: malformed")
	// ErrCompression: an unknown codec or compressed data the codec rejects.
	ErrCompression = errors.New("records: bad compression")
	// ErrTooLarge: a batch that claims or inflates to more than the size limit
	// (WithMaxSize, DefaultMaxSize by default).
	ErrTooLarge = errors.New("records: batch exceeds size limit")

	// ErrInvalidBatch: AppendBatch or AppendMessageSet was given a batch the format
	// cannot carry (an offset delta outside int32, headers on a legacy message, ...).
	ErrInvalidBatch = errors.New("records: invalid batch")
)

// BatchError reports a batch that could not be decoded. errors.Is matches its
// sentinel (Err) and errors.As or errors.Is also reach the codec's own error (Cause).
type BatchError struct {
	// Pos is the byte position of the batch in the data given to the Scanner or
	// DecodeBatch.
	Pos int
	// BaseOffset is the batch base offset (for a legacy message, its offset), or -1
	// when the data ended before it.
	BaseOffset int64
	// Magic is the batch magic, or -1 when unknown.
	Magic int8
	// Err is the sentinel: ErrTruncated, ErrCRC, ErrMagic, ErrMalformed,
	// ErrCompression or ErrTooLarge.
	Err error
	// Detail says what was wrong, for people.
	Detail string
	// Cause is the error of the decompressor, if one failed; nil otherwise.
	Cause error
}

// Error implements error.
func (e *BatchError) Error() string {
	s := fmt.Sprintf("%v: batch at byte %d (base offset %d, magic %d)", e.Err, e.Pos, e.BaseOffset, e.Magic)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the sentinel and, if present, the decompressor's error.
func (e *BatchError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// batchErr builds a BatchError at position 0; callers that know where the batch sits
// in a larger blob add its position.
func batchErr(base int64, magic int8, sentinel error, format string, args ...any) *BatchError {
	return &BatchError{BaseOffset: base, Magic: magic, Err: sentinel, Detail: fmt.Sprintf(format, args...)}
}
