package records

import (
	"errors"
	"fmt"
	"io"
	"strings"
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
//
// Its Op, Offset and Err spell what every kio error type says the same way (see the
// package doc of kio): the operation, the byte offset, the cause.
type BatchError struct {
	// Op is the operation that failed: "decode" (DecodeBatch, a Scanner).
	Op string
	// Offset is the byte offset of the batch in the data given to the Scanner or
	// DecodeBatch. (BaseOffset is the batch's offset in the log.)
	Offset int
	// Pos is Offset.
	//
	// Deprecated: use Offset, the name kio's error types share for a byte offset.
	Pos int
	// BaseOffset is the batch base offset (for a legacy message, its offset), or -1
	// when the data ended before it.
	BaseOffset int64
	// Magic is the batch magic, or -1 when unknown.
	Magic int8
	// Err is the cause, a sentinel: ErrTruncated, ErrCRC, ErrMagic, ErrMalformed,
	// ErrCompression or ErrTooLarge.
	Err error
	// Detail says what was wrong, for people.
	Detail string
	// Cause is the error of the decompressor, if one failed; nil otherwise.
	Cause error
}

// Error says what failed where and why: "records: decode batch at byte 61 (base
// offset 5, magic 2): checksum mismatch: stored CRC-32C ...".
func (e *BatchError) Error() string {
	var b strings.Builder
	b.WriteString("records: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "batch at byte %d (base offset %d, magic %d): ", e.Offset, e.BaseOffset, e.Magic)
	if e.Err != nil {
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "records: "))
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Cause != nil {
		b.WriteString(": " + e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel and, if present, the decompressor's error.
func (e *BatchError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// batchErr builds a BatchError at offset 0; decodeErrorAt adds the batch's offset in
// the caller's data and the operation as the error leaves the package.
func batchErr(base int64, magic int8, sentinel error, format string, args ...any) *BatchError {
	return &BatchError{BaseOffset: base, Magic: magic, Err: sentinel, Detail: fmt.Sprintf(format, args...)}
}

// decodeErrorAt completes err, if it is a *BatchError, as it leaves the package: the
// operation, and the batch's offset in the caller's data (offset, where the batch the
// error is about starts).
func decodeErrorAt(err error, offset int) error {
	if be, ok := err.(*BatchError); ok {
		be.Op = "decode"
		be.Offset += offset
		be.Pos = be.Offset
	}
	return err
}
