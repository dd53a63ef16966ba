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

// The reader's unsigned varints, read from a slice and from a stream a byte at a time,
// against the protocol guide's encoding.
func TestReaderUvarints(t *testing.T) {
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
		r := reader{buf: c.wire}
		if got := r.uvarint(); got != c.v || r.err != nil || r.off != len(c.wire) {
			t.Errorf("read uvarint % x = %d, %v", c.wire, got, r.err)
		}
		r = reader{src: bytes.NewReader(c.wire)}
		if got := r.uvarint(); got != c.v || r.err != nil {
			t.Errorf("stream uvarint % x = %d, %v", c.wire, got, r.err)
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
		r = reader{src: bytes.NewReader(wire)}
		r.uvarint()
		if !errors.Is(r.err, ErrRange) {
			t.Errorf("stream uvarint % x: err %v, want ErrRange", wire, r.err)
		}
	}
	r := reader{buf: []byte{0x80, 0x80}}
	if r.uvarint(); !errors.Is(r.err, ErrShortBuffer) {
		t.Errorf("cut short: err %v, want ErrShortBuffer", r.err)
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
