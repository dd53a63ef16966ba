package serial_test

import (
	"bytes"
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// allKinds holds every wire kind in every form the codec knows (nullable, tagged,
// compact and classic, element and nested), for the differential test beside the
// generated messages, which lack some (float64 lists, uint32 arrays, nullable structs
// in classic versions).
type allKinds struct {
	_       struct{}      `kafka:"request,apiKey=9999,versions=0-3,flexible=2+"`
	B       bool          `kafka:"type=bool"`
	I8      int8          `kafka:"type=int8"`
	I16     int16         `kafka:"type=int16,default=-1"`
	I32     int32         `kafka:"type=int32"`
	I64     int64         `kafka:"type=int64"`
	U16     uint16        `kafka:"type=uint16"`
	U32     uint32        `kafka:"type=uint32"`
	F64     float64       `kafka:"type=float64"`
	ID      kio.UUID      `kafka:"type=uuid"`
	S       string        `kafka:"type=string"`
	NS      *string       `kafka:"type=string,nullable=1+"`
	Bs      []byte        `kafka:"type=bytes"`
	NBs     []byte        `kafka:"type=bytes,nullable=0+"`
	Rec     []byte        `kafka:"type=records,nullable=0+"`
	I32s    []int32       `kafka:"type=[]int32"`
	NI32s   []int32       `kafka:"type=[]int32,nullable=1+"`
	I64s    []int64       `kafka:"type=[]int64"`
	F64s    []float64     `kafka:"type=[]float64"`
	Ss      []string      `kafka:"type=[]string"`
	Subs    []allKindsSub `kafka:"type=[]allKindsSub"`
	Sub     allKindsSub   `kafka:"type=allKindsSub"`
	NSub    *allKindsSub  `kafka:"type=allKindsSub,nullable=1+,default=null"`
	TagI32  int32         `kafka:"type=int32,versions=2+,tag=0,tagged=2+,default=7"`
	TagS    *string       `kafka:"type=string,versions=2+,nullable=2+,tag=1,tagged=2+,default=null"`
	TagSub  *allKindsSub  `kafka:"type=allKindsSub,versions=2+,nullable=2+,tag=2,tagged=2+,default=null"`
	TagArr  []allKindsSub `kafka:"type=[]allKindsSub,versions=3+,tag=3,tagged=3+"`
	Late    int64         `kafka:"type=int64,versions=3+,default=-5"`
	Unknown kio.RawTags   `kafka:"unknownTags"`
}

type allKindsSub struct {
	A       int32       `kafka:"type=int32"`
	Name    string      `kafka:"type=string"`
	List    []int32     `kafka:"type=[]int32"`
	Unknown kio.RawTags `kafka:"unknownTags"`
}

// pairKinds has the shape of a Fetch or Produce (an array of structs whose fixed-width
// fields come before an array of structs), in classic (v0) and compact (v1) form, for
// the one-allocation path of a one-element array in a one-element array
// (pair_alloc.go).
type pairKinds struct {
	_     struct{}    `kafka:"request,apiKey=9998,versions=0-1,flexible=1+"`
	Outer []pairOuter `kafka:"type=[]pairOuter"`
}

type pairOuter struct {
	A     int32       `kafka:"type=int32,default=-1"`
	Topic string      `kafka:"type=string"`
	ID    kio.UUID    `kafka:"type=uuid"`
	Inner []pairInner `kafka:"type=[]pairInner"`
	Name  string      `kafka:"type=string"`
}

type pairInner struct {
	B int64   `kafka:"type=int64"`
	S string  `kafka:"type=string"`
	L []int32 `kafka:"type=[]int32"`
}

// TestFastPathsAgree is the differential test of the fast paths (see serial's
// optimize): for every message type of the schema index and allKinds, at every version,
// generated values and corruptions of their bytes must give the same bytes, sizes,
// values and errors through plans with the fast paths on and off.
func TestFastPathsAgree(t *testing.T) {
	perVersion := 20
	if testing.Short() {
		perVersion = 2
	}
	types := []reflect.Type{reflect.TypeFor[allKinds](), reflect.TypeFor[pairKinds]()}
	for _, m := range schema.Messages() {
		types = append(types, m.Type)
	}
	r := rand.New(rand.NewSource(20))
	checked := 0
	for _, typ := range types {
		lo, hi := versionRange(t, typ)
		for v := lo; v <= hi; v++ {
			gen, err := kiotest.NewGen(typ, v, kiotest.WithRecords())
			if err != nil {
				t.Errorf("%v v%d: %v", typ, v, err)
				continue
			}
			for range perVersion {
				val := kiotest.Sample(gen, r)
				ptr := reflect.New(typ)
				ptr.Elem().Set(reflect.ValueOf(val))
				agreeEncode(t, ptr.Interface(), v)
				wireBytes, _, err := serial.MarshalWith(ptr.Interface(), v, false)
				if err != nil {
					continue // reported by agreeEncode
				}
				agreeDecode(t, typ, wireBytes, v, "as encoded")
				for _, cut := range []int{len(wireBytes) - 1, len(wireBytes) / 2, 1} {
					if cut >= 0 && cut < len(wireBytes) {
						agreeDecode(t, typ, wireBytes[:cut], v, fmt.Sprintf("cut at %d", cut))
					}
				}
				if len(wireBytes) > 0 {
					bad := bytes.Clone(wireBytes)
					i := r.Intn(len(bad))
					bad[i] ^= byte(1 + r.Intn(255))
					agreeDecode(t, typ, bad, v, fmt.Sprintf("byte %d flipped", i))
				}
				// Other versions: a value of v encoded at v±1 may be refused (a field
				// absent there); both paths must say the same.
				for _, w := range []int16{v - 1, v + 1} {
					if w >= lo && w <= hi {
						agreeEncode(t, ptr.Interface(), w)
					}
				}
				checked++
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d values checked", checked)
	}
	t.Logf("%d values of %d types checked both ways", checked, len(types))
}

func versionRange(t *testing.T, typ reflect.Type) (int16, int16) {
	for _, m := range schema.Messages() {
		if m.Type == typ {
			return m.Versions.Lo, m.Versions.Hi
		}
	}
	if typ == reflect.TypeFor[pairKinds]() {
		return 0, 1
	}
	return 0, 3 // allKinds
}

func agreeEncode(t *testing.T, v any, version int16) {
	t.Helper()
	fast, fastSize, fastErr := serial.MarshalWith(v, version, false)
	general, generalSize, generalErr := serial.MarshalWith(v, version, true)
	name := fmt.Sprintf("%T v%d", v, version)
	if errString(fastErr) != errString(generalErr) {
		t.Fatalf("%s: encode errors differ:\nfast:    %v\ngeneral: %v", name, fastErr, generalErr)
	}
	if !bytes.Equal(fast, general) {
		t.Fatalf("%s: encodings differ:\nfast:    %x\ngeneral: %x", name, fast, general)
	}
	if fastSize != generalSize || (fastErr == nil && fastSize != len(fast)) {
		t.Fatalf("%s: sizes differ: fast %d, general %d, encoded %d", name, fastSize, generalSize, len(fast))
	}
	// Marshal's own buffer handling (size pass or scratch memory) changes nothing.
	if m, err := serial.Marshal(v, version); errString(err) != errString(fastErr) || !bytes.Equal(m, fast) {
		t.Fatalf("%s: Marshal gave %x, %v; the fast plan %x, %v", name, m, err, fast, fastErr)
	}
}

func agreeDecode(t *testing.T, typ reflect.Type, data []byte, version int16, what string) {
	t.Helper()
	fast, general := reflect.New(typ), reflect.New(typ)
	fastErr := serial.UnmarshalWith(data, fast.Interface(), version, false)
	generalErr := serial.UnmarshalWith(data, general.Interface(), version, true)
	if errString(fastErr) != errString(generalErr) {
		t.Fatalf("%v v%d %s: decode errors differ:\nfast:    %v\ngeneral: %v", typ, version, what, fastErr, generalErr)
	}
	if fastErr == nil && !reflect.DeepEqual(fast.Interface(), general.Interface()) {
		t.Fatalf("%v v%d %s: decoded values differ:\nfast:    %+v\ngeneral: %+v", typ, version, what, fast.Elem(), general.Elem())
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
