package serial

import (
	"github.com/kio-go/kafka-protocol/kio/internal/arena"
	"strings"
	"testing"
)

type namedMsg struct {
	_     struct{} `kafka:"versions=0,flexible=0+"`
	Group string   `kafka:"type=string"`
	Host  *string  `kafka:"type=string,nullable=0+"`
	Long  string   `kafka:"type=string"`
}

// Decoded strings are copies: overwriting the input afterwards changes none of them,
// whether they came from the intern table (short) or the arena (long).
func TestDecodedStringsDoNotAliasTheInput(t *testing.T) {
	in := namedMsg{Group: "group-1", Host: str("broker-7.example"), Long: strings.Repeat("x", arena.MaxInternLen+10)}
	wire, out := roundTrip(t, &in, 0)
	for i := range wire {
		wire[i] = '!'
	}
	if out.Group != in.Group || *out.Host != *in.Host || out.Long != in.Long {
		t.Fatalf("decoded strings changed with the input: %q %q %q", out.Group, *out.Host, out.Long)
	}
}

// A *string is the caller's to assign through: two decodes of the same bytes share
// the interned string but never the cell.
func TestInternedStringPointersAreNotShared(t *testing.T) {
	wire, err := Marshal(&namedMsg{Host: str("h")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var a, b namedMsg
	if err := Unmarshal(wire, &a, 0); err != nil {
		t.Fatal(err)
	}
	if err := Unmarshal(wire, &b, 0); err != nil {
		t.Fatal(err)
	}
	*a.Host = "changed"
	if *b.Host != "h" {
		t.Fatalf("assigning through one decode's *string changed another's: %q", *b.Host)
	}
}

// Once seen, short strings cost nothing to decode again: a message of strings only
// decodes into a local without allocating.
func TestRepeatedStringsDoNotAllocate(t *testing.T) {
	type ids struct {
		_      struct{} `kafka:"versions=0,flexible=0+"`
		Group  string   `kafka:"type=string"`
		Member string   `kafka:"type=string"`
	}
	wire, err := Marshal(&ids{Group: "payments", Member: "consumer-1-5f2c"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		var m ids
		if err := Unmarshal(wire, &m, 0); err != nil || m.Member != "consumer-1-5f2c" {
			t.Fatalf("%+v %v", m, err)
		}
	})
	if allocs != 0 {
		t.Errorf("decoding seen strings allocated %v times", allocs)
	}
}
