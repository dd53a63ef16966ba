package javaoracle_test

// The one file of this package that uses kio/kiotest, kio's generator of random values
// from struct tags: the rest of the package asks it for encoded values only.

import (
	"math/rand"
	"reflect"

	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/leanovate/gopter"
)

// kioValues generates values of the message types valid at a version and encodes them
// with kio: every field, nulls where the version allows them, tagged fields set and
// unset, unknown tagged fields in flexible versions.
type kioValues struct {
	cov  *kiotest.Coverage
	gens map[genKey]gopter.Gen
}

type genKey struct {
	typ     reflect.Type
	version int16
}

func newKioValues() kioValues {
	return kioValues{cov: kiotest.NewCoverage(), gens: map[genKey]gopter.Gen{}}
}

// encode returns n values of typ at version encoded by kio, drawn from r.
func (k kioValues) encode(typ reflect.Type, version int16, n int, r *rand.Rand) ([][]byte, error) {
	g, ok := k.gens[genKey{typ, version}]
	if !ok {
		var err error
		if g, err = kiotest.NewGen(typ, version, kiotest.WithCoverage(k.cov)); err != nil {
			return nil, err
		}
		k.gens[genKey{typ, version}] = g
	}
	out := make([][]byte, 0, n)
	for range n {
		p := reflect.New(typ)
		p.Elem().Set(reflect.ValueOf(kiotest.Sample(g, r)))
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
	for _, f := range k.cov.Missing() {
		out = append(out, f.String())
	}
	return out
}
