package kiotest

import (
	"math"
	"math/rand"
	"reflect"

	"github.com/kio-go/kafka-protocol/kio/internal/layout"
)

// What kiotest knows of each wire kind: how to generate a non-null value and how to
// shrink one, side by side, one row per kind. What a kind is, which Go types carry it,
// its default and whether a value is at it, is kio/internal/layout's; its wire rules
// are kio/serial's (kind_*.go). A new kind is a row here.

// kindHooks is one kind's row. gen fills v, a new zero value of the kind's base Go type
// (the pointee for *string and *struct); shrink yields smaller values than v, each
// addressable.
type kindHooks struct {
	gen    func(g *generator, r *rand.Rand, va *layout.ValueAt, v reflect.Value, depth int)
	shrink func(g *generator, va *layout.ValueAt, v reflect.Value) stream
}

// kinds is indexed by layout.Kind; filled by init, since arrays and structs recurse
// through it.
var kinds [layout.NumKinds]kindHooks

func init() {
	kinds[layout.Bool] = kindHooks{genBool, shrinkBool}
	for _, k := range []layout.Kind{layout.Int8, layout.Int16, layout.Int32, layout.Int64} {
		kinds[k] = kindHooks{genInt, shrinkInt}
	}
	kinds[layout.Uint16] = kindHooks{genUint, shrinkUint}
	kinds[layout.Uint32] = kindHooks{genUint, shrinkUint}
	kinds[layout.Float64] = kindHooks{genFloat, shrinkFloat}
	kinds[layout.UUID] = kindHooks{genUUID, shrinkUUID}
	kinds[layout.String] = kindHooks{genString, shrinkString}
	kinds[layout.Bytes] = kindHooks{genBytes, shrinkBytes}
	kinds[layout.Array] = kindHooks{genArray, shrinkArray}
	kinds[layout.Struct] = kindHooks{genStructValue, shrinkStructValue}
}

// hooksOf returns kind k's row, nil for a kind without one.
func hooksOf(k layout.Kind) *kindHooks {
	if k < layout.NumKinds && kinds[k].gen != nil {
		return &kinds[k]
	}
	return nil
}

// Bool.

func genBool(_ *generator, r *rand.Rand, _ *layout.ValueAt, v reflect.Value, _ int) {
	v.SetBool(r.Intn(2) == 0)
}

func shrinkBool(_ *generator, _ *layout.ValueAt, v reflect.Value) stream {
	if v.Bool() {
		return values(fresh(v, func(x reflect.Value) { x.SetBool(false) }))
	}
	return emptyStream
}

// Signed integers: int8, int16, int32, int64.

func genInt(_ *generator, r *rand.Rand, _ *layout.ValueAt, v reflect.Value, _ int) {
	v.SetInt(randInt(r, v.Type().Bits()))
}

func shrinkInt(_ *generator, _ *layout.ValueAt, v reflect.Value) stream {
	return shrinkToward(v, towardZero(v.Int()), reflect.Value.SetInt)
}

// shrinkToward streams copies of v set to each candidate, in order.
func shrinkToward[T int64 | uint64](v reflect.Value, candidates []T, set func(reflect.Value, T)) stream {
	out := make([]reflect.Value, len(candidates))
	for i, c := range candidates {
		out[i] = fresh(v, func(x reflect.Value) { set(x, c) })
	}
	return values(out...)
}

// Unsigned integers: uint16, uint32.

func genUint(_ *generator, r *rand.Rand, _ *layout.ValueAt, v reflect.Value, _ int) {
	v.SetUint(randUint(r, v.Type().Bits()))
}

func shrinkUint(_ *generator, _ *layout.ValueAt, v reflect.Value) stream {
	return shrinkToward(v, towardZero(v.Uint()), reflect.Value.SetUint)
}

// Float64.

func genFloat(_ *generator, r *rand.Rand, _ *layout.ValueAt, v reflect.Value, _ int) {
	v.SetFloat(randFloat(r))
}

func shrinkFloat(_ *generator, _ *layout.ValueAt, v reflect.Value) stream {
	var out []reflect.Value
	x := v.Float()
	if x != 0 {
		out = append(out, fresh(v, func(y reflect.Value) { y.SetFloat(0) }))
		if tr := math.Trunc(x); tr != x && tr != 0 {
			out = append(out, fresh(v, func(y reflect.Value) { y.SetFloat(tr) }))
		}
	}
	return values(out...)
}

// UUID.

func genUUID(_ *generator, r *rand.Rand, _ *layout.ValueAt, v reflect.Value, _ int) {
	if r.Intn(edgeValueOneIn) != 0 { // else Kafka's zero uuid, which means "none"
		for i := range v.Len() {
			v.Index(i).SetUint(uint64(r.Intn(256)))
		}
	}
}

func shrinkUUID(_ *generator, _ *layout.ValueAt, v reflect.Value) stream {
	if !v.IsZero() {
		return values(reflect.New(v.Type()).Elem())
	}
	return emptyStream
}

// String (the pointee of a *string too).

func genString(g *generator, r *rand.Rand, _ *layout.ValueAt, v reflect.Value, _ int) {
	v.SetString(g.randString(r))
}

func shrinkString(_ *generator, _ *layout.ValueAt, v reflect.Value) stream {
	var out []reflect.Value
	for _, c := range shorterStrings(v.String()) {
		out = append(out, fresh(v, func(x reflect.Value) { x.SetString(c) }))
	}
	return values(out...)
}

// Bytes and records: record batches where the field is records and WithRecords asks.

func genBytes(g *generator, r *rand.Rand, va *layout.ValueAt, v reflect.Value, _ int) {
	if va.Records && g.cfg.records {
		v.SetBytes(g.randRecords(r))
	} else {
		v.SetBytes(g.randBytes(r))
	}
}

func shrinkBytes(g *generator, va *layout.ValueAt, v reflect.Value) stream {
	b := v.Bytes()
	var cands [][]byte
	if va.Records && g.cfg.records {
		cands = shorterRecords(b)
	} else if len(b) > 0 {
		cands = [][]byte{{}}
		if half := len(b) / 2; half > 0 {
			cands = append(cands, b[:half:half])
		}
		if len(b) > 1 {
			cands = append(cands, b[:len(b)-1:len(b)-1])
		}
	}
	out := make([]reflect.Value, len(cands))
	for i, c := range cands {
		out[i] = fresh(v, func(x reflect.Value) { x.SetBytes(c) })
	}
	return values(out...)
}

// Arrays: a count within the limits (long ones of non-structs now and then), then the
// elements.

func genArray(g *generator, r *rand.Rand, va *layout.ValueAt, v reflect.Value, depth int) {
	count := 0
	switch {
	case depth >= g.cfg.limits.MaxDepth:
	case va.Elem.Kind != layout.Struct && g.long(r):
		count = 100 + r.Intn(51)
	default:
		limit := g.cfg.limits.MaxElems
		if depth >= 2 {
			limit = max(1, limit/2)
		}
		count = r.Intn(limit + 1)
	}
	s := reflect.MakeSlice(v.Type(), count, count)
	for i := range count {
		s.Index(i).Set(g.genValue(r, va.Elem, depth))
	}
	v.Set(s)
}

func shrinkArray(g *generator, va *layout.ValueAt, v reflect.Value) stream {
	return g.shrinkSlice(va, v)
}

// Structs (the pointee of a *struct too): one level deeper.

func genStructValue(g *generator, r *rand.Rand, va *layout.ValueAt, v reflect.Value, depth int) {
	v.Set(g.genStruct(r, va.Struct, depth+1))
}

func shrinkStructValue(g *generator, va *layout.ValueAt, v reflect.Value) stream {
	return g.shrinkStruct(va.Struct, v)
}
