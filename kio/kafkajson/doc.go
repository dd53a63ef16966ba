// Package kafkajson writes any kafka-tagged struct as JSON and reads it back, at a
// version, in the form Kafka's own generated JsonConverter classes (kafka-clients,
// KIP-673's request log) use, so that kio's JSON of a message is the JSON Kafka
// prints of it.
//
// Kafka's form:
//
//   - an object per struct, members in spec order, named as the converters name them:
//     the spec name with its first letter lower-cased (ErrorCode is "errorCode",
//     timeoutMs stays "timeoutMs");
//   - only the fields present at the version; tagged fields only where they differ
//     from their default;
//   - int8 to int64, uint16 and uint32 as JSON integers; float64 with a fraction or an
//     exponent (Jackson writes 1.0, and the converters read only floating-point tokens
//     there); NaN and the infinities as the strings Jackson writes ("NaN",
//     "Infinity", "-Infinity");
//   - bytes as standard base64 with padding; UUIDs as Kafka prints them (22 characters
//     of URL-safe base64, Uuid.toString); null where the version allows null;
//   - records as their size, "<name>SizeInBytes": N (the converters' write with
//     serializeRecords=false, the broker's request log), or, with RecordsBytes, as
//     base64 bytes under the field's own name (where the converters, given
//     serializeRecords=true, write an empty byte string, kio writes the bytes).
//
// Reading accepts what the converters' read accepts: members in any order, unknown
// members ignored, a repeated member's last value, a field the version does not have
// read anyway (serial.Marshal then says whether it can be written at the version), a
// missing tagged field or a field the version lacks at its default. It refuses what
// they refuse, with an *Error naming the JSON path and the input offset: a missing
// mandatory field (ErrMissing), a value of the wrong JSON type (ErrType), a number out
// of the field's range (ErrRange), a null where the version has no null (ErrNull).
// Where the converters cannot read what they write (bytes: Jackson's BinaryNode exists
// only in a tree they built, never in parsed text), kio reads the base64 they write.
// kio parts from their read in four more places, each where theirs is a slip: uint32
// values up to 4294967295 (MessageUtil.jsonNodeToUnsignedInt stops at 4294967293), int8
// values of 128 to 256 refused (it maps them to value-128), "NaN" and "Infinity" read
// back for float64 (as Jackson writes them), and records also read from the decoded
// form below. tests/jsonoracle compares both readers on variants of kio's JSON.
//
// Options.Lossless goes beyond Kafka: unknown tagged fields are written as
// "_unknownTaggedFields" (tag number to base64 payload) and read back, and records
// are decoded through kio/records into batches and records (offsets, timestamps,
// keys, values and headers as UTF-8 text where valid, else base64), so that a Produce
// request or a Fetch response reads as data.
//
// The walk is reflective, as kio/serial's: one description of a type per version,
// built from its struct tags once and cached; no code per message.
package kafkajson
