package serial_test

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/kio-go/kafka-protocol/kio/internal/straight"
	"math/rand"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/heartbeat"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// TestStraightDecodersAgree is the differential test of the generated straight-line
// decoders (kio/internal/straight): for every message and version that has one, over
// generated values encoded by the general plan and corruptions of those bytes (cut
// short, a byte flipped, a byte added), the decoder must either decode exactly the
// general plan's value from exactly the bytes the plan reads, or decline; and
// Unmarshal and UnmarshalPrefix, which try it first, must give the general plan's
// value or its exact error either way.
func TestStraightDecodersAgree(t *testing.T) {
	if !serial.FastPaths {
		// A kio_general build links no straight-line code (kio/schema/straightline.go):
		// there is nothing to compare, and nothing may be registered.
		if n := straight.Decoders(); n != 0 {
			t.Fatalf("a kio_general build registered %d straight-line functions", n)
		}
		return
	}
	perVersion := 12
	if testing.Short() {
		perVersion = 2
	}
	r := rand.New(rand.NewSource(23))
	var pairs, handled, declined, asEncoded int
	seen := map[string]int{} // features of the values the decoders handled
	for _, m := range schema.Messages() {
		for v := m.Versions.Lo; v <= m.Versions.Hi; v++ {
			if _, has := serial.StraightDecodeWith(nil, reflect.New(m.Type).Interface(), v); !has {
				continue
			}
			pairs++
			gen, err := kiotest.NewGen(m.Type, v, kiotest.WithRecords())
			if err != nil {
				t.Fatalf("%v v%d: %v", m.Type, v, err)
			}
			for i := range perVersion {
				ptr := reflect.New(m.Type)
				ptr.Elem().Set(reflect.ValueOf(kiotest.Sample(gen, r)))
				if i%2 == 0 {
					// Kept unknown tags make the decoders decline: half the values
					// carry none, so that the decoders read the rest.
					dropUnknownTags(ptr.Elem())
				}
				data, _, err := serial.MarshalWith(ptr.Interface(), v, true)
				if err != nil {
					t.Fatalf("%v v%d: the general plan refused a generated value: %v", m.Type, v, err)
				}
				inputs := map[string][]byte{"as encoded": data, "a byte added": append(bytes.Clone(data), 0)}
				for _, cut := range []int{len(data) - 1, len(data) / 2, 1, 0} {
					if cut >= 0 && cut < len(data) {
						inputs[fmt.Sprintf("cut at %d", cut)] = data[:cut]
					}
				}
				for range 3 {
					if len(data) > 0 {
						bad := bytes.Clone(data)
						i := r.Intn(len(bad))
						bad[i] ^= byte(1 + r.Intn(255))
						inputs[fmt.Sprintf("byte %d flipped", i)] = bad
					}
				}
				for what, in := range inputs {
					got, ok := agreeStraightDecode(t, m.Type, in, v, what)
					if !ok {
						declined++
						continue
					}
					handled++
					if what == "as encoded" {
						asEncoded++
						countFeatures(got.Elem(), v, seen)
					}
				}
			}
		}
	}
	t.Logf("%d message versions with straight-line decoders; %d inputs decoded (%d as encoded), %d declined; features decoded: %v", pairs, handled, asEncoded, declined, seen)
	if pairs < 700 || asEncoded < pairs*perVersion/2 || declined < 1000 {
		t.Fatalf("only %d message versions, %d inputs decoded and %d declined by straight-line decoders", pairs, handled, declined)
	}
	// The decoders read what they must (generated values reach each case).
	for _, want := range []string{"null string", "null array", "null bytes", "null struct", "empty string",
		"long string", "long bytes", "tagged field set", "tagged field unset", "array of many structs",
		"one element holding one element", "empty array", "int32 list"} {
		if seen[want] == 0 {
			t.Errorf("no decoded value had a %s", want)
		}
	}
}

// dropUnknownTags empties every kio.RawTags in v, nested structs included.
func dropUnknownTags(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			dropUnknownTags(v.Elem())
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Struct {
			for i := range v.Len() {
				dropUnknownTags(v.Index(i))
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Field(i)
			if !f.CanSet() {
				continue
			}
			if f.Type() == reflect.TypeFor[kio.RawTags]() {
				f.SetZero()
				continue
			}
			dropUnknownTags(f)
		}
	}
}

// agreeStraightDecode decodes data at version with the straight-line decoder of typ,
// the general plan and Unmarshal, and checks they agree; it returns the straight
// decoder's value and whether it decoded.
func agreeStraightDecode(t *testing.T, typ reflect.Type, data []byte, version int16, what string) (reflect.Value, bool) {
	t.Helper()
	name := fmt.Sprintf("%v v%d (%s, %d bytes)", typ, version, what, len(data))
	general := reflect.New(typ)
	generalErr := serial.UnmarshalWith(data, general.Interface(), version, true)
	straight := reflect.New(typ)
	n, _ := serial.StraightDecodeWith(data, straight.Interface(), version)
	if n >= 0 {
		// It read n bytes: the plan reads the same value from exactly those.
		prefix := reflect.New(typ)
		if err := serial.UnmarshalWith(data[:n], prefix.Interface(), version, true); err != nil {
			t.Fatalf("%s: the straight-line decoder read %d bytes where the general plan fails: %v", name, n, err)
		}
		if !reflect.DeepEqual(straight.Interface(), prefix.Interface()) {
			t.Fatalf("%s: decoded values differ:\nstraight: %+v\ngeneral:  %+v", name, straight.Elem(), prefix.Elem())
		}
		if (n == len(data)) != (generalErr == nil) {
			t.Fatalf("%s: the straight-line decoder read %d of %d bytes; the general plan: %v", name, n, len(data), generalErr)
		}
	}
	// The entry points, whichever way they went: the general plan's value or error.
	public := reflect.New(typ)
	err := serial.Unmarshal(data, public.Interface(), version)
	if errString(err) != errString(generalErr) {
		t.Fatalf("%s: Unmarshal: %v; the general plan: %v", name, err, generalErr)
	}
	if err == nil && !reflect.DeepEqual(public.Interface(), general.Interface()) {
		t.Fatalf("%s: Unmarshal decoded %+v; the general plan %+v", name, public.Elem(), general.Elem())
	}
	if err != nil && errors.Is(err, serial.ErrTrailing) && !reflect.DeepEqual(public.Interface(), general.Interface()) {
		t.Fatalf("%s: Unmarshal decoded %+v before the trailing bytes; the general plan %+v", name, public.Elem(), general.Elem())
	}
	prefixed := reflect.New(typ)
	used, err := serial.UnmarshalPrefix(data, prefixed.Interface(), version)
	if err == nil {
		if n >= 0 && used != n {
			t.Fatalf("%s: UnmarshalPrefix used %d bytes, the straight-line decoder %d", name, used, n)
		}
		want := reflect.New(typ)
		if err := serial.UnmarshalWith(data[:used], want.Interface(), version, true); err != nil || !reflect.DeepEqual(prefixed.Interface(), want.Interface()) {
			t.Fatalf("%s: UnmarshalPrefix decoded %+v from %d bytes; the general plan %+v, %v", name, prefixed.Elem(), used, want.Elem(), err)
		}
	} else if generalErr == nil || errors.Is(generalErr, serial.ErrTrailing) {
		t.Fatalf("%s: UnmarshalPrefix failed: %v; the general plan: %v", name, err, generalErr)
	}
	return straight, n >= 0
}

// countFeatures notes in seen what the decoded message val at version holds: nulls,
// empty and long strings, tagged fields set and unset, arrays of several structs and
// one-element arrays holding one-element arrays, read from the fields' kafka tags.
func countFeatures(val reflect.Value, version int16, seen map[string]int) {
	t := val.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("kafka")
		if !f.IsExported() || tag == "" || tag == "unknownTags" || !inRange(tagValue(tag, "versions"), version) {
			continue
		}
		fv := val.Field(i)
		nullable := inRange(tagValue(tag, "nullable"), version)
		if tagValue(tag, "tag") != "" && inRange(tagValue(tag, "tagged"), version) {
			if fv.IsZero() || isTagDefault(fv, tag) {
				seen["tagged field unset"]++
			} else {
				seen["tagged field set"]++
			}
		}
		switch {
		case fv.Kind() == reflect.String:
			noteString(fv.Len(), seen)
		case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.String:
			if fv.IsNil() {
				if nullable {
					seen["null string"]++
				}
			} else {
				noteString(fv.Elem().Len(), seen)
			}
		case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Struct:
			if fv.IsNil() {
				if nullable {
					seen["null struct"]++
				}
			} else {
				countFeatures(fv.Elem(), version, seen)
			}
		case fv.Type() == reflect.TypeFor[[]byte]():
			switch {
			case fv.IsNil() && nullable:
				seen["null bytes"]++
			case fv.Len() >= 127:
				seen["long bytes"]++
			}
		case fv.Kind() == reflect.Slice:
			switch {
			case fv.IsNil():
				if nullable {
					seen["null array"]++
				}
			case fv.Len() == 0:
				seen["empty array"]++
			case fv.Type().Elem().Kind() == reflect.Int32:
				seen["int32 list"]++
			}
			if fv.Type().Elem().Kind() != reflect.Struct {
				break
			}
			if fv.Len() > 1 {
				seen["array of many structs"]++
			}
			if fv.Len() == 1 && holdsOneElementArray(fv.Index(0)) {
				seen["one element holding one element"]++
			}
			for j := range fv.Len() {
				countFeatures(fv.Index(j), version, seen)
			}
		case fv.Kind() == reflect.Struct && fv.Type() != reflect.TypeFor[kio.UUID]():
			countFeatures(fv, version, seen)
		}
	}
}

func noteString(n int, seen map[string]int) {
	switch {
	case n == 0:
		seen["empty string"]++
	case n >= 127:
		seen["long string"]++
	}
}

// holdsOneElementArray reports whether the struct s has a one-element array of structs.
func holdsOneElementArray(s reflect.Value) bool {
	for i := range s.NumField() {
		f := s.Field(i)
		if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct && f.Len() == 1 {
			return true
		}
	}
	return false
}

// isTagDefault reports whether the tagged field fv equals its default= literal (for
// numbers and nullable values) or, for a struct, whether each of its fields does.
func isTagDefault(fv reflect.Value, tag string) bool {
	def := tagValue(tag, "default")
	switch fv.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(def, 0, 64)
		return err == nil && fv.Int() == n
	case reflect.Pointer, reflect.Slice:
		return def == "null" && fv.IsNil() || fv.Kind() == reflect.Slice && fv.Len() == 0
	case reflect.Struct:
		for i := range fv.NumField() {
			sub := fv.Field(i)
			st := fv.Type().Field(i).Tag.Get("kafka")
			if st == "" || st == "unknownTags" {
				continue
			}
			if !sub.IsZero() && !isTagDefault(sub, st) {
				return false
			}
		}
		return true
	}
	return false
}

// tagValue returns the value of key in a kafka tag, "" when absent.
func tagValue(tag, key string) string {
	for _, part := range strings.Split(tag, ",") {
		if k, v, ok := strings.Cut(part, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// inRange reports whether version is in a tag's range ("3+", "0-2", "5", "none"); an
// absent range holds every version.
func inRange(r string, version int16) bool {
	switch {
	case r == "":
		return true
	case r == "none":
		return false
	case strings.HasSuffix(r, "+"):
		lo, _ := strconv.Atoi(strings.TrimSuffix(r, "+"))
		return int(version) >= lo
	}
	lo, hi, ok := strings.Cut(r, "-")
	if !ok {
		hi = lo
	}
	a, _ := strconv.Atoi(lo)
	b, _ := strconv.Atoi(hi)
	return int(version) >= a && int(version) <= b
}

// The straight-line decoders are on exactly when the fast paths are (off in the
// kio_general build), for the schema's messages only, and a straight-decoded
// one-topic, one-partition FetchResponse v16 allocates once (topic and partition
// together; its records alias the input).
func TestStraightDecoderWired(t *testing.T) {
	hb := &heartbeat.HeartbeatRequest{}
	if got := serial.UsesStraightDecoder(hb, 4); got != serial.FastPaths {
		t.Fatalf("HeartbeatRequest v4 uses a straight-line decoder: %v; the fast paths are on: %v", got, serial.FastPaths)
	}
	type ownHeartbeat struct {
		_            struct{}    `kafka:"request,apiKey=12,versions=0-4,flexible=4+"`
		GroupId      string      `kafka:"type=string,versions=0+"`
		GenerationId int32       `kafka:"type=int32,versions=0+"`
		MemberId     string      `kafka:"type=string,versions=0+"`
		UnknownTags  kio.RawTags `kafka:"unknownTags"`
	}
	if serial.UsesStraightDecoder(&ownHeartbeat{}, 4) {
		t.Fatal("a struct of the caller's own uses a straight-line decoder")
	}
	resp := serial.Default[fetch.FetchResponse]()
	part := serial.Default[fetch.PartitionData]()
	part.Records = bytes.Repeat([]byte{1}, 1<<20)
	resp.Responses = []fetch.FetchableTopicResponse{{TopicId: kio.UUID{1}, Partitions: []fetch.PartitionData{part}}}
	data, err := serial.Marshal(&resp, 16)
	if err != nil {
		t.Fatal(err)
	}
	if n, has := serial.StraightDecodeWith(data, new(fetch.FetchResponse), 16); serial.FastPaths && (!has || n != len(data)) {
		t.Fatalf("the straight-line decoder of FetchResponse v16 read %d of %d bytes (has %v)", n, len(data), has)
	}
	var got fetch.FetchResponse
	allocs := testing.AllocsPerRun(100, func() {
		if err := serial.Unmarshal(data, &got, 16); err != nil {
			t.Fatal(err)
		}
	})
	want := 1.0
	if !serial.FastPaths {
		want = 2 // the general plan allocates topic and partition apart
	}
	if allocs != want {
		t.Errorf("a one-partition FetchResponse v16 decode allocated %v times, want %v", allocs, want)
	}
	if len(got.Responses) != 1 || len(got.Responses[0].Partitions) != 1 || len(got.Responses[0].Partitions[0].Records) != 1<<20 {
		t.Fatalf("decoded %+v", got.Responses)
	}
}
