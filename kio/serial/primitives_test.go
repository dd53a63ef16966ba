package serial

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"
)

// Expected bytes here are written from the protocol guide: big-endian fixed ints,
// unsigned varints 7 bits a byte low first, zig-zag for signed varints.

func TestAppendFixed(t *testing.T) {
	check := func(name string, got, want []byte) {
		t.Helper()
		if !bytes.Equal(got, want) {
			t.Errorf("%s = % x, want % x", name, got, want)
		}
	}
	check("int8 -2", appendInt8(nil, -2), []byte{0xfe})
	check("int16 0x0102", appendInt16(nil, 0x0102), []byte{0x01, 0x02})
	check("int16 -1", appendInt16(nil, -1), []byte{0xff, 0xff})
	check("int32", appendInt32(nil, 0x01020304), []byte{1, 2, 3, 4})
	check("int64", appendInt64(nil, -2), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe})
	check("bool", appendBool(appendBool(nil, true), false), []byte{1, 0})
	check("float64 1.5", appendFloat64(nil, 1.5), []byte{0x3f, 0xf8, 0, 0, 0, 0, 0, 0})
}

func TestVarints(t *testing.T) {
	uv := []struct {
		v    uint32
		wire []byte
	}{
		{0, []byte{0x00}},
		{1, []byte{0x01}},
		{127, []byte{0x7f}},
		{128, []byte{0x80, 0x01}},
		{300, []byte{0xac, 0x02}},
		{math.MaxUint32, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}},
	}
	for _, c := range uv {
		if got := appendUvarint(nil, c.v); !bytes.Equal(got, c.wire) {
			t.Errorf("uvarint %d = % x, want % x", c.v, got, c.wire)
		}
		if uvarintSize(c.v) != len(c.wire) {
			t.Errorf("uvarintSize(%d) = %d", c.v, uvarintSize(c.v))
		}
		r := reader{buf: c.wire}
		if got := r.uvarint(); got != c.v || r.err != nil || r.off != len(c.wire) {
			t.Errorf("read uvarint % x = %d, %v", c.wire, got, r.err)
		}
	}
	sv := []struct {
		v    int32
		wire []byte
	}{
		{0, []byte{0x00}}, {-1, []byte{0x01}}, {1, []byte{0x02}}, {-2, []byte{0x03}},
		{63, []byte{0x7e}}, {-64, []byte{0x7f}}, {64, []byte{0x80, 0x01}},
		{math.MaxInt32, []byte{0xfe, 0xff, 0xff, 0xff, 0x0f}},
		{math.MinInt32, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}},
	}
	for _, c := range sv {
		if got := appendVarint(nil, c.v); !bytes.Equal(got, c.wire) {
			t.Errorf("varint %d = % x, want % x", c.v, got, c.wire)
		}
		r := reader{buf: c.wire}
		if got := r.varint(); got != c.v || r.err != nil {
			t.Errorf("read varint % x = %d, %v", c.wire, got, r.err)
		}
	}
	lv := []struct {
		v    int64
		wire []byte
	}{
		{-1, []byte{0x01}}, {150, []byte{0xac, 0x02}},
		{math.MinInt64, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
	}
	for _, c := range lv {
		if got := appendVarlong(nil, c.v); !bytes.Equal(got, c.wire) {
			t.Errorf("varlong %d = % x, want % x", c.v, got, c.wire)
		}
		r := reader{buf: c.wire}
		if got := r.varlong(); got != c.v || r.err != nil {
			t.Errorf("read varlong % x = %d, %v", c.wire, got, r.err)
		}
	}
}

func TestVarintOverflow(t *testing.T) {
	for _, wire := range [][]byte{
		{0xff, 0xff, 0xff, 0xff, 0x10},       // fifth byte carries bits past 32
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, // six bytes
	} {
		r := reader{buf: wire}
		r.uvarint()
		if !errors.Is(r.err, ErrRange) {
			t.Errorf("uvarint % x: err %v, want ErrRange", wire, r.err)
		}
	}
	ten := bytes.Repeat([]byte{0x80}, 10)
	r := reader{buf: ten}
	r.uvarlong()
	if !errors.Is(r.err, ErrRange) {
		t.Errorf("10 continuation bytes: err %v, want ErrRange", r.err)
	}
}

func TestReaderShortAndSticky(t *testing.T) {
	r := reader{buf: []byte{0x00, 0x01, 0x02}}
	if r.int16() != 1 {
		t.Fatal("int16")
	}
	if r.int32() != 0 || !errors.Is(r.err, ErrShortBuffer) || !errors.Is(r.err, io.ErrUnexpectedEOF) {
		t.Fatalf("want a short-buffer error matching io.ErrUnexpectedEOF, got %v", r.err)
	}
	if r.failAt != 2 {
		t.Errorf("failAt = %d, want 2", r.failAt)
	}
	// The error sticks: a later read that would fit still fails.
	if r.int8() != 0 || r.off != 2 {
		t.Error("reads after an error must not advance")
	}
}

func TestReaderFromStreamReadsExactly(t *testing.T) {
	src := bytes.NewReader([]byte{0, 0, 0, 7, 0xaa, 0xbb})
	r := reader{src: src}
	if r.int32() != 7 || r.int8() != -86 || r.err != nil {
		t.Fatalf("stream read: %v", r.err)
	}
	if src.Len() != 1 {
		t.Errorf("reader consumed %d bytes more than asked", 1-src.Len())
	}
	r.int16()
	if !errors.Is(r.err, io.ErrUnexpectedEOF) {
		t.Errorf("short stream: %v", r.err)
	}
}

func TestReaderRefusesHugeWithoutAllocating(t *testing.T) {
	r := reader{buf: []byte{1, 2, 3}}
	if r.take(1<<31) != nil || !errors.Is(r.err, ErrShortBuffer) {
		t.Errorf("take beyond the input: %v", r.err)
	}
	in := []byte{1, 2, 3}
	allocs := testing.AllocsPerRun(10, func() {
		rr := reader{buf: in}
		rr.take(1 << 30)
	})
	if allocs > 0 {
		t.Errorf("refusing a huge take allocated %v times", allocs)
	}
}

// peekUvarint must agree with the reader on every complete varint and give width 0,
// consuming nothing, where the reader would fail.
func TestPeekUvarint(t *testing.T) {
	cases := []struct {
		in    []byte
		v     uint32
		width int
	}{
		{[]byte{0x00}, 0, 1},
		{[]byte{0x7f, 0xff}, 127, 1},
		{[]byte{0x80, 0x01}, 128, 2},
		{[]byte{0x81, 0x80, 0x40}, 1 + 1<<20, 3},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, math.MaxUint32, 5},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x10}, 0, 0}, // bits past 32
		{[]byte{0x80, 0x80}, 0, 0},                   // cut short
		{nil, 0, 0},
	}
	for _, c := range cases {
		v, w := peekUvarint(c.in)
		if v != c.v || w != c.width {
			t.Errorf("peekUvarint(% x) = %d, %d; want %d, %d", c.in, v, w, c.v, c.width)
		}
		r := reader{buf: c.in}
		rv := r.uvarint()
		if c.width > 0 && (rv != c.v || r.off != c.width || r.err != nil) {
			t.Errorf("reader disagrees on % x: %d at %d, %v", c.in, rv, r.off, r.err)
		}
		if c.width == 0 && r.err == nil {
			t.Errorf("reader accepted % x", c.in)
		}
	}
}
