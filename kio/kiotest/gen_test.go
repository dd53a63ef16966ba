package kiotest

import (
	"errors"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// inner is nested in sample: it inherits sample's flexibility.
type inner struct {
	A           int32       `kafka:"versions=0+"`
	S           *string     `kafka:"versions=1+,nullable=2+,default=null"`
	UnknownTags kio.RawTags `kafka:"unknownTags"`
}

// sample exercises each rule of the generator; the expectations below are written out
// per field from these tags.
type sample struct {
	_            struct{}    `kafka:"request,apiKey=99,versions=0-4,flexible=3+"`
	Plain        int16       `kafka:"default=-1"`
	OnlyOld      int32       `kafka:"versions=0-1,default=0x7fffffff"`
	New          string      `kafka:"versions=2+,default='x,y'"`
	NullableName *string     `kafka:"versions=0+,nullable=1+"`
	Data         []byte      `kafka:"type=bytes,nullable=2+"`
	Items        []inner     `kafka:"type=[]inner,nullable=4+"`
	Ptr          *inner      `kafka:"versions=1+,nullable=1+,default=null"`
	Nested       inner       `kafka:"versions=3+"`
	TaggedInt    int32       `kafka:"versions=3+,tag=0,tagged=3+,default=-1"`
	TaggedList   []int32     `kafka:"versions=3+,tag=1,tagged=3+"`
	TaggedStr    *string     `kafka:"versions=4+,tag=2,tagged=4+,nullable=4+,default=null"`
	TaggedStruct inner       `kafka:"versions=3+,tag=5,tagged=3+"`
	Flag         bool        `kafka:"versions=0+,default=true"`
	ID           kio.UUID    `kafka:"versions=1+"`
	F            float64     `kafka:"versions=2+"`
	U            uint16      `kafka:"versions=0+"`
	V            int64       `kafka:"type=int64"`
	Skipped      int         `kafka:"-"`
	UnknownTags  kio.RawTags `kafka:"unknownTags"`
}

var sampleType = reflect.TypeFor[sample]()

const casesPerVersion = 400

// samples generates n values of sample at version with a fixed seed.
func samples(t *testing.T, version int16, n int, opts ...Option) []sample {
	t.Helper()
	g, err := NewGen(sampleType, version, opts...)
	if err != nil {
		t.Fatalf("NewGen at v%d: %v", version, err)
	}
	r := rand.New(rand.NewSource(int64(version) + 1))
	out := make([]sample, n)
	for i := range out {
		out[i] = Sample(g, r).(sample)
	}
	return out
}

// reached counts, over values, how often each named condition held.
type reached map[string]int

func (r reached) note(name string, cond bool) {
	if cond {
		r[name]++
	}
}

// require fails unless each of the conditions was seen at least once.
func (r reached) require(t *testing.T, version int16, names ...string) {
	t.Helper()
	for _, n := range names {
		if r[n] == 0 {
			t.Errorf("v%d: never generated %s", version, n)
		}
	}
}

func TestValuesFollowTagsAtEveryVersion(t *testing.T) {
	for version := int16(0); version <= 4; version++ {
		flexible := version >= 3
		seen := reached{}
		for _, s := range samples(t, version, casesPerVersion) {
			if err := RoundTrip(s, version); err != nil {
				t.Fatalf("v%d: %v", version, err)
			}
			fail := func(format string, args ...any) {
				t.Helper()
				t.Fatalf("v%d: "+format+"\nvalue: %+v", append([]any{version}, append(args, s)...)...)
			}
			checkInner := func(where string, in inner, present bool) {
				t.Helper()
				switch {
				case version < 1 && in.S != nil:
					fail("%s.S set at a version without it", where)
				case version == 1 && present && in.S == nil:
					fail("%s.S null at v1, where it is not nullable", where)
				case !flexible && in.UnknownTags != nil:
					fail("%s.UnknownTags set in a classic version", where)
				}
				if present && version >= 2 {
					seen.note(where+".S null", in.S == nil)
					seen.note(where+".S non-null", in.S != nil)
				}
				checkRawTags(t, in.UnknownTags, 1000)
			}

			if version >= 2 && s.OnlyOld != 0x7fffffff {
				fail("OnlyOld not at its default")
			}
			if version < 2 && s.New != "x,y" {
				fail("New not at its default")
			}
			if version < 1 && s.NullableName == nil {
				fail("NullableName null at v0")
			}
			if version < 2 && s.Data == nil {
				fail("Data null before v2")
			}
			if version < 4 && s.Items == nil {
				fail("Items null before v4")
			}
			if version < 1 && s.Ptr != nil {
				fail("Ptr set at v0, which lacks it")
			}
			if version < 3 && !reflect.DeepEqual(s.Nested, inner{}) {
				fail("Nested not at its default before v3")
			}
			// An array without a default literal defaults to empty, not nil.
			if version < 3 && (s.TaggedInt != -1 || s.TaggedList == nil || len(s.TaggedList) != 0 || !reflect.DeepEqual(s.TaggedStruct, inner{})) {
				fail("tagged fields not at their defaults before v3")
			}
			if version < 4 && s.TaggedStr != nil {
				fail("TaggedStr set before v4")
			}
			if !flexible && s.UnknownTags != nil {
				fail("UnknownTags set in a classic version")
			}
			if version < 1 && s.ID != (kio.UUID{}) {
				fail("ID set at v0")
			}
			if version < 2 && s.F != 0 {
				fail("F set before v2")
			}
			if math.IsNaN(s.F) || math.IsInf(s.F, 0) {
				fail("F not finite")
			}
			if s.Skipped != 0 {
				fail("a `kafka:\"-\"` field was filled")
			}
			for _, str := range []string{s.New, deref(s.NullableName), deref(s.TaggedStr)} {
				checkString(t, str)
			}
			if len(s.Items) > 4 || !shortOrLong(len(s.TaggedList), 4, 100, 150) || !shortOrLong(len(s.Data), 16, 100, 300) {
				fail("an array or bytes outside the length limits")
			}
			seen.note("Data long", len(s.Data) >= 128)
			seen.note("TaggedList long", len(s.TaggedList) >= 128)
			seen.note("NullableName long", len(deref(s.NullableName)) >= 128)
			checkRawTags(t, s.UnknownTags, 1000)
			for i, it := range s.Items {
				checkInner("Items["+string(rune('0'+i))+"]", it, true)
			}
			if s.Ptr != nil {
				checkInner("Ptr", *s.Ptr, true)
			}
			checkInner("Nested", s.Nested, version >= 3)
			checkInner("TaggedStruct", s.TaggedStruct, version >= 3)

			if version >= 1 {
				seen.note("NullableName null", s.NullableName == nil)
				seen.note("NullableName non-null", s.NullableName != nil)
				seen.note("Ptr null", s.Ptr == nil)
				seen.note("Ptr non-null", s.Ptr != nil)
			}
			if version >= 2 {
				seen.note("Data null", s.Data == nil)
				seen.note("Data empty", s.Data != nil && len(s.Data) == 0)
			}
			if version >= 4 {
				seen.note("Items null", s.Items == nil)
				seen.note("TaggedStr default", s.TaggedStr == nil)
				seen.note("TaggedStr set", s.TaggedStr != nil)
			}
			if flexible {
				seen.note("TaggedInt default", s.TaggedInt == -1)
				seen.note("TaggedInt set", s.TaggedInt != -1)
				// Its default is the empty array; a set one is never empty (nil and empty
				// are one value where null cannot be written).
				seen.note("TaggedList default", s.TaggedList != nil && len(s.TaggedList) == 0)
				if s.TaggedList == nil {
					fail("TaggedList nil rather than its empty default")
				}
				seen.note("TaggedList set", len(s.TaggedList) > 0)
				seen.note("TaggedStruct default", reflect.DeepEqual(s.TaggedStruct, inner{}))
				seen.note("TaggedStruct set", !reflect.DeepEqual(s.TaggedStruct, inner{}))
				seen.note("UnknownTags set", s.UnknownTags != nil)
				seen.note("UnknownTags unset", s.UnknownTags == nil)
				seen.note("Nested.UnknownTags set", s.Nested.UnknownTags != nil)
			}
			seen.note("Items empty", s.Items != nil && len(s.Items) == 0)
			seen.note("Items full", len(s.Items) == 4)
		}
		seen.require(t, version, "Items empty", "Items full", "Data long", "NullableName long")
		if flexible {
			seen.require(t, version, "TaggedList long")
		}
		if version >= 1 {
			seen.require(t, version, "NullableName null", "NullableName non-null", "Ptr null", "Ptr non-null")
		}
		if version >= 2 {
			seen.require(t, version, "Data null", "Data empty", "Items[0].S null", "Items[0].S non-null")
		}
		if version >= 4 {
			seen.require(t, version, "Items null", "TaggedStr default", "TaggedStr set")
		}
		if flexible {
			seen.require(t, version, "TaggedInt default", "TaggedInt set", "TaggedList default", "TaggedList set",
				"TaggedStruct default", "TaggedStruct set", "UnknownTags set", "UnknownTags unset", "Nested.UnknownTags set",
				"Nested.S null", "Nested.S non-null")
		}
	}
}

// shortOrLong reports whether n is a short length (up to short) or a long one.
func shortOrLong(n, short, longMin, longMax int) bool {
	return n <= short || (n >= longMin && n <= longMax)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func checkString(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) || !shortOrLong(utf8.RuneCountInString(s), 16, 100, 200) || len(s) > 32767 {
		t.Fatalf("string %q: not valid UTF-8 or too long", s)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			t.Fatalf("string %q: unprintable rune %q", s, r)
		}
	}
}

// checkRawTags checks unknown tags: nil or 1-2 entries, ids from min, non-nil data.
func checkRawTags(t *testing.T, tags kio.RawTags, min uint32) {
	t.Helper()
	if tags == nil {
		return
	}
	if len(tags) == 0 || len(tags) > 2 {
		t.Fatalf("unknown tags %v: want 1 or 2", tags)
	}
	for id, data := range tags {
		if id < min {
			t.Fatalf("unknown tags %v: ids must start from %d", tags, min)
		}
		if data == nil || !shortOrLong(len(data), 16, 100, 300) {
			t.Fatalf("unknown tags %v: data nil or too long", tags)
		}
	}
}

func TestCoverageRecordsEveryState(t *testing.T) {
	cov := NewCoverage()
	for version := int16(0); version <= 4; version++ {
		samples(t, version, casesPerVersion, WithCoverage(cov))
	}
	if missing := cov.Missing(); len(missing) != 0 {
		t.Errorf("states never reached: %v", missing)
	}
	want := map[string]State{
		"kiotest.sample.NullableName": Null | NonNull,
		"kiotest.sample.Data":         Null | NonNull,
		"kiotest.sample.Items":        Null | NonNull | Empty | NonEmpty,
		"kiotest.sample.Ptr":          Null | NonNull,
		"kiotest.sample.TaggedInt":    Set | Unset,
		"kiotest.sample.TaggedList":   Set | Unset | Empty | NonEmpty,
		"kiotest.sample.TaggedStr":    Null | NonNull | Set | Unset,
		"kiotest.sample.TaggedStruct": Set | Unset,
		"kiotest.sample.UnknownTags":  Set | Unset,
		"kiotest.inner.S":             Null | NonNull,
		"kiotest.inner.UnknownTags":   Set | Unset,
	}
	got := map[string]State{}
	for _, f := range cov.Fields() {
		got[f.Name()] = f.Want
		if f.Seen != f.Want {
			t.Errorf("%v", f)
		}
		if f.UnknownTags != strings.HasSuffix(f.Name(), ".UnknownTags") {
			t.Errorf("%s: UnknownTags = %v", f.Name(), f.UnknownTags)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("wanted states:\n got %v\nwant %v", got, want)
	}
	s, w := cov.Summary(), "nullable 6/6, tagged 4/4, unknownTags 2/2, arrays 2/2 fields reached in every state"
	t.Logf("coverage: %s", s)
	if s != w {
		t.Errorf("Summary() = %q, want %q", s, w)
	}
}

func TestCoverageReportsUnreachedStates(t *testing.T) {
	cov := NewCoverage()
	// v0 is classic, and no field is nullable there: only arrays want states.
	samples(t, 0, 5, WithCoverage(cov))
	for _, f := range cov.Fields() {
		if f.Want&^(Empty|NonEmpty) != 0 {
			t.Errorf("v0 wants %v", f)
		}
	}
	// Building a generator without generating anything leaves every wanted state missing.
	cov = NewCoverage()
	if _, err := NewGen(sampleType, 4, WithCoverage(cov)); err != nil {
		t.Fatal(err)
	}
	missing := cov.Missing()
	if len(missing) != 11 {
		t.Fatalf("missing %d fields, want all 11: %v", len(missing), missing)
	}
	for _, f := range missing {
		if f.Seen != 0 || f.Missing() != f.Want {
			t.Errorf("%v: seen without generating", f)
		}
	}
	if s := cov.Summary(); !strings.HasPrefix(s, "nullable 0/6, tagged 0/4, unknownTags 0/2, arrays 0/2") {
		t.Errorf("Summary() = %q", s)
	}
}

func TestDeterministicPerSeed(t *testing.T) {
	a := samples(t, 4, 50)
	b := samples(t, 4, 50)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different values")
	}
}

func TestGenWorksWithGopter(t *testing.T) {
	t.Setenv(CasesEnv, "") // the count below must not follow a long local run's setting
	t.Setenv(SeedEnv, "")
	params := Parameters(25)
	if params.MinSuccessfulTests != 25 || params.Seed() != DefaultSeed {
		t.Fatalf("Parameters(25): %d cases, seed %d", params.MinSuccessfulTests, params.Seed())
	}
	count := 0
	props := gopter.NewProperties(params)
	props.Property("values have the generated type", prop.ForAll(func(v sample) bool {
		count++
		return v.Data != nil // Data is nullable from v2 only
	}, Gen[sample](1)))
	props.TestingRun(t)
	if count != 25 {
		t.Errorf("property ran %d times, want 25", count)
	}
}

func TestCasesAndSeedFromEnvironment(t *testing.T) {
	t.Setenv(CasesEnv, "1234")
	t.Setenv(SeedEnv, "77")
	if p := Parameters(10); p.MinSuccessfulTests != 1234 || p.Seed() != 77 {
		t.Errorf("Parameters: %d cases, seed %d; want 1234, 77", p.MinSuccessfulTests, p.Seed())
	}
	t.Setenv(CasesEnv, "lots")
	t.Setenv(SeedEnv, "")
	if p := Parameters(10); p.MinSuccessfulTests != 10 || p.Seed() != DefaultSeed {
		t.Errorf("Parameters with bad env: %d cases, seed %d; want 10, default", p.MinSuccessfulTests, p.Seed())
	}
}

// tree nests itself, so only the depth limit stops it.
type tree struct {
	Children []tree `kafka:"type=[]tree"`
	Next     *tree  `kafka:"type=tree,nullable=0+"`
}

func depth(tr tree) int {
	d := 0
	for _, c := range tr.Children {
		d = max(d, depth(c))
	}
	if tr.Next != nil {
		d = max(d, depth(*tr.Next))
	}
	return 1 + d
}

func TestDepthLimit(t *testing.T) {
	g, err := NewGen(reflect.TypeFor[tree](), 0, WithLimits(Limits{MaxDepth: 3}))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	deepest := 0
	for range 200 {
		deepest = max(deepest, depth(Sample(g, r).(tree)))
	}
	// The top struct is depth 0; structs at depth 3 get no children.
	if deepest != 4 {
		t.Errorf("deepest tree %d levels, want 4", deepest)
	}
}

// unmarked has no marker: classic at every version, as the codec reads it.
type unmarked struct {
	A           int8
	UnknownTags kio.RawTags `kafka:"unknownTags"`
}

func TestUnmarkedIsClassic(t *testing.T) {
	g := GenOf(reflect.TypeFor[unmarked](), 7)
	r := rand.New(rand.NewSource(1))
	for range 100 {
		v := Sample(g, r).(unmarked)
		if v.UnknownTags != nil {
			t.Fatalf("unknown tags in a classic struct: %+v", v)
		}
		if err := RoundTrip(v, 7); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLimits(t *testing.T) {
	for _, l := range []Limits{{MaxString: maxStringRunes + 1}, {MaxString: -1}, {MaxBytes: maxBytesLimit + 1}} {
		if _, err := NewGen(sampleType, 0, WithLimits(l)); err == nil {
			t.Errorf("limits %+v accepted", l)
		}
	}
	g, err := NewGen(sampleType, 4, WithLimits(Limits{MaxString: 2, MaxBytes: 3, MaxElems: 1, LongOneIn: -1}))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	for range 200 {
		s := Sample(g, r).(sample)
		if utf8.RuneCountInString(s.New) > 2 || len(s.Data) > 3 || len(s.Items) > 1 || len(s.TaggedList) > 1 {
			t.Fatalf("beyond the limits: %+v", s)
		}
	}
}

func TestRandIntSpansRange(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, bits := range []int{8, 16, 32, 64} {
		lo, hi := int64(-1)<<(bits-1), int64(^uint64(0)>>(65-bits))
		var sawNeg, sawPos, sawLo, sawHi bool
		for range 2000 {
			v := randInt(r, bits)
			if v < lo || v > hi {
				t.Fatalf("randInt(%d) = %d, out of range", bits, v)
			}
			sawNeg, sawPos = sawNeg || v < 0, sawPos || v > 0
			sawLo, sawHi = sawLo || v == lo, sawHi || v == hi
		}
		if !sawNeg || !sawPos || !sawLo || !sawHi {
			t.Errorf("randInt(%d): negative %v positive %v min %v max %v", bits, sawNeg, sawPos, sawLo, sawHi)
		}
		sawTop := false
		for range 2000 {
			u := randUint(r, bits)
			if bits < 64 && u >= 1<<bits {
				t.Fatalf("randUint(%d) = %d, out of range", bits, u)
			}
			sawTop = sawTop || u == ^uint64(0)>>(64-bits)
		}
		if !sawTop {
			t.Errorf("randUint(%d) never gave its maximum", bits)
		}
	}
}

type withDefaults struct {
	_      struct{} `kafka:"versions=0-1"`
	B      bool     `kafka:"versions=1+,default=true"`
	I8     int8     `kafka:"versions=1+,default=-1"`
	Wrap   int32    `kafka:"versions=1+,default=0xffffffff"`
	Max    int32    `kafka:"versions=1+,default=0x7fffffff"`
	U      uint16   `kafka:"versions=1+,default=0xffff"`
	F      float64  `kafka:"versions=1+,default=1.5"`
	S      string   `kafka:"versions=1+,default='a,b'"`
	Empty  string   `kafka:"versions=1+,default=''"`
	PS     *string  `kafka:"versions=1+,nullable=1+,default=x"`
	PNull  *string  `kafka:"versions=1+,nullable=1+,default=null"`
	Bytes  []byte   `kafka:"versions=1+,nullable=1+,default=null"`
	ID     kio.UUID `kafka:"versions=1+"`
	Nested inner2   `kafka:"versions=1+"`
	NoDef  []int32  `kafka:"versions=1+"`
}

type inner2 struct {
	N int64 `kafka:"default=-2"`
}

func TestAbsentFieldsHoldTheirDefaults(t *testing.T) {
	g := Gen[withDefaults](0)
	got := Sample(g, rand.New(rand.NewSource(1))).(withDefaults)
	x := "x"
	want := withDefaults{B: true, I8: -1, Wrap: -1, Max: math.MaxInt32, U: 0xffff, F: 1.5, S: "a,b", PS: &x,
		Nested: inner2{N: -2}, NoDef: []int32{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("absent fields:\n got %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(got, serial.Default[withDefaults]()) {
		t.Errorf("absent fields differ from serial.Default")
	}
	// Each value gets its own copy of a pointer default.
	got2 := Sample(g, rand.New(rand.NewSource(1))).(withDefaults)
	if got2.PS == got.PS {
		t.Error("two values share the default *string")
	}
}

// Structs the codec refuses; kiotest must refuse each with the codec's own error.
type (
	nullablePlain struct {
		S string `kafka:"nullable=0+"`
	}
	badDefault struct {
		N int8 `kafka:"default=300"`
	}
	uuidDefault struct { // tests/gen used to accept this; the codec never did
		ID kio.UUID `kafka:"default=AQIDBAUGBwgJCgsMDQ4PEA"`
	}
	markerNotFirst struct { // tests/gen used to read this marker; the codec refuses it
		A int32
		_ struct{} `kafka:"versions=0-3,flexible=2+"`
	}
	taggedClassic struct { // a tagged field at versions that are not flexible
		_ struct{} `kafka:"request,apiKey=1,versions=0-2,flexible=2+"`
		N int8     `kafka:"tag=0,tagged=0+"`
	}
	badTag struct {
		N int8 `kafka:"versions=x"`
	}
	unsupported struct {
		M map[string]int
	}
	badUnknown struct {
		U []byte `kafka:"unknownTags"`
	}
	nestedBad struct {
		_     struct{} `kafka:"versions=0-1"`
		Inner badDefault
	}
)

func TestRefusesWhatTheCodecRefuses(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[nullablePlain](), reflect.TypeFor[badDefault](), reflect.TypeFor[uuidDefault](),
		reflect.TypeFor[markerNotFirst](), reflect.TypeFor[taggedClassic](), reflect.TypeFor[badTag](),
		reflect.TypeFor[unsupported](), reflect.TypeFor[badUnknown](), reflect.TypeFor[nestedBad](),
		reflect.TypeFor[int](),
	} {
		want := serial.Check(typ)
		if want == nil || !errors.Is(want, serial.ErrSchema) {
			t.Fatalf("%v: serial.Check = %v; the case needs a struct the codec refuses", typ, want)
		}
		_, err := NewGen(typ, 0)
		if err == nil || err.Error() != want.Error() || !errors.Is(err, serial.ErrSchema) {
			t.Errorf("%v: NewGen error\n %v\nwant the codec's\n %v", typ, err, want)
		}
		var se *serial.Error
		if !errors.As(err, &se) {
			t.Errorf("%v: NewGen error %T, want a *serial.Error", typ, err)
		}
		func() {
			defer func() {
				if p := recover(); p == nil || p.(error).Error() != want.Error() {
					t.Errorf("%v: GenOf panicked with %v, want the codec's error", typ, p)
				}
			}()
			GenOf(typ, 0)
		}()
	}
}

func TestRefusesVersionsTheCodecRefuses(t *testing.T) {
	for _, version := range []int16{-1, 5, 300} {
		_, want := serial.Marshal(&sample{}, version)
		_, err := NewGen(sampleType, version)
		if err == nil || want == nil || err.Error() != want.Error() || !errors.Is(err, serial.ErrVersion) {
			t.Errorf("v%d: NewGen error %v, want the codec's %v", version, err, want)
		}
	}
	// Every version the codec accepts builds.
	for version := int16(0); version <= 4; version++ {
		if _, err := NewGen(sampleType, version); err != nil {
			t.Errorf("v%d: %v", version, err)
		}
	}
}

// loop must contain itself at v0, where Next is not nullable.
type loop struct {
	_    struct{} `kafka:"versions=0-1"`
	Next *loop    `kafka:"type=loop,nullable=1+"`
}

func TestRefusesWhatCannotBeGenerated(t *testing.T) {
	if _, err := NewGen(reflect.TypeFor[*sample](), 0); err == nil || !strings.Contains(err.Error(), "pointer") {
		t.Errorf("pointer type: %v", err)
	}
	if err := serial.Check(reflect.TypeFor[loop]()); err != nil {
		t.Fatalf("the codec refuses loop: %v", err)
	}
	if _, err := NewGen(reflect.TypeFor[loop](), 0); err == nil || !strings.Contains(err.Error(), "contains itself") {
		t.Errorf("loop v0: %v", err)
	}
	g, err := NewGen(reflect.TypeFor[loop](), 1)
	if err != nil {
		t.Fatalf("loop v1: %v", err)
	}
	r := rand.New(rand.NewSource(1))
	for range 50 {
		if err := RoundTrip(Sample(g, r), 1); err != nil {
			t.Fatal(err)
		}
	}
}
