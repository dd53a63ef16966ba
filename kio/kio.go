// Package kio holds the few value types shared by kio's codec and its generated
// schema: Kafka's UUID and the raw form of tagged fields the codec does not know.
//
// The codec itself lives in kio/serial, the tag grammar in kio/tags, every Kafka
// message in kio/schema and the log format in kio/records.
//
// # Errors
//
// Each package that reads or writes bytes returns one error type (*serial.Error,
// *records.BatchError, the framing's error), and spells the facts they share the
// same way:
//
//   - Op string: the operation that failed, in lower case: "encode", "decode",
//     "read request", ...
//   - Offset int: the byte offset in the operation's input where the failure was
//     found (where the batch or frame at fault starts, for errors about one); -1 where
//     there is none (encoding, a stream). Offsets in Kafka's log keep their own names
//     (records.BatchError.BaseOffset).
//   - Err error: the cause, which Unwrap returns; it is, or wraps, one of the package's
//     sentinel errors (Err...), so errors.Is(err, serial.ErrNull) tells the class and
//     errors.As(err, &e) the place.
//
// Their Error methods read "package: op what at byte offset: cause", such as
// "serial: decode metadata.MetadataResponse v12 field Topics[2].Name at byte 18:
// truncated input" or "records: decode batch at byte 61 (base offset 5, magic 2):
// checksum mismatch: ...". Facts only one package knows keep fields of its own (the
// field path and version of a message, the magic of a batch, the size of a frame).
package kio

import "encoding/base64"

// UUID is Kafka's uuid type: 16 bytes, written as they are.
type UUID [16]byte

// String renders the UUID as Kafka does (Uuid.toString): URL-safe base64 without padding.
func (u UUID) String() string { return base64.RawURLEncoding.EncodeToString(u[:]) }

// IsZero reports whether u is Kafka's zero UUID (AAAAAAAAAAAAAAAAAAAAAA).
func (u UUID) IsZero() bool { return u == UUID{} }

// RawTags holds the tagged fields a struct does not know at the decoded version, by
// tag number: each value is a field's payload as found on the wire, without its tag
// and size prefix. A struct keeps them by declaring a field of this type tagged
// `kafka:"unknownTags"`; the codec fills it on decode (nil when there are none) and
// writes its entries back on encode, merged with the known tagged fields in ascending
// tag order, as the protocol requires. A map, not a slice: a tag appears at most once,
// and the field costs a struct one word. Decoded payloads alias the decoder's input, as
// decoded bytes fields do (see kio/serial): copy one to keep it beyond the input.
type RawTags map[uint32][]byte
