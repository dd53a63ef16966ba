package layout

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
)

type testInner struct {
	Name string  `kafka:"type=string"`
	Next *testIn `kafka:"type=testIn,nullable=0+"`
}

type testIn struct {
	Self *testIn `kafka:"type=testIn,nullable=0+"`
}

type testMsg struct {
	_           struct{}    `kafka:"request,apiKey=7,versions=0-4,flexible=2+"`
	A           int16       `kafka:"type=int16,default=-1"`
	Items       []testInner `kafka:"type=[]testInner,versions=1+"`
	Late        *string     `kafka:"type=string,versions=2+,nullable=2+,tag=5,tagged=2+"`
	Early       uint32      `kafka:"type=uint32,versions=0-1,ignorable,default=0xffffffff"`
	Low         bool        `kafka:"type=bool,versions=2+,tag=1,tagged=2+,default=true"`
	Rec         []byte      `kafka:"type=records,versions=0+,nullable=0+"`
	unexported  int
	Skipped     int         `kafka:"-"`
	UnknownTags kio.RawTags `kafka:"unknownTags"`
}

func TestTypeFacts(t *testing.T) {
	lt := Of(reflect.TypeFor[testMsg]())
	if lt.Err != nil {
		t.Fatal(lt.Err)
	}
	if Of(reflect.TypeFor[testMsg]()) != lt {
		t.Error("Of is not cached")
	}
	if !lt.HasMarker || lt.Message.APIKey != 7 || lt.Message.Flexible.Lo != 2 {
		t.Errorf("marker %+v", lt.Message)
	}
	var names []string
	for _, f := range lt.Fields {
		names = append(names, f.Name+":"+f.Kind.String())
	}
	if got := strings.Join(names, " "); got != "A:int16 Items:array Late:string Early:uint32 Low:bool Rec:bytes" {
		t.Errorf("fields %s", got)
	}
	if lt.UnknownTags != 9 || lt.MaxTag != 5 {
		t.Errorf("unknownTags %d, max tag %d", lt.UnknownTags, lt.MaxTag)
	}
	a, early, rec := &lt.Fields[0], &lt.Fields[3], &lt.Fields[5]
	if a.Default.Bits != 0xffff || early.Default.Bits != 0xffffffff || !rec.Records || !rec.Default.Null {
		t.Errorf("defaults %+v %+v %+v", a.Default, early.Default, rec.Default)
	}
	if a.JSONName != "a" || lt.Fields[1].JSONName != "items" || JSONName("throttleTimeMs") != "throttleTimeMs" {
		t.Errorf("JSON names %q %q", a.JSONName, lt.Fields[1].JSONName)
	}
	if items := lt.Fields[1]; items.Elem.Kind != Struct || items.Elem.Struct.Fields[1].Struct.Fields[0].Struct != items.Elem.Struct.Fields[1].Struct {
		t.Error("recursive struct layout not shared")
	}
}

func TestVersions(t *testing.T) {
	lt := Of(reflect.TypeFor[testMsg]())
	v0 := lt.At(0, false)
	if v0.Err != nil || len(v0.Fields) != 3 || len(v0.Tagged) != 0 || len(v0.Absent) != 3 {
		t.Fatalf("v0: %+v", v0)
	}
	if v0.Fields[1].Compact || v0.Fields[2].Field.Name != "Rec" || !v0.Fields[2].Nullable {
		t.Errorf("v0 members %+v", v0.Fields)
	}
	v3, err := lt.MessageAt(3)
	if err != nil {
		t.Fatal(err)
	}
	if !v3.Flexible || len(v3.Members) != 5 || len(v3.Fields) != 3 || len(v3.Tagged) != 2 {
		t.Fatalf("v3: %d members, %d fields, %d tagged", len(v3.Members), len(v3.Fields), len(v3.Tagged))
	}
	if v3.Tagged[0].Field.Name != "Low" || v3.Tagged[1].TagID() != 5 || !v3.Tagged[1].Nullable {
		t.Errorf("tagged order %s %d", v3.Tagged[0].Field.Name, v3.Tagged[1].TagID())
	}
	items := v3.Fields[1]
	if !items.Compact || items.Elem.Struct.Version != 3 || !items.Elem.Struct.Fields[0].Compact {
		t.Error("nested layout does not follow the message's version and flexibility")
	}
	if lt.At(3, true) != v3 {
		t.Error("At is not cached")
	}
	if _, err := lt.MessageAt(5); err == nil {
		t.Error("version 5 accepted")
	}
	// Tagged at a version that is not flexible: a mistake of that version only.
	if v := lt.At(3, false); v.Err == nil || v.Err.Field != "Late" {
		t.Errorf("tagged at a classic version: %v", v.Err)
	}
}

type badInner struct {
	X int32 `kafka:"type=int64"`
}

type badOuter struct {
	Good  int32      `kafka:"type=int32"`
	Inner []badInner `kafka:"type=[]badInner"`
}

type badMarker struct {
	A int32    `kafka:"type=int32"`
	_ struct{} `kafka:"request,apiKey=1"`
}

func TestErrors(t *testing.T) {
	if e := Of(reflect.TypeFor[badOuter]()).Err; e == nil || e.Struct != reflect.TypeFor[badInner]() || e.Field != "X" {
		t.Errorf("nested error: %v", e)
	}
	if e := Of(reflect.TypeFor[badMarker]()).Err; e == nil || e.Field != "_" {
		t.Errorf("late marker: %v", e)
	}
	if v := Of(reflect.TypeFor[badOuter]()).At(0, false); v.Err == nil {
		t.Error("a version of a bad type has no error")
	}
}

func TestDefaultsInMemory(t *testing.T) {
	lt := Of(reflect.TypeFor[testMsg]())
	var m testMsg
	p := unsafe.Pointer(&m)
	if lt.IsDefault(p) {
		t.Error("Go's zero value taken for the defaults (A defaults to -1)")
	}
	lt.SetDefaults(p)
	if m.A != -1 || m.Early != 0xffffffff || !m.Low || m.Items == nil || len(m.Items) != 0 || m.Rec != nil || m.Late == nil || *m.Late != "" {
		t.Errorf("defaults set: %+v", m)
	}
	if !lt.IsDefault(p) || !lt.IsEmpty(p) {
		t.Error("defaults not recognised")
	}
	m.Items = append(m.Items, testInner{})
	if lt.IsDefault(p) || lt.Fields[1].IsEmpty(unsafe.Pointer(&m.Items)) {
		t.Error("an element counted as default")
	}
	m.Items, m.UnknownTags = nil, kio.RawTags{9: nil}
	if lt.IsDefault(p) {
		t.Error("kept unknown tags counted as default")
	}
}
