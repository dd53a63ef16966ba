package wire

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

// The varints against encoding/binary's, which implements the same base-128 format
// (Kafka's unsigned varints are binary.Uvarint limited to 32 bits; its varlongs are
// binary.Varint).
func TestVarintsMatchEncodingBinary(t *testing.T) {
	u32s := []uint32{0, 1, 0x7f, 0x80, 0x3fff, 0x4000, 1 << 21, 1<<28 - 1, 1 << 28, math.MaxUint32}
	for _, v := range u32s {
		b := AppendUvarint(nil, v)
		if want := binary.AppendUvarint(nil, uint64(v)); !bytes.Equal(b, want) || len(b) != UvarintSize(v) {
			t.Errorf("AppendUvarint(%d) = % x (size %d), want % x", v, b, UvarintSize(v), want)
		}
		if got, n := Uvarint(append(b, 0xff)); got != v || n != len(b) {
			t.Errorf("Uvarint(% x) = %d, %d", b, got, n)
		}
		if n := CompactLengthSize(int(v) - 1); v < math.MaxInt32 && n != len(AppendCompactLength(nil, int(v)-1)) {
			t.Errorf("CompactLengthSize(%d) = %d", int(v)-1, n)
		}
	}
	i64s := []int64{0, -1, 1, 63, -64, 64, math.MaxInt32, math.MinInt32, math.MaxInt32 + 1, math.MaxInt64, math.MinInt64}
	for _, v := range i64s {
		b := AppendVarlong(nil, v)
		if want := binary.AppendVarint(nil, v); !bytes.Equal(b, want) || len(b) != VarlongSize(v) {
			t.Errorf("AppendVarlong(%d) = % x, want % x", v, b, want)
		}
		if got, n := Varlong(b); got != v || n != len(b) {
			t.Errorf("Varlong(% x) = %d, %d", b, got, n)
		}
		got, n := Varint(b)
		fits := v >= math.MinInt32 && v <= math.MaxInt32
		if fits && (int64(got) != v || n != len(b)) || !fits && n != 0 {
			t.Errorf("Varint(% x) = %d, %d", b, got, n)
		}
	}
}

// Malformed input gives width 0: truncated, or longer than the type allows.
func TestMalformedVarints(t *testing.T) {
	for _, b := range [][]byte{nil, {0x80}, {0xff, 0xff, 0xff, 0xff}, {0xff, 0xff, 0xff, 0xff, 0x10}, {0x80, 0x80, 0x80, 0x80, 0x80, 0x00}} {
		if _, n := Uvarint(b); n != 0 {
			t.Errorf("Uvarint(% x) read %d bytes", b, n)
		}
	}
	eleven := bytes.Repeat([]byte{0xff}, 11)
	for _, b := range [][]byte{nil, {0x80}, eleven, append(bytes.Repeat([]byte{0xff}, 9), 0x02)} {
		if _, n := Varlong(b); n != 0 {
			t.Errorf("Varlong(% x) read %d bytes", b, n)
		}
	}
}

func TestLengthsAndNulls(t *testing.T) {
	cases := []struct {
		got, want []byte
	}{
		{AppendCompactLength(nil, Null), []byte{0}},
		{AppendCompactLength(nil, 0), []byte{1}},
		{AppendCompactLength(nil, 126), []byte{0x7f}},
		{AppendCompactLength(nil, 127), []byte{0x80, 0x01}},
		{AppendStringLength(nil, Null), []byte{0xff, 0xff}},
		{AppendArrayLength(nil, 3), []byte{0, 0, 0, 3}},
		{AppendTaggedField(nil, 300, []byte{9}), []byte{0xac, 0x02, 1, 9}},
		{AppendBool(AppendBool(nil, true), false), []byte{1, 0}},
		{AppendFloat64(nil, -0.5), []byte{0xbf, 0xe0, 0, 0, 0, 0, 0, 0}},
		{AppendUUID(nil, &[16]byte{15: 1}), append(make([]byte, 15), 1)},
		{AppendInt8(nil, -2), []byte{0xfe}},
		{AppendCompactString(nil, "ab"), []byte{3, 'a', 'b'}},
		{AppendString(nil, "ab"), []byte{0, 2, 'a', 'b'}},
		{AppendCompactString(nil, string(make([]byte, 127)))[:2], []byte{0x80, 0x01}},
	}
	for i, c := range cases {
		if !bytes.Equal(c.got, c.want) {
			t.Errorf("case %d: % x, want % x", i, c.got, c.want)
		}
	}
	if n, w := CompactLength([]byte{0}); n != Null || w != 1 {
		t.Errorf("CompactLength(00) = %d, %d", n, w)
	}
	// The widths agree with what the writers write.
	widths := []struct{ got, want int }{
		{len(AppendBool(nil, true)), BoolSize}, {len(AppendInt8(nil, 1)), Int8Size},
		{len(AppendInt16(nil, 1)), Int16Size}, {len(AppendInt32(nil, 1)), Int32Size},
		{len(AppendInt64(nil, 1)), Int64Size}, {len(AppendFloat64(nil, 1)), Float64Size},
		{len(AppendUUID(nil, &[16]byte{})), UUIDSize}, {len(AppendStringLength(nil, 1)), StringLengthSize},
		{len(AppendArrayLength(nil, 1)), ArrayLengthSize}, {len([]byte{EmptyTaggedFields}), EmptyTaggedFieldsSize},
	}
	for i, w := range widths {
		if w.got != w.want {
			t.Errorf("width %d: written %d, constant %d", i, w.got, w.want)
		}
	}
	if TaggedFieldSize(300, 1) != 4 {
		t.Errorf("TaggedFieldSize(300, 1) = %d", TaggedFieldSize(300, 1))
	}
}

func TestShortCompactLength(t *testing.T) {
	for c := 0; c < 256; c++ {
		n, ok := ShortCompactLength(byte(c))
		full, w := CompactLength([]byte{byte(c), 0x01})
		if ok != (w == 1) || ok && (n != full || ShortCompactLengthByte(n) != byte(c)) {
			t.Errorf("byte %#x: %d, %v; CompactLength %d over %d bytes", c, n, ok, full, w)
		}
	}
}

// The one-byte shortcuts agree with the full rules they shortcut.
func TestShortcutsAgree(t *testing.T) {
	for c := 0; c < 256; c++ {
		v, ok := ShortUvarint(byte(c))
		full, w := Uvarint([]byte{byte(c), 0x01})
		if ok != (w == 1) || ok && v != full {
			t.Errorf("byte %#x: ShortUvarint %d, %v; Uvarint %d over %d bytes", c, v, ok, full, w)
		}
	}
	for n := -1; n < 300; n++ {
		if short := n < ShortCompactLimit; short != (CompactLengthSize(n) == 1) {
			t.Errorf("length %d: below ShortCompactLimit %v, CompactLengthSize %d", n, short, CompactLengthSize(n))
		}
	}
	if marker := byte(StructNull); int8(marker) != -1 || StructPresent != 1 {
		t.Error("nullable struct markers")
	}
}

// AppendBytes moves big payloads in pieces: the bytes must be append's, at sizes
// around the threshold and the piece boundaries, into spare capacity and not.
func TestAppendBytesMatchesAppend(t *testing.T) {
	src := make([]byte, bigMove+3*movePiece+10)
	for i := range src {
		src[i] = byte(i*131 + i>>9)
	}
	sizes := []int{0, 1, movePiece - 1, movePiece, movePiece + 1, bigMove - 1, bigMove, bigMove + 1,
		bigMove + movePiece - 1, bigMove + movePiece, bigMove + movePiece + 1, 5 * movePiece, len(src)}
	for _, n := range sizes {
		for _, spare := range []int{0, 1, 4096} {
			prefix := []byte{0xa, 0xb, 0xc}
			dst := append(make([]byte, 0, len(prefix)+n+spare), prefix...)
			if spare == 0 && n > 0 {
				dst = dst[: len(prefix) : len(prefix)+n-1] // one byte short: append grows it
			}
			got := AppendBytes(dst, src[:n])
			want := append(append([]byte(nil), prefix...), src[:n]...)
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendBytes of %d bytes (spare %d): differs from append", n, spare)
			}
			if spare > 0 && &got[0] != &dst[:1][0] {
				t.Errorf("AppendBytes of %d bytes moved to a new buffer although it had room", n)
			}
		}
	}
}

// UvarintAt and CompactLengthAt read what Uvarint reads, at any offset, with the input
// ending anywhere after it (UvarintAt has its own path when five bytes remain).
func TestUvarintAtAgrees(t *testing.T) {
	values := []uint32{0, 1, 126, 127, 128, 1<<14 - 1, 1 << 14, 1<<20 + 1, 1<<21 - 1, 1 << 21, 1<<28 - 1, 1 << 28, 1<<32 - 1}
	var inputs [][]byte
	for _, v := range values {
		inputs = append(inputs, AppendUvarint(nil, v))
	}
	inputs = append(inputs,
		[]byte{0x80, 0x80, 0x80, 0x80, 0x10},       // a fifth byte beyond 32 bits
		[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, // six bytes
		[]byte{0xff, 0xff}, []byte{})
	for _, in := range inputs {
		for _, pad := range [][]byte{nil, {0}, {0, 0, 0, 0, 0, 0}} {
			for _, lead := range []int{0, 3} {
				b := append(append(make([]byte, lead), in...), pad...)
				for end := lead; end <= len(b); end++ {
					v, n := Uvarint(b[lead:end])
					gv, next := UvarintAt(b[:end], lead)
					if (n == 0) != (next < 0) || n > 0 && (gv != v || next != lead+n) {
						t.Fatalf("% x at %d: Uvarint %d, %d; UvarintAt %d, %d", b[:end], lead, v, n, gv, next)
					}
					l, ln := CompactLengthAt(b[:end], lead)
					if (n == 0) != (ln < 0) || n > 0 && l != int(v)-1 {
						t.Fatalf("% x at %d: CompactLengthAt %d, %d", b[:end], lead, l, ln)
					}
				}
			}
		}
	}
}

// EndTaggedField gives what AppendTaggedField writes, whether the size fits the one
// byte reserved for it or not.
func TestEndTaggedFieldAgrees(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 300, 20000} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i)
		}
		b := AppendUvarint([]byte("head"), 9)
		at := len(b)
		b = append(append(b, 0), data...)
		got := EndTaggedField(b, at)
		want := AppendTaggedField([]byte("head"), 9, data)
		if string(got) != string(want) {
			t.Errorf("%d bytes: EndTaggedField wrote %x, AppendTaggedField %x", n, got[:min(len(got), 12)], want[:min(len(want), 12)])
		}
	}
}
