// Package kio holds the few value types shared by kio's codec and its generated
// schema: Kafka's UUID and the raw form of tagged fields the codec does not know.
//
// The codec itself lives in kio/serial, the tag grammar in kio/tags, every Kafka
// message in kio/schema and the log format in kio/records.
package kio

import "encoding/base64"

// UUID is Kafka's uuid type: 16 bytes, written as they are.
type UUID [16]byte

// String renders the UUID as Kafka does (Uuid.toString): URL-safe base64 without padding.
func (u UUID) String() string { return base64.RawURLEncoding.EncodeToString(u[:]) }

// IsZero reports whether u is Kafka's zero UUID (AAAAAAAAAAAAAAAAAAAAAA).
func (u UUID) IsZero() bool { return u == UUID{} }

// RawTag is one tagged field, as found on the wire, that the decoding struct does not know
// at the decoded version. Data is the field's payload without its tag and size prefix.
type RawTag struct {
	Tag  uint32
	Data []byte
}

// RawTags holds unknown tagged fields in ascending tag order. A struct keeps them by
// declaring a field of this type tagged `kafka:"unknownTags"`; the codec fills it on
// decode and writes its entries back, merged in tag order, on encode.
type RawTags []RawTag
