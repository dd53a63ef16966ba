package kafkajson_test

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"reflect"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/kafkajson"
	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// every message type at every version: requests, responses, headers, data schemas.
type target struct {
	typ     reflect.Type
	version int16
}

func targets() []target {
	var out []target
	for _, m := range schema.Messages() {
		for v := m.Versions.Lo; v <= m.Versions.Hi; v++ {
			out = append(out, target{m.Type, v})
		}
	}
	return out
}

// TestRoundTripEveryMessage: generated values of every message at every version,
// written as JSON in the lossless form and in Kafka's form with records as bytes,
// read back, are the same message: serial.Marshal gives the same bytes. In Kafka's
// form the unknown tagged fields are dropped, so they are compared without them.
func TestRoundTripEveryMessage(t *testing.T) {
	cases := 20
	if testing.Short() {
		cases = 3
	}
	n := 0
	for i, tg := range targets() {
		gen, err := kiotest.NewGen(tg.typ, tg.version, kiotest.WithRecords())
		if err != nil {
			t.Fatalf("%v v%d: %v", tg.typ, tg.version, err)
		}
		r := rand.New(rand.NewSource(int64(i)))
		for range cases {
			p := reflect.New(tg.typ)
			p.Elem().Set(reflect.ValueOf(kiotest.Sample(gen, r)))
			want, err := serial.Marshal(p.Interface(), tg.version)
			if err != nil {
				t.Fatalf("%v v%d: serial: %v", tg.typ, tg.version, err)
			}
			for _, opts := range []kafkajson.Options{kafkajson.Lossless, {Records: kafkajson.RecordsBytes, UnknownTags: true}} {
				js, err := opts.Marshal(p.Interface(), tg.version)
				if err != nil {
					t.Fatalf("%v v%d: marshal: %v", tg.typ, tg.version, err)
				}
				if !json.Valid(js) {
					t.Fatalf("%v v%d: invalid JSON %s", tg.typ, tg.version, js)
				}
				back := reflect.New(tg.typ)
				if err := kafkajson.Unmarshal(js, back.Interface(), tg.version); err != nil {
					t.Fatalf("%v v%d: unmarshal: %v\n%s", tg.typ, tg.version, err, js)
				}
				got, err := serial.Marshal(back.Interface(), tg.version)
				if err != nil {
					t.Fatalf("%v v%d: serial of the value read back: %v\n%s", tg.typ, tg.version, err, js)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%v v%d %+v: bytes differ\njson %s\nwant %x\ngot  %x", tg.typ, tg.version, opts, js, want, got)
				}
				n++
			}
		}
	}
	t.Logf("%d values of %d message versions read back", n, len(targets()))
}
