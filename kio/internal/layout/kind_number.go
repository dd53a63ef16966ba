package layout

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"unsafe"
)

// The number kinds (bool, int8-int64, uint16, uint32, float64): fixed width, big-endian
// on the wire, a default literal of their type (hex too), zero by default, compared by
// their bits in memory.

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

// parseNumberDefault reads a number kind's default literal.
func parseNumberDefault(lit string, n *Number) (Default, error) {
	bits, err := n.Parse(lit, 8*n.Width)
	return Default{Bits: bits, Set: bits != 0}, err
}

// LoadBits reads the width bytes of a number at p as bits; StoreBits writes them.
func LoadBits(p unsafe.Pointer, width int) uint64 {
	switch width {
	case 1:
		return uint64(*(*uint8)(p))
	case 2:
		return uint64(*(*uint16)(p))
	case 4:
		return uint64(*(*uint32)(p))
	default:
		return *(*uint64)(p)
	}
}

// StoreBits writes the width bytes of a number's bits at p.
func StoreBits(p unsafe.Pointer, width int, bits uint64) {
	switch width {
	case 1:
		*(*uint8)(p) = uint8(bits)
	case 2:
		*(*uint16)(p) = uint16(bits)
	case 4:
		*(*uint32)(p) = uint32(bits)
	default:
		*(*uint64)(p) = bits
	}
}
