package tags

import (
	"errors"
	"math"
	"testing"
)

func TestParseRange(t *testing.T) {
	cases := []struct {
		in   string
		want Range
	}{
		{"3", Range{3, 3}},
		{"0-5", Range{0, 5}},
		{"9+", Range{9, math.MaxInt16}},
		{"0+", All()},
		{"none", None()},
	}
	for _, c := range cases {
		got, err := ParseRange(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseRange(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
		if got.String() != c.in {
			t.Errorf("Range(%q).String() = %q", c.in, got.String())
		}
	}
	for _, bad := range []string{"", "x", "5-3", "-1", "1-", "+", "1+2", " 1", "40000", "1--2"} {
		if r, err := ParseRange(bad); err == nil {
			t.Errorf("ParseRange(%q) = %v, want an error", bad, r)
		}
	}
}

func TestRangeOps(t *testing.T) {
	r := Range{2, 5}
	for v, want := range map[int16]bool{1: false, 2: true, 5: true, 6: false} {
		if r.Contains(v) != want {
			t.Errorf("%v.Contains(%d) != %v", r, v, want)
		}
	}
	if None().Contains(0) || !None().IsNone() || None().IsOpen() {
		t.Error("None misbehaves")
	}
	if !All().IsOpen() || All().IsNone() {
		t.Error("All misbehaves")
	}
	if got := r.Intersect(Range{4, 9}); got != (Range{4, 5}) {
		t.Errorf("intersect = %v", got)
	}
	if got := r.Intersect(Range{6, 9}); !got.IsNone() {
		t.Errorf("disjoint intersect = %v", got)
	}
}

func TestParseMessage(t *testing.T) {
	m, err := ParseMessage("request,apiKey=3,versions=0-12,flexible=9+,deprecated=0-3,latestUnstable,listeners=broker|zkBroker")
	if err != nil {
		t.Fatal(err)
	}
	want := Message{Kind: Request, APIKey: 3, Versions: Range{0, 12}, Flexible: Range{9, math.MaxInt16}, Deprecated: Range{0, 3}, LatestUnstable: true}
	if m.Kind != want.Kind || m.APIKey != want.APIKey || m.Versions != want.Versions || m.Flexible != want.Flexible ||
		m.Deprecated != want.Deprecated || !m.LatestUnstable || len(m.Listeners) != 2 || m.Listeners[1] != "zkBroker" {
		t.Errorf("got %+v", m)
	}
	m, err = ParseMessage("")
	if err != nil || m.Kind != Plain || m.Versions != All() || !m.Flexible.IsNone() || m.APIKey != -1 {
		t.Errorf("empty marker: %+v %v", m, err)
	}
	for _, bad := range []string{"request", "versions=0-12,request,apiKey=1", "bogus", "apiKey=x", "versions=9-1", "data,data", "frob=1", "apiKey=-1"} {
		if _, err := ParseMessage(bad); err == nil {
			t.Errorf("ParseMessage(%q): want an error", bad)
		} else if !errors.As(err, new(*Error)) {
			t.Errorf("ParseMessage(%q): error %v is not a *tags.Error", bad, err)
		}
	}
}

func TestParseField(t *testing.T) {
	f, err := ParseField("type=[]int32,versions=1-4,nullable=2+,tag=3,tagged=3+,default='a,b',ignorable,flexible=none")
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != "[]int32" || f.Versions != (Range{1, 4}) || f.Nullable != (Range{2, math.MaxInt16}) || f.Tag != 3 ||
		f.Tagged != (Range{3, math.MaxInt16}) || f.Default != "a,b" || !f.HasDefault || !f.Ignorable ||
		!f.HasFlexible || !f.Flexible.IsNone() || !f.IsTagged() {
		t.Errorf("got %+v", f)
	}
	f, err = ParseField("")
	if err != nil || f.Versions != All() || !f.Nullable.IsNone() || f.IsTagged() || f.HasDefault || f.Type != "" {
		t.Errorf("empty tag: %+v %v", f, err)
	}
	f, err = ParseField("default=0x7fffffff")
	if err != nil || f.Default != "0x7fffffff" {
		t.Errorf("hex default: %+v %v", f, err)
	}
	if f, _ := ParseField("-"); !f.Skip {
		t.Error("- does not skip")
	}
	if f, err := ParseField("unknownTags"); err != nil || !f.UnknownTags {
		t.Errorf("unknownTags: %+v %v", f, err)
	}
	for _, bad := range []string{
		"tag=1", "tagged=1+", "type=", "versions=x", "nope", "zz=1", "type=int8,type=int8",
		"default='x", "tag=-2,tagged=0+", "unknownTags,versions=0+", "a,,b", "type=int8,", "de'f=1",
	} {
		if _, err := ParseField(bad); err == nil {
			t.Errorf("ParseField(%q): want an error", bad)
		} else if !errors.As(err, new(*Error)) {
			t.Errorf("ParseField(%q): error %v is not a *tags.Error", bad, err)
		}
	}
}

func TestKindString(t *testing.T) {
	if Request.String() != "request" || Data.String() != "data" || Kind(9).String() != "kind(9)" {
		t.Error("kind names")
	}
}

// TestItemReasons: what a *Error says of a bad item, per rule (the repeated key, a
// number out of its range, a bad range), for marker and field tags alike.
func TestItemReasons(t *testing.T) {
	for _, c := range []struct {
		tag, item, reason string
		field             bool
	}{
		{"request,apiKey=40000", "apiKey=40000", "apiKey must be a non-negative int16", false},
		{"request,apiKey=-1", "apiKey=-1", "apiKey must be a non-negative int16", false},
		{"request,apiKey=1,versions=0,versions=1", "versions=1", "repeated key", false},
		{"tag=-2,tagged=0+", "tag=-2", "tag must be a non-negative int32", true},
		{"tag=3000000000,tagged=0+", "tag=3000000000", "tag must be a non-negative int32", true},
		{"nullable=0+,nullable=1+", "nullable=1+", "repeated key", true},
	} {
		var err error
		if c.field {
			_, err = ParseField(c.tag)
		} else {
			_, err = ParseMessage(c.tag)
		}
		var te *Error
		if !errors.As(err, &te) || te.Item != c.item || te.Reason != c.reason {
			t.Errorf("%q: %v, want item %q: %s", c.tag, err, c.item, c.reason)
		}
	}
	if f, err := ParseField("tag=2147483647,tagged=0+"); err != nil || f.Tag != 2147483647 {
		t.Errorf("largest tag: %+v %v", f, err)
	}
}
