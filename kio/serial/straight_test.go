package serial_test

import (
	"bytes"
	"fmt"
	"github.com/kio-go/kafka-protocol/kio/internal/straight"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/heartbeat"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// TestStraightLineAgrees is the differential test of the generated straight-line
// encoders (kio/internal/straight): for every message and version that has one, over
// generated values and variants of them that reach what the encoders must decline (a
// string too long for the wire, a null where the field is not nullable, kept unknown
// tagged fields, a value in a field absent at the version: each value is also encoded
// at the versions beside its own), the encoder must either write the general plan's
// bytes in exactly the size it announced, or decline in both its functions, in which
// case Marshal and Append must still give the general plan's bytes or error.
func TestStraightLineAgrees(t *testing.T) {
	if !serial.FastPaths {
		// A kio_general build links no straight-line code (kio/schema/straightline.go):
		// there is nothing to compare, and nothing may be registered.
		if n := straight.Len(); n != 0 {
			t.Fatalf("a kio_general build registered %d straight-line functions", n)
		}
		return
	}
	perVersion, variantsOf := 20, 4
	if testing.Short() {
		perVersion, variantsOf = 3, 1
	}
	r := rand.New(rand.NewSource(22))
	var pairs, handled int
	// By variant: handled and declined.
	handledAs, declined := map[string]int{}, map[string]int{}
	for _, m := range schema.Messages() {
		lo, hi := m.Versions.Lo, m.Versions.Hi
		for v := lo; v <= hi; v++ {
			if _, _, has, _, _ := serial.StraightWith(reflect.New(m.Type).Interface(), v); !has {
				continue
			}
			pairs++
			gen, err := kiotest.NewGen(m.Type, v)
			if err != nil {
				t.Fatalf("%v v%d: %v", m.Type, v, err)
			}
			for i := range perVersion {
				val := reflect.ValueOf(kiotest.Sample(gen, r))
				variants := []straightVariant{{"as generated", val}}
				if i < variantsOf {
					variants = append(variants, straightVariants(val, r)...)
				}
				for _, vr := range variants {
					ptr := reflect.New(m.Type)
					ptr.Elem().Set(vr.val)
					for w := max(lo, v-1); w <= min(hi, v+1); w++ {
						if h, has := agreeStraight(t, ptr.Interface(), w, vr.name); h {
							handled++
							handledAs[vr.name]++
						} else if has {
							declined[vr.name]++
						}
					}
				}
			}
		}
	}
	t.Logf("%d message versions with straight-line encoders; %d values handled: %v; declined: %v", pairs, handled, handledAs, declined)
	if pairs < 100 || handled < 1000 {
		t.Fatalf("only %d message versions and %d values handled by straight-line encoders", pairs, handled)
	}
	// The encoders wrote nulls, empty and long strings and bytes (two-byte compact
	// lengths), and numbers at -1.
	for _, want := range []string{"null", "empty", "long string", "long bytes", "default",
		"empty array", "null array", "multi-element array", "null struct", "present struct",
		"nested long string", "nested empty", "nested null",
		"tagged zero", "tagged set", "nested tagged zero", "nested tagged set"} {
		if handledAs[want] == 0 {
			t.Errorf("no %q value was handled by a straight-line encoder", want)
		}
	}
	// Each case the encoders must decline was reached and declined.
	for _, want := range []string{"string too long", "unknown tags", "null", "absent field set",
		"nested unknown tags", "nested absent field set", "nested string too long", "null struct"} {
		if declined[want] == 0 {
			t.Errorf("no %q value was declined: the variants no longer reach that case", want)
		}
	}
}

type straightVariant struct {
	name string
	val  reflect.Value
}

// straightVariants returns copies of the message val with one field changed each, to
// the values the straight-line encoders handle specially: strings empty, long (two
// bytes of compact length) and too long, null and not, bytes null, empty and long,
// numbers at -1 (many fields' default, accepted where the field is absent) and other
// values, unknown tags kept, and the first element set in an array field (absent at
// the version, as every array of a flat message is).
func straightVariants(val reflect.Value, r *rand.Rand) []straightVariant {
	return straightVariantsAt(val, r, 0)
}

// maxNested bounds how deep straightVariantsAt goes into nested structs.
const maxNested = 3

// nestedName names a variant made one struct down: "nested X" for any depth.
func nestedName(name string) string {
	if strings.HasPrefix(name, "nested ") {
		return name
	}
	return "nested " + name
}

// straightVariantsAt is straightVariants for a struct at the given nesting depth: it
// also varies arrays (empty, null, several elements), nullable structs (null and
// present) and, down to maxNested, the fields of nested structs and of an array's
// first element, named "nested ...".
func straightVariantsAt(val reflect.Value, r *rand.Rand, depth int) []straightVariant {
	var out []straightVariant
	with := func(name string, i int, set func(f reflect.Value)) {
		c := reflect.New(val.Type()).Elem()
		c.Set(val)
		set(c.Field(i))
		out = append(out, straightVariant{name, c})
	}
	long := strings.Repeat("k", 200)
	tooLong := strings.Repeat("x", 40000)
	for i := range val.NumField() {
		f := val.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		ft := f.Type
		if strings.Contains(f.Tag.Get("kafka"), "tag=") {
			// A known tagged field: at Go's zero value (its default, or not), and set.
			with("tagged zero", i, func(f reflect.Value) { f.SetZero() })
			with("tagged set", i, func(f reflect.Value) { setSome(f) })
		}
		switch {
		case ft == reflect.TypeFor[kio.RawTags]():
			with("unknown tags", i, func(f reflect.Value) { f.Set(reflect.ValueOf(kio.RawTags{uint32(100 + r.Intn(50)): {1, 2}})) })
			with("empty", i, func(f reflect.Value) { f.Set(reflect.ValueOf(kio.RawTags{})) })
		case ft.Kind() == reflect.String:
			with("empty", i, func(f reflect.Value) { f.SetString("") })
			with("long string", i, func(f reflect.Value) { f.SetString(long) })
			with("string too long", i, func(f reflect.Value) { f.SetString(tooLong) })
			with("absent field set", i, func(f reflect.Value) { f.SetString("set") })
		case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.String:
			with("null", i, func(f reflect.Value) { f.SetZero() })
			with("empty", i, func(f reflect.Value) { s := ""; f.Set(reflect.ValueOf(&s).Convert(ft)) })
			with("long string", i, func(f reflect.Value) { f.Set(reflect.ValueOf(&long).Convert(ft)) })
			with("string too long", i, func(f reflect.Value) { f.Set(reflect.ValueOf(&tooLong).Convert(ft)) })
			with("absent field set", i, func(f reflect.Value) { s := "set"; f.Set(reflect.ValueOf(&s).Convert(ft)) })
		case ft == reflect.TypeFor[[]byte]():
			with("null", i, func(f reflect.Value) { f.SetZero() })
			with("empty", i, func(f reflect.Value) { f.SetBytes([]byte{}) })
			with("long bytes", i, func(f reflect.Value) { f.SetBytes(bytes.Repeat([]byte{7}, 300)) })
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			with("absent field set", i, func(f reflect.Value) { f.Set(reflect.MakeSlice(ft, 1, 1)) })
			if depth >= maxNested {
				break
			}
			with("empty array", i, func(f reflect.Value) { f.Set(reflect.MakeSlice(ft, 0, 0)) })
			with("null array", i, func(f reflect.Value) { f.SetZero() })
			elem := reflect.New(ft.Elem()).Elem()
			if cur := val.Field(i); cur.Len() > 0 {
				elem.Set(cur.Index(0))
			}
			with("multi-element array", i, func(f reflect.Value) {
				s := reflect.MakeSlice(ft, 3, 3)
				for j := range 3 {
					s.Index(j).Set(elem)
				}
				f.Set(s)
			})
			// The first element changed as a message is (unknown tags, absent fields set,
			// long strings...), one level down.
			for _, ev := range straightVariantsAt(elem, r, depth+1) {
				with(nestedName(ev.name), i, func(f reflect.Value) {
					s := reflect.MakeSlice(ft, 2, 2)
					s.Index(0).Set(ev.val)
					s.Index(1).Set(elem)
					f.Set(s)
				})
			}
		case ft.Kind() == reflect.Struct:
			if depth >= maxNested {
				break
			}
			for _, ev := range straightVariantsAt(val.Field(i), r, depth+1) {
				with(nestedName(ev.name), i, func(f reflect.Value) { f.Set(ev.val) })
			}
		case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct:
			with("null struct", i, func(f reflect.Value) { f.SetZero() })
			elem := reflect.New(ft.Elem()).Elem()
			if cur := val.Field(i); !cur.IsNil() {
				elem.Set(cur.Elem())
			}
			with("present struct", i, func(f reflect.Value) { p := reflect.New(ft.Elem()); p.Elem().Set(elem); f.Set(p) })
			if depth >= maxNested {
				break
			}
			for _, ev := range straightVariantsAt(elem, r, depth+1) {
				with(nestedName(ev.name), i, func(f reflect.Value) { p := reflect.New(ft.Elem()); p.Elem().Set(ev.val); f.Set(p) })
			}
		case ft.Kind() == reflect.Slice:
			with("absent field set", i, func(f reflect.Value) { f.Set(reflect.MakeSlice(ft, 1, 1)) })
			with("empty array", i, func(f reflect.Value) { f.Set(reflect.MakeSlice(ft, 0, 0)) })
			with("null array", i, func(f reflect.Value) { f.SetZero() })
			with("multi-element array", i, func(f reflect.Value) { f.Set(reflect.MakeSlice(ft, 3, 3)) })
		case ft.Kind() >= reflect.Int8 && ft.Kind() <= reflect.Int64:
			with("default", i, func(f reflect.Value) { f.SetInt(-1) })
			with("absent field set", i, func(f reflect.Value) { f.SetInt(5) })
		case ft.Kind() == reflect.Uint16 || ft.Kind() == reflect.Uint32:
			with("absent field set", i, func(f reflect.Value) { f.SetUint(5) })
		case ft.Kind() == reflect.Bool:
			with("absent field set", i, func(f reflect.Value) { f.SetBool(!f.Bool()) })
		case ft.Kind() == reflect.Float64:
			with("absent field set", i, func(f reflect.Value) { f.SetFloat(0.5) })
		case ft == reflect.TypeFor[kio.UUID]():
			with("absent field set", i, func(f reflect.Value) { f.Set(reflect.ValueOf(kio.UUID{3: 1})) })
		}
	}
	return out
}

// setSome sets f to a value other than Go's zero value (and other than most
// defaults).
func setSome(f reflect.Value) {
	ft := f.Type()
	switch {
	case ft.Kind() == reflect.String:
		f.SetString("tagged")
	case ft.Kind() == reflect.Pointer:
		p := reflect.New(ft.Elem())
		if ft.Elem().Kind() == reflect.String {
			p.Elem().SetString("tagged")
		}
		f.Set(p)
	case ft.Kind() == reflect.Slice:
		f.Set(reflect.MakeSlice(ft, 2, 2))
	case ft.Kind() >= reflect.Int8 && ft.Kind() <= reflect.Int64:
		f.SetInt(7)
	case ft.Kind() == reflect.Uint16 || ft.Kind() == reflect.Uint32:
		f.SetUint(7)
	case ft.Kind() == reflect.Bool:
		f.SetBool(!f.Bool())
	case ft.Kind() == reflect.Float64:
		f.SetFloat(0.25)
	case ft == reflect.TypeFor[kio.UUID]():
		f.Set(reflect.ValueOf(kio.UUID{5: 9}))
	case ft.Kind() == reflect.Struct: // a struct value: its first field set
		for i := range ft.NumField() {
			if ft.Field(i).IsExported() && ft.Field(i).Type != reflect.TypeFor[kio.RawTags]() {
				setSome(f.Field(i))
				return
			}
		}
	}
}

// agreeStraight encodes v at version with its straight-line encoder, if it has one, and
// with the general plan, and through Marshal and Append; it reports whether there is an
// encoder and whether it handled v.
func agreeStraight(t *testing.T, v any, version int16, what string) (handled, has bool) {
	t.Helper()
	name := fmt.Sprintf("%T v%d (%s)", v, version, what)
	general, generalSize, generalErr := serial.MarshalWith(v, version, true)
	out, size, has, sizeOK, appendOK := serial.StraightWith(v, version)
	if has {
		if sizeOK != appendOK {
			t.Fatalf("%s: the straight-line size function handled it: %v, the append function: %v", name, sizeOK, appendOK)
		}
		if appendOK {
			if generalErr != nil {
				t.Fatalf("%s: the straight-line encoder wrote %x where the general plan fails: %v", name, out, generalErr)
			}
			if !bytes.Equal(out, general) {
				t.Fatalf("%s: encodings differ:\nstraight: %x\ngeneral:  %x", name, out, general)
			}
			if size != len(out) || size != generalSize {
				t.Fatalf("%s: straight-line size %d, wrote %d, general size %d", name, size, len(out), generalSize)
			}
		}
	}
	// The entry points, whichever way they went.
	m, err := serial.Marshal(v, version)
	if errString(err) != errString(generalErr) || !bytes.Equal(m, general) {
		t.Fatalf("%s: Marshal gave %x, %v; the general plan %x, %v", name, m, err, general, generalErr)
	}
	if err == nil && cap(m) != len(m) {
		t.Fatalf("%s: Marshal's buffer has capacity %d for %d bytes", name, cap(m), len(m))
	}
	prefix := []byte("prefix")
	a, err := serial.Append(prefix, v, version)
	if errString(err) != errString(generalErr) || (err == nil && !bytes.Equal(a, append(prefix, general...))) {
		t.Fatalf("%s: Append gave %x, %v; the general plan %x, %v", name, a, err, general, generalErr)
	}
	return has && appendOK, has
}

// The straight-line path is on exactly when the fast paths are (off in the kio_general
// build), for the schema's messages only; a struct of the caller's own of the same
// shape takes the plan and writes the same bytes; and a fresh encode still allocates
// once, an encode into a reused buffer not at all.
func TestStraightLineWired(t *testing.T) {
	gid := "instance"
	hb := &heartbeat.HeartbeatRequest{GroupId: "group", GenerationId: 42, MemberId: "member", GroupInstanceId: &gid}
	if got := serial.UsesStraight(hb, 4); got != serial.FastPaths {
		t.Fatalf("HeartbeatRequest v4 uses a straight-line encoder: %v; the fast paths are on: %v", got, serial.FastPaths)
	}
	type ownHeartbeat struct {
		_               struct{}    `kafka:"request,apiKey=12,versions=0-4,flexible=4+"`
		GroupId         string      `kafka:"type=string,versions=0+"`
		GenerationId    int32       `kafka:"type=int32,versions=0+"`
		MemberId        string      `kafka:"type=string,versions=0+"`
		GroupInstanceId *string     `kafka:"type=string,versions=3+,nullable=3+,default=null"`
		UnknownTags     kio.RawTags `kafka:"unknownTags"`
	}
	own := &ownHeartbeat{GroupId: "group", GenerationId: 42, MemberId: "member", GroupInstanceId: &gid}
	if serial.UsesStraight(own, 4) {
		t.Fatal("a struct of the caller's own uses a straight-line encoder")
	}
	for v := int16(0); v <= 4; v++ {
		a, errA := serial.Marshal(hb, v)
		b, errB := serial.Marshal(own, v)
		if v < 3 { // GroupInstanceId is absent: both refuse it
			if errA == nil || errB == nil {
				t.Fatalf("v%d: a set GroupInstanceId was accepted: %v, %v", v, errA, errB)
			}
			continue
		}
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Fatalf("v%d: generated type %x, %v; own type %x, %v", v, a, errA, b, errB)
		}
	}
	if n := testing.AllocsPerRun(100, func() {
		if _, err := serial.Marshal(hb, 4); err != nil {
			t.Fatal(err)
		}
	}); n != 1 {
		t.Errorf("Marshal of HeartbeatRequest v4 allocated %v times", n)
	}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = serial.Append(buf[:0], hb, 4); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Append of HeartbeatRequest v4 into a reused buffer allocated %v times", n)
	}
}
