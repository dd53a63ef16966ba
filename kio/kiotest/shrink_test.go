package kiotest

import (
	"bytes"
	"math/rand"
	"reflect"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// minimalSample is the smallest sample at v4: every field null, empty, zero or (when
// tagged) at its default; fields absent at v4 at their defaults.
func minimalSample() sample {
	return sample{OnlyOld: 0x7fffffff, TaggedInt: -1, TaggedList: []int32{}, Data: nil, Items: nil}
}

// failingCheck runs a property expected to fail over sample at version and returns
// the original and the shrunk failing values.
func failingCheck(t *testing.T, version int16, fails func(sample) bool) (orig, shrunk sample, shrinks int) {
	t.Helper()
	params := gopter.DefaultTestParametersWithSeed(7)
	params.MinSuccessfulTests = 500
	res := prop.ForAll(func(s sample) bool { return !fails(s) }, Gen[sample](version)).Check(params)
	if res.Passed() || len(res.Args) != 1 {
		t.Fatalf("the property did not fail: %v", res.Status)
	}
	a := res.Args[0]
	return a.OrigArg.(sample), a.Arg.(sample), a.Shrinks
}

func encodedSize(t *testing.T, v any, version int16) int {
	t.Helper()
	b, err := serial.Marshal(v, version)
	if err != nil {
		t.Fatalf("a value gopter reported does not encode: %v", err)
	}
	return len(b)
}

func TestShrinkingFindsTheSmallestFailingValue(t *testing.T) {
	// Fails on two or more items: the smallest such value has exactly two minimal items.
	orig, shrunk, n := failingCheck(t, 4, func(s sample) bool { return len(s.Items) >= 2 })
	want := minimalSample()
	want.Items = []inner{{}, {}}
	if !reflect.DeepEqual(shrunk, want) {
		t.Errorf("shrunk to\n %+v\nwant\n %+v", shrunk, want)
	}
	if a, b := encodedSize(t, shrunk, 4), encodedSize(t, orig, 4); a >= b {
		t.Errorf("shrunk value of %d bytes, original %d", a, b)
	}
	t.Logf("two items: %d shrinks, %d bytes to %d", n, encodedSize(t, orig, 4), encodedSize(t, shrunk, 4))

	// Fails on an item with A above 1000: one item holding exactly 1001.
	orig, shrunk, n = failingCheck(t, 4, func(s sample) bool {
		for _, it := range s.Items {
			if it.A > 1000 {
				return true
			}
		}
		return false
	})
	want = minimalSample()
	want.Items = []inner{{A: 1001}}
	if !reflect.DeepEqual(shrunk, want) {
		t.Errorf("shrunk to\n %+v\nwant\n %+v", shrunk, want)
	}
	t.Logf("A > 1000: %d shrinks, %d bytes to %d", n, encodedSize(t, orig, 4), encodedSize(t, shrunk, 4))

	// Fails on a set tagged string: the tagged field stays set, shrunk to the empty string.
	_, shrunk, _ = failingCheck(t, 4, func(s sample) bool { return s.TaggedStr != nil })
	want = minimalSample()
	empty := ""
	want.TaggedStr = &empty
	if !reflect.DeepEqual(shrunk, want) {
		t.Errorf("shrunk to\n %+v\nwant\n %+v", shrunk, want)
	}

	// At v0 Data, Items and NullableName cannot be null: they shrink to empty, never to nil.
	_, shrunk, _ = failingCheck(t, 0, func(s sample) bool { return s.U > 7 })
	want = sample{OnlyOld: 0, New: "x,y", NullableName: &empty, Data: []byte{}, Items: []inner{}, U: 8,
		TaggedInt: -1, TaggedList: []int32{}}
	if !reflect.DeepEqual(shrunk, want) {
		t.Errorf("v0: shrunk to\n %+v\nwant\n %+v", shrunk, want)
	}
}

// TestEveryShrinkCandidateIsValid walks the shrink candidates of generated values at
// every version, two levels deep (at most 400 candidates of each parent, which is
// past the drastic ones to the element-by-element ones of most values): each must
// differ from its parent and round-trip, so shrinking never strays into values the
// codec cannot write.
func TestEveryShrinkCandidateIsValid(t *testing.T) {
	candidates := 0
	for version := int16(0); version <= 4; version++ {
		g, err := newGenerator(sampleType, version, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewSource(int64(version)))
		for range 15 {
			v := g.genStruct(r, g.top, 0).Interface()
			level := []any{v}
			for range 2 {
				var next []any
				for _, parent := range level {
					for _, c := range firstCandidates(g, parent, 400) {
						candidates++
						if reflect.DeepEqual(c, parent) {
							t.Fatalf("v%d: a candidate equal to its parent %+v", version, parent)
						}
						if err := RoundTrip(c, version); err != nil {
							t.Fatalf("v%d: candidate of %+v:\n%+v\n%v", version, parent, c, err)
						}
						if len(next) < 2 {
							next = append(next, c)
						}
					}
				}
				level = next
			}
		}
	}
	t.Logf("%d shrink candidates round-tripped", candidates)
}

// withRecords has a records field as Produce and Fetch do.
type withRecords struct {
	_           struct{}    `kafka:"request,apiKey=1001,versions=0-1,flexible=1+"`
	Records     []byte      `kafka:"type=records,nullable=0+"`
	UnknownTags kio.RawTags `kafka:"unknownTags"`
}

func TestRecordsAreValidBatchesWhenAsked(t *testing.T) {
	valid := func(b []byte) bool {
		batches, rest, err := records.ReadBatches(b)
		return err == nil && len(rest) == 0 && len(batches) > 0
	}
	for _, version := range []int16{0, 1} {
		g, err := newGenerator(reflect.TypeFor[withRecords](), version, []Option{WithRecords()})
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewSource(1))
		codecs, twoBatches := map[records.Compression]bool{}, 0
		for range 200 {
			v := g.genStruct(r, g.top, 0).Interface().(withRecords)
			if v.Records == nil {
				continue
			}
			if !valid(v.Records) {
				t.Fatalf("v%d: records that do not decode: %x", version, v.Records)
			}
			batches, _, _ := records.ReadBatches(v.Records)
			for _, b := range batches {
				codecs[b.Compression] = true
			}
			if len(batches) == 2 {
				twoBatches++
			}
			if err := RoundTrip(v, version); err != nil {
				t.Fatal(err)
			}
			s := g.shrink(v)
			for c, ok := s(); ok; c, ok = s() {
				cr := c.(withRecords).Records
				if bytes.Equal(cr, v.Records) {
					continue // another field shrunk
				}
				if len(cr) > 0 && !valid(cr) || len(cr) >= len(v.Records) {
					orig, _, _ := records.ReadBatches(v.Records)
					back, _, _ := records.ReadBatches(cr)
					t.Fatalf("shrunk records not smaller valid batches: %d bytes (%d batches) from %d (%d): %x", len(cr), len(back), len(v.Records), len(orig), cr)
				}
			}
		}
		if len(codecs) != len(compressions) || twoBatches == 0 {
			t.Errorf("v%d: codecs %v, %d values of two batches", version, codecs, twoBatches)
		}
	}
	// Without the option the field holds arbitrary bytes.
	g := Gen[withRecords](0, WithLimits(Limits{MaxBytes: 64}))
	r := rand.New(rand.NewSource(1))
	invalid := 0
	for range 50 {
		if b := Sample(g, r).(withRecords).Records; len(b) > 0 && !valid(b) {
			invalid++
		}
	}
	if invalid == 0 {
		t.Error("without WithRecords every records value was a valid batch")
	}
}

func TestShrinkStringsOnRuneBoundaries(t *testing.T) {
	for _, s := range []string{"a", "ab", "éß🙂x", "世界世界世界"} {
		for _, c := range shorterStrings(s) {
			if len(c) >= len(s) || !bytes.HasPrefix([]byte(s), []byte(c)) {
				t.Errorf("%q: candidate %q", s, c)
			}
			if !isValidUTF8(c) {
				t.Errorf("%q: candidate %q is not UTF-8", s, c)
			}
		}
	}
}

func isValidUTF8(s string) bool { return string([]rune(s)) == s }

// firstCandidates returns v's first n shrink candidates, fewer if it has fewer.
func firstCandidates(g *generator, v any, n int) []any {
	var out []any
	s := g.shrink(v)
	for c, ok := s(); ok && len(out) < n; c, ok = s() {
		out = append(out, c)
	}
	return out
}

// TestShrinkCandidatesOfEveryMessageAreValid does the same for every message of the
// schema at its lowest and highest version: the first 100 candidates of two values each.
func TestShrinkCandidatesOfEveryMessageAreValid(t *testing.T) {
	candidates, messages := 0, 0
	for _, m := range schema.Messages() {
		messages++
		for _, version := range []int16{m.Versions.Lo, m.Versions.Hi} {
			g, err := newGenerator(m.Type, version, nil)
			if err != nil {
				t.Fatalf("%s v%d: %v", m.Name, version, err)
			}
			r := rand.New(rand.NewSource(int64(version)))
			for range 2 {
				v := g.genStruct(r, g.top, 0).Interface()
				for _, c := range firstCandidates(g, v, 100) {
					candidates++
					if err := RoundTrip(c, version); err != nil {
						t.Fatalf("%s v%d: candidate of %+v:\n%+v\n%v", m.Name, version, v, c, err)
					}
				}
			}
		}
	}
	t.Logf("%d shrink candidates of %d messages round-tripped", candidates, messages)
}
