package javaoracle_test

// The one file of this package that uses tests/gen, kio's generator of random values
// from struct tags: the rest of the package asks it for encoded values only.

import (
	"math/rand"
	"reflect"

	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/gen"
)

// kioValues generates values of the message type typ valid at version and encodes them
// with kio: every field, nulls where the version allows them, tagged fields set and
// unset, unknown tagged fields in flexible versions.
type kioValues struct{ g *gen.Generator }

func newKioValues() kioValues { return kioValues{gen.New(gen.Options{})} }

// encode returns n values of typ at version encoded by kio, drawn from r.
func (k kioValues) encode(typ reflect.Type, version int16, n int, r *rand.Rand) ([][]byte, error) {
	out := make([][]byte, 0, n)
	for range n {
		v, err := k.g.Sample(typ, version, r)
		if err != nil {
			return nil, err
		}
		p := reflect.New(typ)
		p.Elem().Set(reflect.ValueOf(v))
		b, err := serial.Marshal(p.Interface(), version)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// missing lists the field states (null, tagged set and unset, unknown tags) the
// generator was asked for and never produced.
func (k kioValues) missing() []string {
	var out []string
	for _, f := range k.g.Coverage().Missing() {
		out = append(out, f.String())
	}
	return out
}
