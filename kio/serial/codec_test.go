package serial

import (
	"bytes"
	"errors"
	"io"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kio-go/kafka-protocol/kio"
)

// The expected bytes in this file are written out by hand from Kafka's protocol guide,
// group by group, never produced by the codec.

type testTopic struct {
	Name        string  `kafka:"type=string,versions=0+"`
	Partitions  []int32 `kafka:"type=[]int32,versions=1+"`
	UnknownTags RawTags `kafka:"unknownTags"`
}

type testRequest struct {
	_           struct{}    `kafka:"request,apiKey=99,versions=0-3,flexible=2+"`
	Topics      []testTopic `kafka:"type=[]testTopic,versions=0+,nullable=1+"`
	Allow       bool        `kafka:"type=bool,versions=1+,default=true"`
	Epoch       int32       `kafka:"type=int32,versions=0+,default=-1"`
	Rack        *string     `kafka:"type=string,versions=1+,nullable=1+,default=null"`
	Data        []byte      `kafka:"type=bytes,versions=0+,nullable=3+"`
	Strict      int16       `kafka:"type=int16,versions=0-1"`
	Gone        int64       `kafka:"type=int64,versions=0,ignorable"`
	Cluster     *string     `kafka:"type=string,versions=2+,nullable=2+,default=null,tag=0,tagged=2+"`
	Throttle    int32       `kafka:"type=int32,versions=3+,tag=1,tagged=3+,default=5"`
	UnknownTags RawTags     `kafka:"unknownTags"`
}

var cmpOpts = cmp.Options{cmpopts.IgnoreUnexported(testRequest{}, nullableStructMsg{}, extrasMsg{}, errMsg{})}

func str(s string) *string { return &s }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

type golden struct {
	name    string
	version int16
	value   testRequest
	wire    []byte
}

func goldenRequests() []golden {
	return []golden{{
		name: "v0 classic", version: 0,
		value: testRequest{Topics: []testTopic{{Name: "ab"}}, Allow: true, Epoch: -1, Data: []byte{9}, Strict: 2, Gone: 3, Throttle: 5},
		wire: cat(
			[]byte{0, 0, 0, 1},             // Topics: int32 count 1
			[]byte{0, 2, 'a', 'b'},         //   Name: int16 length 2, "ab"
			[]byte{0xff, 0xff, 0xff, 0xff}, // Epoch -1
			[]byte{0, 0, 0, 1, 9},          // Data: int32 length 1, 0x09
			[]byte{0, 2},                   // Strict 2
			[]byte{0, 0, 0, 0, 0, 0, 0, 3}, // Gone 3
		),
	}, {
		name: "v1 classic with nulls", version: 1,
		value: testRequest{Topics: nil, Allow: false, Epoch: 7, Rack: nil, Data: []byte{}, Strict: -2, Throttle: 5},
		wire: cat(
			[]byte{0xff, 0xff, 0xff, 0xff}, // Topics: null array (-1)
			[]byte{0},                      // Allow false
			[]byte{0, 0, 0, 7},             // Epoch 7
			[]byte{0xff, 0xff},             // Rack: null string (-1)
			[]byte{0, 0, 0, 0},             // Data: empty
			[]byte{0xff, 0xfe},             // Strict -2
		),
	}, {
		name: "v1 classic array of int32", version: 1,
		value: testRequest{Topics: []testTopic{{Name: "t", Partitions: []int32{1, 2}}}, Allow: true, Epoch: -1, Rack: str("r"), Data: []byte{}, Throttle: 5},
		wire: cat(
			[]byte{0, 0, 0, 1},                         // Topics count 1
			[]byte{0, 1, 't'},                          //   Name "t"
			[]byte{0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2}, // Partitions [1 2]
			[]byte{1},                      // Allow true
			[]byte{0xff, 0xff, 0xff, 0xff}, // Epoch -1
			[]byte{0, 1, 'r'},              // Rack "r"
			[]byte{0, 0, 0, 0},             // Data empty
			[]byte{0, 0},                   // Strict 0
		),
	}, {
		name: "v2 flexible, tagged field set", version: 2,
		value: testRequest{Topics: []testTopic{{Name: "ab", Partitions: []int32{7}}}, Allow: true, Epoch: -1, Data: []byte{1}, Cluster: str("x"), Throttle: 5},
		wire: cat(
			[]byte{2},                      // Topics: compact count 1+1
			[]byte{3, 'a', 'b'},            //   Name: compact length 2+1
			[]byte{2, 0, 0, 0, 7},          //   Partitions: compact count, 7
			[]byte{0},                      //   topic: no tagged fields
			[]byte{1},                      // Allow
			[]byte{0xff, 0xff, 0xff, 0xff}, // Epoch
			[]byte{0},                      // Rack: compact null
			[]byte{2, 1},                   // Data: compact length 1+1, 0x01
			[]byte{1},                      // one tagged field
			[]byte{0, 2, 2, 'x'},           //   tag 0, size 2, Cluster compact "x"
		),
	}, {
		name: "v2 flexible, tagged field at default", version: 2,
		value: testRequest{Topics: []testTopic{}, Allow: true, Epoch: -1, Data: []byte{}, Throttle: 5},
		wire: cat(
			[]byte{1},                      // Topics: empty compact array
			[]byte{1},                      // Allow
			[]byte{0xff, 0xff, 0xff, 0xff}, // Epoch
			[]byte{0},                      // Rack null
			[]byte{1},                      // Data empty
			[]byte{0},                      // no tagged fields: Cluster is null, its default
		),
	}, {
		name: "v3 two tagged fields and unknown ones, in tag order", version: 3,
		value: testRequest{Topics: []testTopic{{Name: "a", Partitions: []int32{}, UnknownTags: RawTags{4: {0xee}}}},
			Allow: false, Epoch: 0, Data: nil, Cluster: str(""), Throttle: 9,
			UnknownTags: RawTags{2: {}, 200: {0xab, 0xcd}}},
		wire: cat(
			[]byte{2},                         // Topics: 1
			[]byte{2, 'a'},                    //   Name "a"
			[]byte{1},                         //   Partitions empty
			[]byte{1, 4, 1, 0xee},             //   one tagged field: unknown tag 4, size 1
			[]byte{0},                         // Allow false
			[]byte{0, 0, 0, 0},                // Epoch 0
			[]byte{0},                         // Rack null
			[]byte{0},                         // Data: null, nullable at v3
			[]byte{4},                         // four tagged fields
			[]byte{0, 1, 1},                   //   tag 0: Cluster "" (compact length 0+1)
			[]byte{1, 4, 0, 0, 0, 9},          //   tag 1: Throttle 9
			[]byte{2, 0},                      //   tag 2: unknown, empty
			[]byte{0xc8, 0x01, 2, 0xab, 0xcd}, // tag 200 (varint c8 01): unknown
		),
	}}
}

func TestGoldenEncodeDecode(t *testing.T) {
	for _, g := range goldenRequests() {
		t.Run(g.name, func(t *testing.T) {
			got, err := Marshal(&g.value, g.version)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, g.wire) {
				t.Fatalf("encode:\n got % x\nwant % x", got, g.wire)
			}
			var back testRequest
			if err := Unmarshal(g.wire, &back, g.version); err != nil {
				t.Fatal(err)
			}
			want := g.value
			if g.version > 0 {
				want.Gone = 0 // absent after v0, ignorable: decoding gives its zero
			} else {
				// Absent at v0: decoding gives the spec's implied default, an empty array.
				want.Topics = slices.Clone(want.Topics)
				for i := range want.Topics {
					want.Topics[i].Partitions = []int32{}
				}
			}
			if d := cmp.Diff(want, back, cmpOpts); d != "" {
				t.Fatalf("decode diff (-want +got):\n%s", d)
			}
		})
	}
}

func TestDecodeFillsDefaultsForAbsentFields(t *testing.T) {
	wire := cat([]byte{0, 0, 0, 0}, []byte{0, 0, 0, 4}, []byte{0, 0, 0, 0}, []byte{0, 0}, make([]byte, 8))
	var v testRequest
	v.Allow, v.Throttle, v.Rack = false, 77, str("stale")
	if err := Unmarshal(wire, &v, 0); err != nil {
		t.Fatal(err)
	}
	if !v.Allow || v.Throttle != 5 || v.Rack != nil || v.Cluster != nil || v.Epoch != 4 {
		t.Errorf("absent fields must take their defaults: %+v", v)
	}
}

func TestDefaults(t *testing.T) {
	d := Default[testRequest]()
	if !d.Allow || d.Epoch != -1 || d.Rack != nil || d.Throttle != 5 || d.Strict != 0 {
		t.Errorf("Default = %+v", d)
	}
	type hexDefaults struct {
		Max  int32   `kafka:"default=0x7fffffff"`
		Neg  int64   `kafka:"default=-2147483648"`
		U    uint16  `kafka:"default=0xffff"`
		F    float64 `kafka:"default=1.5"`
		S    string  `kafka:"default=abc"`
		Ptr  *string `kafka:"nullable=0+,default=''"`
		Null *string `kafka:"nullable=0+,default=null"`
		In   struct {
			X int8 `kafka:"default=-1"`
		}
	}
	var h hexDefaults
	if err := SetDefaults(&h); err != nil {
		t.Fatal(err)
	}
	if h.Max != math.MaxInt32 || h.Neg != math.MinInt32 || h.U != 0xffff || h.F != 1.5 || h.S != "abc" ||
		h.Ptr == nil || *h.Ptr != "" || h.Null != nil || h.In.X != -1 {
		t.Errorf("SetDefaults = %+v", h)
	}
	if err := SetDefaults(h); !errors.Is(err, ErrSchema) {
		t.Errorf("SetDefaults on a non-pointer: %v", err)
	}
}

func TestTaggedFieldLargerThan127Bytes(t *testing.T) {
	v := Default[testRequest]()
	v.Topics, v.Data = []testTopic{}, []byte{}
	long := strings.Repeat("z", 200)
	v.Cluster = &long
	got, err := Marshal(&v, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Cluster: tag 0, size 202 (uvarint ca 01), compact length 201 (uvarint c9 01), 200 bytes.
	want := cat([]byte{1, 1, 0xff, 0xff, 0xff, 0xff, 0, 1}, []byte{1, 0, 0xca, 0x01, 0xc9, 0x01}, []byte(long))
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x\nwant % x", got, want)
	}
	var back testRequest
	if err := Unmarshal(got, &back, 2); err != nil || back.Cluster == nil || *back.Cluster != long {
		t.Fatalf("decode: %v", err)
	}
}

func TestUnknownTagsSkippedWithoutAField(t *testing.T) {
	type noKeep struct {
		_ struct{} `kafka:"flexible=0+"`
		A int8
	}
	wire := []byte{5, 2, 7, 3, 1, 2, 3, 9, 0} // A=5; two unknown tags (7: 3 bytes, 9: empty)
	var v noKeep
	if err := Unmarshal(wire, &v, 0); err != nil || v.A != 5 {
		t.Fatalf("unknown tags must be skipped: %v %+v", err, v)
	}
}

func TestAbsentFieldWithValueIsAnError(t *testing.T) {
	v := Default[testRequest]()
	v.Strict = 5 // exists only in v0-1
	_, err := Marshal(&v, 2)
	var e *Error
	if !errors.Is(err, ErrVersion) || !errors.As(err, &e) || e.Path != "Strict" || e.Version != 2 || e.Op != "encode" {
		t.Fatalf("got %v", err)
	}
	// An ignorable field is dropped silently, and a value equal to the default is fine.
	v.Strict, v.Gone, v.Throttle = 0, 99, 5
	if _, err := Marshal(&v, 2); err != nil {
		t.Fatal(err)
	}
	// A field absent at the version holding its default is not an error either.
	w := Default[testRequest]()
	if _, err := Marshal(&w, 0); err != nil {
		t.Fatal(err)
	}
	// ... but Allow=false at v0 is Go's zero value: allowed too.
	w.Allow = false
	if _, err := Marshal(&w, 0); err != nil {
		t.Fatal(err)
	}
	w.Rack = str("x") // absent at v0
	if _, err := Marshal(&w, 0); !errors.Is(err, ErrVersion) {
		t.Fatalf("Rack at v0: %v", err)
	}
}

type nullableStructMsg struct {
	_     struct{}       `kafka:"response,apiKey=98,versions=0-1,flexible=1+"`
	Inner *nullableInner `kafka:"type=nullableInner,versions=0+,nullable=1+,default=null"`
}

type nullableInner struct {
	X int16 `kafka:"type=int16,versions=0+"`
}

func TestNullableStruct(t *testing.T) {
	check := func(v nullableStructMsg, version int16, wire []byte) {
		t.Helper()
		got, err := Marshal(&v, version)
		if err != nil || !bytes.Equal(got, wire) {
			t.Fatalf("v%d: % x, %v; want % x", version, got, err, wire)
		}
		var back nullableStructMsg
		if err := Unmarshal(wire, &back, version); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(v, back, cmpOpts); d != "" {
			t.Fatal(d)
		}
	}
	check(nullableStructMsg{Inner: &nullableInner{X: 3}}, 0, []byte{0, 3})          // not nullable at v0: no marker
	check(nullableStructMsg{Inner: &nullableInner{X: 3}}, 1, []byte{1, 0, 3, 0, 0}) // marker 1, X, inner tags, outer tags
	check(nullableStructMsg{}, 1, []byte{0xff, 0})                                  // marker -1 (null)
	if _, err := Marshal(&nullableStructMsg{}, 0); !errors.Is(err, ErrNull) {
		t.Errorf("nil struct where not nullable: %v", err)
	}
	var v nullableStructMsg
	// Kafka's readers take any negative marker as null and any other as present.
	if err := Unmarshal([]byte{2, 0, 3, 0, 0}, &v, 1); err != nil || v.Inner == nil || v.Inner.X != 3 {
		t.Errorf("marker 2: %v %+v", err, v)
	}
	if err := Unmarshal([]byte{0x80, 0}, &v, 1); err != nil || v.Inner != nil {
		t.Errorf("marker -128: %v %+v", err, v)
	}
}

type extrasMsg struct {
	_    struct{} `kafka:"data"`
	ID   kio.UUID
	F    float64
	U16  uint16
	U32  uint32
	Flag bool
	Skip int `kafka:"-"`
	Arr  []string
}

func TestImpliedTypes(t *testing.T) {
	v := extrasMsg{ID: kio.UUID{15: 1}, F: -0.5, U16: 0xfffe, U32: 0xfffffffe, Flag: true, Skip: 42, Arr: []string{"a"}}
	wire := cat(
		append(make([]byte, 15), 1),          // ID
		[]byte{0xbf, 0xe0, 0, 0, 0, 0, 0, 0}, // F -0.5
		[]byte{0xff, 0xfe},                   // U16
		[]byte{0xff, 0xff, 0xff, 0xfe},       // U32
		[]byte{1},                            // Flag
		[]byte{0, 0, 0, 1, 0, 1, 'a'},        // Arr: int32 count, int16 string
	)
	got, err := Marshal(v, 0) // by value works too
	if err != nil || !bytes.Equal(got, wire) {
		t.Fatalf("got % x, %v\nwant % x", got, err, wire)
	}
	var back extrasMsg
	if err := Unmarshal(wire, &back, 0); err != nil {
		t.Fatal(err)
	}
	v.Skip = 0
	if d := cmp.Diff(v, back, cmpOpts); d != "" {
		t.Fatal(d)
	}
}

// The var* wire kinds (varint, varlong, uvarint, varbytes, varstring) were removed: no
// message used them. A tag naming one is refused rather than read as something else.
func TestVarKindsAreRefused(t *testing.T) {
	type old struct {
		V int32 `kafka:"type=varint"`
	}
	if err := Check(old{}); !errors.Is(err, ErrSchema) {
		t.Fatalf("Check = %v, want ErrSchema", err)
	}
}

type errMsg struct {
	_    struct{}  `kafka:"request,apiKey=97,versions=0-1,flexible=1+"`
	Name string    `kafka:"type=string,versions=0+"`
	Host *string   `kafka:"type=string,versions=0+,nullable=1+"`
	List []errElem `kafka:"type=[]errElem,versions=0+"`
	Tags RawTags   `kafka:"unknownTags"`
}

type errElem struct {
	N    string  `kafka:"type=string,versions=0+"`
	Tags RawTags `kafka:"unknownTags"`
}

func TestErrors(t *testing.T) {
	wantErr := func(name string, err, sentinel error, path string) {
		t.Helper()
		var e *Error
		if !errors.Is(err, sentinel) || !errors.As(err, &e) {
			t.Errorf("%s: got %v, want %v", name, err, sentinel)
			return
		}
		if e.Path != path {
			t.Errorf("%s: path %q, want %q (%v)", name, e.Path, path, err)
		}
	}
	host := str("h")
	var v errMsg
	_, err := Marshal(&errMsg{Name: strings.Repeat("x", 40000), Host: host}, 0)
	wantErr("long string", err, ErrRange, "Name")
	_, err = Marshal(&errMsg{Host: nil}, 0)
	wantErr("null where not nullable", err, ErrNull, "Host")
	_, err = Marshal(&errMsg{Host: host, List: []errElem{{}, {N: strings.Repeat("y", 1<<15)}}}, 1)
	wantErr("nested path", err, ErrRange, "List[1].N")
	// testRequest v3 knows tags 0 (Cluster) and 1 (Throttle): an unknown tag 1 would
	// be written twice.
	_, err = Marshal(&testRequest{Epoch: -1, Throttle: 5, UnknownTags: RawTags{1: {7}}}, 3)
	wantErr("unknown tag colliding with a known one", err, ErrTag, "UnknownTags")
	_, err = Marshal(&errMsg{Host: host}, 2)
	wantErr("bad version", err, ErrVersion, "")
	_, err = Marshal(&errMsg{Host: host}, -1)
	wantErr("negative version", err, ErrVersion, "")

	err = Unmarshal([]byte{0, 1, 'a', 0xff, 0xff}, &v, 0)
	wantErr("decode null where not nullable", err, ErrNull, "Host")
	// Any negative length is null, as in Kafka's readers: an error where not nullable.
	err = Unmarshal([]byte{0xff, 0xfe}, &v, 0)
	wantErr("negative length", err, ErrNull, "Name")
	err = Unmarshal([]byte{0, 1, 'a', 0, 0, 0, 0, 0, 1, 0, 5, 'x'}, &v, 0)
	wantErr("truncated", err, ErrShortBuffer, "List[0].N")
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated input must match io.ErrUnexpectedEOF: %v", err)
	}
	var e *Error
	if errors.As(err, &e); e.Offset != 11 || e.Op != "decode" || e.Version != 0 {
		t.Errorf("truncated error fields: %+v", e)
	}
	err = Unmarshal([]byte{0, 0, 0, 0, 0, 0, 0, 0, 1}, &v, 0)
	wantErr("trailing", err, ErrTrailing, "")
	// A count far beyond the input fails before allocating.
	huge := []byte{0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff}
	err = Unmarshal(huge, &v, 0)
	wantErr("huge count", err, ErrShortBuffer, "List")
	if a := testing.AllocsPerRun(20, func() { _ = Unmarshal(huge, &v, 0) }); a > 4 {
		t.Errorf("refusing a huge count allocated %v times", a)
	}
	// Flexible: a compact string length of 40,000 (uvarint 40,001 = c1 b8 02) is over
	// Kafka's 32,767-byte string limit, even with the bytes present.
	err = Unmarshal(append([]byte{0xc1, 0xb8, 0x02}, make([]byte, 40000)...), &v, 1)
	wantErr("string over 32767 bytes", err, ErrRange, "Name")
	// Flexible: compact string length with an overlong varint.
	err = Unmarshal([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, &v, 1)
	wantErr("overlong varint", err, ErrRange, "Name")
	// Tags out of order are read, as Kafka reads them, and written back in order.
	if err := Unmarshal([]byte{1, 1, 1, 2, 3, 0, 1, 0}, &v, 1); err != nil {
		t.Errorf("tags out of order: %v", err)
	} else if b, err := Marshal(&v, 1); err != nil || !bytes.Equal(b, []byte{1, 1, 1, 2, 1, 0, 3, 0}) {
		t.Errorf("tags out of order re-encoded as %x, %v", b, err)
	}
	// A tagged field whose size does not match.
	type tagged struct {
		_ struct{} `kafka:"flexible=0+"`
		T int8     `kafka:"tag=0,tagged=0+"`
	}
	err = Unmarshal([]byte{1, 0, 2, 1, 1}, &tagged{}, 0)
	wantErr("tag size mismatch", err, ErrTag, "T")
	err = Unmarshal(nil, v, 0)
	wantErr("not a pointer", err, ErrSchema, "")
}

func TestSchemaErrors(t *testing.T) {
	type unknownKey struct {
		A int8 `kafka:"tpye=int8"`
	}
	type mismatch struct {
		A string `kafka:"type=int32"`
	}
	type noTagged struct {
		A int8 `kafka:"tag=1"`
	}
	type nullableNeedsPtr struct {
		A string `kafka:"nullable=0+"`
	}
	type noImplied struct{ A int }
	type badDefault struct {
		A int8 `kafka:"default=300"`
	}
	type taggedNotFlexible struct {
		A int8 `kafka:"tag=1,tagged=0+"`
	}
	type wrongName struct {
		A []errElem `kafka:"type=[]Other"`
	}
	type badMarker struct {
		_ struct{} `kafka:"request,versions=0-1"`
	}
	for _, v := range []any{&unknownKey{}, &mismatch{}, &noTagged{}, &nullableNeedsPtr{}, &noImplied{}, &badDefault{}, &taggedNotFlexible{}, &wrongName{}, &badMarker{}} {
		_, err := Marshal(v, 0)
		var se *SchemaError
		if !errors.Is(err, ErrSchema) || !errors.As(err, &se) {
			t.Errorf("%T: got %v, want a schema error", v, err)
			continue
		}
		if se.Struct == nil || !strings.Contains(err.Error(), "serial.") {
			t.Errorf("%T: error does not name the struct: %v", v, err)
		}
		if err := Unmarshal([]byte{0}, v, 0); !errors.Is(err, ErrSchema) {
			t.Errorf("%T: decode got %v", v, err)
		}
	}
}

func TestEncodeDecodeStreams(t *testing.T) {
	g := goldenRequests()[3]
	var buf bytes.Buffer
	if err := Encode(&buf, &g.value, g.version); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("NEXT")
	var back testRequest
	if err := Decode(&buf, &back, g.version); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "NEXT" {
		t.Fatalf("Decode read past the message: %q left", buf.String())
	}
	if d := cmp.Diff(g.value, back, cmpOpts); d != "" {
		t.Fatal(d)
	}
	// The decoded bytes must not alias the reader's memory.
	err := Decode(bytes.NewReader(g.wire[:5]), &back, g.version)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short stream: %v", err)
	}
}

type writeCounter struct{ writes int }

func (w *writeCounter) Write(p []byte) (int, error) { w.writes++; return len(p), nil }

func TestEncodeWritesOnce(t *testing.T) {
	var w writeCounter
	g := goldenRequests()[5]
	if err := Encode(&w, &g.value, g.version); err != nil || w.writes != 1 {
		t.Fatalf("writes=%d err=%v", w.writes, err)
	}
}

func TestAppendReusedBufferDoesNotAllocate(t *testing.T) {
	g := goldenRequests()[3]
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		buf, _ = Append(buf[:0], &g.value, g.version)
	})
	if allocs != 0 {
		t.Errorf("Append into a reused buffer allocated %v times", allocs)
	}
}

func TestConcurrentFirstUse(t *testing.T) {
	type c1 struct {
		_ struct{}    `kafka:"versions=0-5,flexible=3+"`
		A []testTopic `kafka:"type=[]testTopic"`
		B string
	}
	type c2 struct{ X, Y int64 }
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := int16(1); v < 6; v++ {
				var in any = &c1{A: []testTopic{{Name: "n", Partitions: []int32{int32(i)}}}, B: "b"}
				var out any = &c1{}
				if i%2 == 0 {
					in, out = &c2{X: int64(i), Y: 2}, &c2{}
				}
				b, err := Marshal(in, v)
				if err == nil {
					err = Unmarshal(b, out, v)
				}
				if err != nil {
					t.Error(err)
					return
				}
				if d := cmp.Diff(in, out, cmpopts.IgnoreUnexported(c1{}), cmpopts.EquateEmpty()); d != "" {
					t.Error(d)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// Kafka's spec format gives fields without a default literal an implied one: empty
// strings (for nullable strings too), empty bytes and arrays, null records.
type impliedDefaults struct {
	_       struct{}       `kafka:"flexible=0+"`
	S       *string        `kafka:"type=string,nullable=0+"`
	Null    *string        `kafka:"type=string,nullable=0+,default=null"`
	Arr     []int32        `kafka:"type=[]int32,nullable=0+"`
	B       []byte         `kafka:"type=bytes"`
	Rec     []byte         `kafka:"type=records,nullable=0+"`
	In      *nullableInner `kafka:"type=nullableInner,nullable=0+"`
	TagS    *string        `kafka:"type=string,nullable=0+,tag=0,tagged=0+"`
	TagArr  []int32        `kafka:"type=[]int32,tag=1,tagged=0+"`
	TagNArr []int32        `kafka:"type=[]int32,nullable=0+,tag=2,tagged=0+"`
}

func TestImpliedDefaults(t *testing.T) {
	d := Default[impliedDefaults]()
	if d.S == nil || *d.S != "" || d.Null != nil || d.Arr == nil || len(d.Arr) != 0 || d.B == nil || d.Rec != nil ||
		d.In != nil || d.TagS == nil || d.TagArr == nil || d.TagNArr == nil {
		t.Fatalf("Default = %+v", d)
	}
	wire, err := Marshal(&d, 0)
	if err != nil {
		t.Fatal(err)
	}
	// S "", Null null, Arr empty, B empty, Rec null, In null (a nullable struct
	// defaults to null); no tagged field is written, each being at its default.
	want := []byte{1, 0, 1, 1, 0, 0xff, 0}
	if !bytes.Equal(wire, want) {
		t.Fatalf("got % x, want % x", wire, want)
	}
	// A nil array where null cannot be written is the same value as an empty one; a
	// nullable one that is nil is written as null.
	d.TagArr, d.TagNArr, d.TagS = nil, nil, nil
	wire, err = Marshal(&d, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Two tagged fields: TagS (tag 0, size 1, null) and TagNArr (tag 2, size 1, null).
	want = []byte{1, 0, 1, 1, 0, 0xff, 2, 0, 1, 0, 2, 1, 0}
	if !bytes.Equal(wire, want) {
		t.Fatalf("got % x, want % x", wire, want)
	}
}

// Values carved from the decode arenas must not share capacity: appending to one
// decoded slice must not overwrite the next.
func TestDecodedSlicesDoNotOverlap(t *testing.T) {
	type lists struct {
		A, B []int32
	}
	wire := []byte{0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 8}
	var v lists
	if err := Unmarshal(wire, &v, 0); err != nil {
		t.Fatal(err)
	}
	v.A = append(v.A, 99)
	if len(v.B) != 1 || v.B[0] != 8 {
		t.Fatalf("appending to A changed B: %v", v.B)
	}
}

// fixedMsg has no strings or slices, so decoding it needs no memory of its own.
type fixedMsg struct {
	_ struct{} `kafka:"versions=0-1,flexible=1+"`
	A int32    `kafka:"type=int32"`
	B int64    `kafka:"type=int64"`
	C bool     `kafka:"type=bool"`
}

// The entry points must not let v escape: a caller's local target or value stays on
// its stack, so decoding a message of fixed-width fields and encoding a struct value
// into a reused buffer allocate nothing at all.
func TestEntryPointsKeepTheValueOnTheStack(t *testing.T) {
	wire, err := Marshal(&fixedMsg{A: 1, B: 2, C: true}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got fixedMsg
	allocs := testing.AllocsPerRun(100, func() {
		var m fixedMsg
		if err := Unmarshal(wire, &m, 1); err != nil {
			t.Fatal(err)
		}
		got = m
	})
	if allocs != 0 {
		t.Errorf("Unmarshal into a local allocated %v times", allocs)
	}
	if got.A != 1 || got.B != 2 || !got.C {
		t.Errorf("decoded %+v", got)
	}
	buf := make([]byte, 0, 64)
	allocs = testing.AllocsPerRun(100, func() {
		m := fixedMsg{A: 1, B: 2, C: true}
		buf, err = Append(buf[:0], m, 1) // by value
		if err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Append of a struct value allocated %v times", allocs)
	}
	if !bytes.Equal(buf, wire) {
		t.Errorf("by value % x, by pointer % x", buf, wire)
	}
}

// onePointer is held directly in an interface's data word (a struct of one pointer),
// so Append must encode from a copy of that word rather than follow it.
type onePointer struct {
	S *string `kafka:"type=string,nullable=0+"`
}

func TestStructHeldDirectlyInAnInterface(t *testing.T) {
	if !isDirectIface(reflect.TypeFor[onePointer]()) || isDirectIface(reflect.TypeFor[fixedMsg]()) {
		t.Fatal("isDirectIface misjudges the test types: the test no longer covers the direct case")
	}
	for _, v := range []onePointer{{S: str("kio")}, {}} {
		for range 2 { // the second call must not find a cached, wrong, entry
			byValue, err := Marshal(v, 0)
			if err != nil {
				t.Fatal(err)
			}
			byPointer, err := Marshal(&v, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(byValue, byPointer) {
				t.Fatalf("by value % x, by pointer % x", byValue, byPointer)
			}
		}
	}
	if b, _ := Marshal(onePointer{S: str("kio")}, 0); !bytes.Equal(b, []byte{0, 3, 'k', 'i', 'o'}) {
		t.Errorf("got % x", b)
	}
}

type listOfInt32 struct {
	IDs []int32 `kafka:"type=[]int32"`
}

// Strings and int32 lists carved from one chunk must be aligned, must not share
// capacity, and a message of steady shape must cost one chunk per decode once its plan
// has seen it.
func TestScalarArenaSharing(t *testing.T) {
	type wrapped struct {
		_     struct{} `kafka:"versions=0,flexible=0+"`
		Name  string   `kafka:"type=string"`
		Odd   string   `kafka:"type=string"`
		Lists []listOfInt32
		Host  *string `kafka:"type=string,nullable=0+"`
	}
	w := wrapped{Name: "abc", Odd: "x", Host: str("broker-1")}
	for i := range 5 {
		w.Lists = append(w.Lists, listOfInt32{IDs: []int32{int32(i), -1, 7}})
	}
	wire, got := roundTrip(t, &w, 0)
	if d := cmp.Diff(w, got, cmpopts.IgnoreUnexported(wrapped{})); d != "" {
		t.Fatal(d)
	}
	for i, l := range got.Lists {
		if uintptr(unsafe.Pointer(&l.IDs[0]))%4 != 0 || cap(l.IDs) != len(l.IDs) {
			t.Fatalf("list %d: misaligned or capacity %d for length %d", i, cap(l.IDs), len(l.IDs))
		}
	}
	got.Lists[0].IDs = append(got.Lists[0].IDs, 42)
	if got.Lists[1].IDs[0] != 1 || got.Name != "abc" || got.Odd != "x" {
		t.Fatalf("appending to one list changed a neighbour: %+v", got)
	}
	// Steady state: the target (its Lists slice aside) and the chunks are all there is.
	allocs := testing.AllocsPerRun(50, func() {
		var m wrapped
		if err := Unmarshal(wire, &m, 0); err != nil {
			t.Fatal(err)
		}
	})
	// One int32 chunk, one []listOfInt32, one chunk of strings for Host.
	if allocs != 3 {
		t.Errorf("steady decode allocated %v times, want 3", allocs)
	}
}

// A plan's arena hint comes from its last decode, but a small message after a large
// one must not get the large one's chunk: chunks stay bounded by the input left.
func TestArenaHintIsBoundedByInput(t *testing.T) {
	type lists struct {
		_   struct{} `kafka:"versions=0,flexible=0+"`
		IDs []int32  `kafka:"type=[]int32"`
	}
	big := lists{IDs: make([]int32, 100_000)}
	for i := range big.IDs {
		big.IDs[i] = int32(i)
	}
	bigWire, err := Marshal(&big, 0)
	if err != nil {
		t.Fatal(err)
	}
	smallWire, err := Marshal(&lists{IDs: []int32{1, 2, 3}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var m lists
	if err := Unmarshal(bigWire, &m, 0); err != nil || len(m.IDs) != len(big.IDs) || m.IDs[99_999] != 99_999 {
		t.Fatalf("big: %d ids, %v", len(m.IDs), err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 100
	for range n {
		var s lists
		if err := Unmarshal(smallWire, &s, 0); err != nil || len(s.IDs) != 3 || s.IDs[2] != 3 {
			t.Fatalf("small: %v, %v", s.IDs, err)
		}
	}
	runtime.ReadMemStats(&after)
	// The hint says 400,000 bytes; the input left allows a few dozen.
	if perDecode := (after.TotalAlloc - before.TotalAlloc) / n; perDecode > 256 {
		t.Errorf("a 15-byte message after a 400 KB one allocated %d bytes per decode", perDecode)
	}
}

// Unmarshal zeroes its target first (it skips the clear only when the target already
// is zero): a value left anywhere in the struct, last byte included, must not survive.
func TestUnmarshalClearsAFilledTarget(t *testing.T) {
	type words struct {
		_    struct{} `kafka:"versions=0-1"`
		A    int64    `kafka:"type=int64"`
		Tail []int32  `kafka:"type=[]int32,versions=1+"`
		Last int64    `kafka:"type=int64,versions=1+"`
	}
	type bytesOnly struct {
		_ struct{} `kafka:"versions=0-1"`
		A int16    `kafka:"type=int16"`
		B int8     `kafka:"type=int8,versions=1+"`
	}
	w, err := Marshal(&words{A: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, filled := range []words{{Last: 9}, {Tail: []int32{3}}, {A: 5, Last: -1}} {
		got := filled
		if err := Unmarshal(w, &got, 0); err != nil {
			t.Fatal(err)
		}
		if got.A != 1 || len(got.Tail) != 0 || got.Last != 0 { // Tail takes its default, empty
			t.Errorf("decoding into %+v left %+v", filled, got)
		}
	}
	b, err := Marshal(&bytesOnly{A: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := bytesOnly{B: 7} // the last byte of a 4-byte struct
	if err := Unmarshal(b, &got, 0); err != nil || got.A != 1 || got.B != 0 {
		t.Errorf("decoding into {B: 7} left %+v, %v", got, err)
	}
}

// roundTrip encodes in at version and decodes the encoding into a new T, failing t if
// either fails; it returns the encoding (the decoded value's input) and the value.
func roundTrip[T any](t *testing.T, in *T, version int16) ([]byte, T) {
	t.Helper()
	wire, err := Marshal(in, version)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := Unmarshal(wire, &out, version); err != nil {
		t.Fatal(err)
	}
	return wire, out
}
