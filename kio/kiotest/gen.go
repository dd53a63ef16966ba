package kiotest

import (
	"errors"
	"fmt"
	"math/rand"
	"reflect"

	"github.com/leanovate/gopter"

	"github.com/kio-go/kafka-protocol/kio/internal/layout"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// Gen returns a generator of values of T valid at version; see the package
// documentation for what they hold. T must be a struct type the codec accepts at
// version: otherwise Gen panics with the error NewGen returns.
func Gen[T any](version int16, opts ...Option) gopter.Gen {
	return GenOf(reflect.TypeFor[T](), version, opts...)
}

// GenOf is Gen for a type known at run time: it generates values of t (not pointers
// to them). It panics with the error NewGen returns.
func GenOf(t reflect.Type, version int16, opts ...Option) gopter.Gen {
	g, err := NewGen(t, version, opts...)
	if err != nil {
		panic(err)
	}
	return g
}

// NewGen is GenOf returning its error rather than panicking. A struct the codec
// refuses is refused with the codec's own error: serial.Check's *serial.Error wrapping
// serial.ErrSchema for a malformed tag or a Go type that cannot carry its Kafka type,
// or the *serial.Error wrapping serial.ErrVersion that encoding would return for a
// version outside the marker's versions. Besides, NewGen refuses a t that is not a
// struct (a pointer included), options beyond Kafka's limits, and a struct that must
// contain itself at version (no finite value exists).
func NewGen(t reflect.Type, version int16, opts ...Option) (gopter.Gen, error) {
	g, err := newGenerator(t, version, opts)
	if err != nil {
		return nil, err
	}
	return func(params *gopter.GenParameters) *gopter.GenResult {
		v := g.genStruct(params.Rng, g.top, 0)
		return gopter.NewGenResult(v.Interface(), g.shrinkValue)
	}, nil
}

// shrinkValue is g.shrink as a gopter.Shrinker.
func (g *generator) shrinkValue(value any) gopter.Shrink { return g.shrink(value) }

// Sample draws one value from gen (any gopter.Gen) with randomness from r, for use
// outside a gopter property: fuzz seed corpora, oracles that compare encoders. It
// returns nil when gen yields no value.
func Sample(gen gopter.Gen, r *rand.Rand) any {
	res := gen(&gopter.GenParameters{MaxSize: 100, MaxShrinkCount: 1000, Rng: r})
	v, ok := res.Retrieve()
	if !ok {
		return nil
	}
	return v
}

func newGenerator(t reflect.Type, version int16, opts []Option) (*generator, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if t != nil && t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
		return nil, fmt.Errorf("kiotest: %v is a pointer: generators make struct values; use %v", t, t.Elem())
	}
	if err := serial.Check(t); err != nil {
		return nil, err
	}
	// The codec's answer for this version: the plan is compiled by encoding Go's zero
	// value, and only a refusal of the type or version counts (a zero value may well
	// lack a non-nullable string, which is no fault of the type).
	if _, err := serial.Marshal(reflect.New(t).Interface(), version); errors.Is(err, serial.ErrSchema) || errors.Is(err, serial.ErrVersion) {
		return nil, err
	}
	top, err := layout.Of(t).MessageAt(version)
	if err != nil {
		return nil, err // serial accepted t at version above: not reached
	}
	if err := requiredCycle(top, map[*layout.Version]int{}); err != nil {
		return nil, err
	}
	g := &generator{cfg: cfg, top: top}
	if cfg.coverage != nil {
		g.cov = map[*layout.Version]*structCoverage{}
		reachable(top, map[*layout.Version]bool{}, func(v *layout.Version) {
			g.cov[v] = cfg.coverage.slots(v)
		})
	}
	return g, nil
}
