package layout

import (
	"math"
	"reflect"
	"strconv"
	"strings"
)

// Kind is how one value is laid out on the wire.
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

// Number is what is known of a fixed-width number kind besides its wire form: its
// name in the specs, the Go kind that holds it, its width, and how a default literal
// reads as the value's bits. Every decision about numbers outside the encode and decode
// paths (widths, Go types a tag accepts, implied types, defaults) reads this table.
type Number struct {
	Kind   Kind
	Name   string
	GoKind reflect.Kind
	Width  int
	// Parse reads a spec default literal as the value's bits as it lies in memory.
	Parse func(lit string, bits int) (uint64, error)
}

var numbers = [...]Number{
	{Bool, "bool", reflect.Bool, 1, parseBoolBits},
	{Int8, "int8", reflect.Int8, 1, parseIntBits},
	{Int16, "int16", reflect.Int16, 2, parseIntBits},
	{Int32, "int32", reflect.Int32, 4, parseIntBits},
	{Int64, "int64", reflect.Int64, 8, parseIntBits},
	{Uint16, "uint16", reflect.Uint16, 2, parseUintBits},
	{Uint32, "uint32", reflect.Uint32, 4, parseUintBits},
	{Float64, "float64", reflect.Float64, 8, parseFloatBits},
}

var numberByKind = func() (rows [NumKinds]*Number) {
	for i := range numbers {
		rows[numbers[i].Kind] = &numbers[i]
	}
	return rows
}()

// Number returns k's row of the number table, or nil where k is not a number kind.
func (k Kind) Number() *Number {
	if k < NumKinds {
		return numberByKind[k]
	}
	return nil
}

func parseBoolBits(lit string, _ int) (uint64, error) {
	b, err := strconv.ParseBool(lit)
	if b {
		return 1, err
	}
	return 0, err
}

// parseIntBits reads a signed default; the spec writes some as unsigned hex of the
// type's width (0xffff for -1 in an int16).
func parseIntBits(lit string, bits int) (uint64, error) {
	i, err := strconv.ParseInt(lit, 0, bits)
	if err != nil && strings.HasPrefix(lit, "0x") {
		var u uint64
		if u, err = strconv.ParseUint(lit, 0, bits); err == nil {
			i = int64(u) << (64 - bits) >> (64 - bits)
		}
	}
	if bits < 64 {
		return uint64(i) & (1<<bits - 1), err // as the value lies in memory
	}
	return uint64(i), err
}

func parseUintBits(lit string, bits int) (uint64, error) {
	return strconv.ParseUint(lit, 0, bits)
}

func parseFloatBits(lit string, _ int) (uint64, error) {
	f, err := strconv.ParseFloat(lit, 64)
	return math.Float64bits(f), err
}
