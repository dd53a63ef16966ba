package kafkajson_test

import (
	"bytes"
	"errors"
	"math/rand"
	"reflect"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/kafkajson"
	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// fuzzTargets are the messages FuzzUnmarshal reads its input as, chosen by the input's
// first byte: nested arrays, nullable and tagged fields, records, UUIDs, float64.
var fuzzTargets = []struct {
	name    string
	version int16
}{
	{"MetadataRequest", 12}, {"MetadataResponse", 12}, {"ProduceRequest", 9}, {"FetchResponse", 16},
	{"ApiVersionsResponse", 3}, {"DescribeClientQuotasResponse", 1}, {"RequestHeader", 2}, {"VotersRecord", 0},
}

func fuzzType(i int) (reflect.Type, int16) {
	t := fuzzTargets[i%len(fuzzTargets)]
	m, _ := schema.LookupMessage(t.name)
	return m.Type, t.version
}

// FuzzUnmarshal: any bytes (after a first byte choosing the message) as the JSON of a message either fail with an *Error
// wrapping one of the sentinels, or read into a value whose lossless JSON reads back
// to the same message (the same binary encoding).
func FuzzUnmarshal(f *testing.F) {
	r := rand.New(rand.NewSource(7))
	for i := range fuzzTargets {
		typ, v := fuzzType(i)
		g, err := kiotest.NewGen(typ, v, kiotest.WithRecords())
		if err != nil {
			f.Fatal(err)
		}
		for range 3 {
			p := reflect.New(typ)
			p.Elem().Set(reflect.ValueOf(kiotest.Sample(g, r)))
			for _, o := range []kafkajson.Options{{}, {Records: kafkajson.RecordsBytes}, kafkajson.Lossless} {
				js, err := o.Marshal(p.Interface(), v)
				if err != nil {
					f.Fatal(err)
				}
				f.Add(append([]byte{byte(i)}, js...))
			}
		}
	}
	f.Add([]byte("\x00" + `{"topics":[{"name":"\ud800","topicId":"AAAAAAAAAAAAAAAAAAAAAA"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		typ, v := fuzzType(int(data[0]))
		data = data[1:]
		p := reflect.New(typ)
		err := kafkajson.Unmarshal(data, p.Interface(), v)
		if err != nil {
			var e *kafkajson.Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *Error: %v", err)
			}
			for _, s := range []error{kafkajson.ErrSyntax, kafkajson.ErrType, kafkajson.ErrMissing, kafkajson.ErrRange, kafkajson.ErrNull, kafkajson.ErrVersion} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("no sentinel: %v", err)
		}
		bin, err := serial.Marshal(p.Interface(), v)
		if err != nil {
			return // read, but not writable at the version (a field the version lacks): as the converters
		}
		js, err := kafkajson.Lossless.Marshal(p.Interface(), v)
		if err != nil {
			t.Fatalf("read, but not written: %v", err)
		}
		q := reflect.New(typ)
		if err := kafkajson.Unmarshal(js, q.Interface(), v); err != nil {
			t.Fatalf("its own JSON does not read back: %v\n%s", err, js)
		}
		again, err := serial.Marshal(q.Interface(), v)
		if err != nil || !bytes.Equal(again, bin) {
			t.Fatalf("read back to another message: %v\n%x\n%x\n%s", err, bin, again, js)
		}
	})
}
