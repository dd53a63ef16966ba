package layout

import "strconv"

// Kind is how one value is laid out on the wire.
//
// Each kind's rules live in a file of its own here (kind_number.go for the eight
// number kinds and bool, kind_uuid.go, kind_string.go, kind_bytes.go, kind_array.go,
// kind_struct.go): its default literals and implied default, and setting and
// recognising a default in memory; resolveValue (layout.go) maps spec type names and Go
// types onto kinds. A new kind is a constant here, a file, and its cases in the
// dispatchers (default.go, resolveValue); then its codec file and dispatcher cases in
// kio/serial (kind_*.go, kinds.go) and its generator and shrinker row in kio/kiotest
// (kinds.go). TestFastPathsAgree in kio/serial runs every kind both ways.
type Kind uint8

// The wire kinds. A number kind is a row of numberKinds; the others have their own
// rules (lengths, null markers, nested layouts).
const (
	Bool Kind = iota + 1
	Int8
	Int16
	Int32
	Int64
	Uint16
	Uint32
	Float64
	UUID
	String // string, or *string where nullable: int16 or compact length
	Bytes  // []byte for bytes and records: int32 or compact length
	Array  // []T: int32 or compact count, then the elements
	Struct // a struct value, or a *struct (nullable, with an int8 marker)

	// NumKinds bounds the kinds, for tables indexed by Kind.
	NumKinds
)

var kindNames = [NumKinds]string{Bool: "bool", Int8: "int8", Int16: "int16", Int32: "int32",
	Int64: "int64", Uint16: "uint16", Uint32: "uint32", Float64: "float64", UUID: "uuid",
	String: "string", Bytes: "bytes", Array: "array", Struct: "struct"}

// String is the kind's name as the specs write it ("array" and "struct" for those).
func (k Kind) String() string {
	if k < NumKinds && kindNames[k] != "" {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// FixedWidth is the wire width of a fixed-width kind (numbers, bool, uuid), 0 for the
// others.
func (k Kind) FixedWidth() int {
	if k == UUID {
		return 16
	}
	if n := k.Number(); n != nil {
		return n.Width
	}
	return 0
}
