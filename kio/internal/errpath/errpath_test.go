package errpath

import (
	"errors"
	"io"
	"reflect"
	"testing"
)

func TestPath(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Field("Name", ""), "Name"},
		{Index(2, ""), "[2]"},
		{Index(2, Field("Name", "")), "[2].Name"},
		{Field("Topics", Index(2, Field("Name", ""))), "Topics[2].Name"},
		{Field("a", Index(0, Index(1, ""))), "a[0][1]"},
		{Index(0, Field("batches", Index(3, ""))), "[0].batches[3]"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestCausef(t *testing.T) {
	err := Causef(ErrRange, "length %d exceeds %d", 9, 8)
	if !errors.Is(err, ErrRange) || errors.Is(err, ErrNull) || err.Error() != "value out of range: length 9 exceeds 8" {
		t.Errorf("got %v", err)
	}
}

func TestText(t *testing.T) {
	typ := reflect.TypeOf(struct{ A int }{})
	for _, c := range []struct {
		got, want string
	}{
		{Text("serial", "decode", typ, 12, "Topics[2].Name", 18, io.ErrUnexpectedEOF),
			"serial: decode struct { A int } v12 field Topics[2].Name at byte 18: unexpected EOF"},
		{Text("kafkajson", "marshal", nil, 3, "", -1, ErrNull), "kafkajson: marshal v3: unexpected null"},
		{Text("x", "check", nil, 0, "f", 0, nil), "x: check v0 field f at byte 0: "},
	} {
		if c.got != c.want {
			t.Errorf("got  %q\nwant %q", c.got, c.want)
		}
	}
}
