package gen

import (
	"math"
	"math/rand"
	"reflect"

	"github.com/kio-go/kafka-protocol/kio"
)

// Odds of each field state, as one chance in N. Nulls and unknown tags are the rarer
// state so that most values still exercise the nested content.
const (
	nullOneIn        = 4
	taggedSetOneIn   = 2
	unknownTagsOneIn = 3
	edgeValueOneIn   = 4 // integers and floats: pick a boundary value instead of a random one
	// setAttempts bounds the redraws looking for a tagged value unlike its default.
	setAttempts = 32
)

// genStruct generates a struct following plan p; depth counts the structs above it.
func (g *Generator) genStruct(r *rand.Rand, p *structPlan, depth int) reflect.Value {
	v := reflect.New(p.t).Elem()
	for i := range p.fields {
		f := &p.fields[i]
		fv := v.Field(f.index)
		switch {
		case !f.present:
			fv.Set(f.makeDefault())
		case f.tagged:
			g.genTagged(r, f, fv, depth)
		default:
			fv.Set(g.genField(r, f, depth))
		}
		if f.nullable {
			f.cov.record(nullState(fv))
		}
	}
	if p.unknownCov != nil {
		if r.Intn(unknownTagsOneIn) == 0 {
			v.Field(p.unknownTags).Set(reflect.ValueOf(g.genRawTags(r, p.firstUnknownTag)))
			p.unknownCov.record(Set)
		} else {
			p.unknownCov.record(Unset)
		}
	}
	return v
}

// genField generates a present, untagged field: null only where it is nullable.
func (g *Generator) genField(r *rand.Rand, f *fieldPlan, depth int) reflect.Value {
	deep := depth >= g.opts.MaxDepth && f.node.kind == kindStruct // stops self-nesting types
	if f.nullable && (deep || r.Intn(nullOneIn) == 0) {
		return reflect.Zero(f.node.t)
	}
	return g.genNode(r, f.node, depth)
}

// genTagged leaves a tagged field at its default or sets it to a value the codec must
// write. "Unlike the default" ignores the nil/empty distinction of slices, so the set
// value is written whatever the codec's notion of an empty tagged field is.
func (g *Generator) genTagged(r *rand.Rand, f *fieldPlan, fv reflect.Value, depth int) {
	def := f.makeDefault()
	if r.Intn(taggedSetOneIn) == 0 {
		for range setAttempts {
			v := g.genField(r, f, depth)
			if !looseEqual(v, def) {
				fv.Set(v)
				f.cov.record(Set)
				return
			}
		}
	}
	fv.Set(def)
	f.cov.record(Unset)
}

// genNode generates one non-null value as n describes.
func (g *Generator) genNode(r *rand.Rand, n *node, depth int) reflect.Value {
	var v reflect.Value
	if n.ptr {
		v = reflect.New(n.t.Elem()).Elem()
	} else {
		v = reflect.New(n.t).Elem()
	}
	switch n.kind {
	case kindBool:
		v.SetBool(r.Intn(2) == 0)
	case kindInt:
		v.SetInt(randInt(r, v.Type().Bits()))
	case kindUint:
		v.SetUint(randUint(r, v.Type().Bits()))
	case kindFloat:
		v.SetFloat(randFloat(r))
	case kindString:
		v.SetString(g.randString(r))
	case kindBytes:
		v.SetBytes(g.randBytes(r))
	case kindUUID:
		if r.Intn(edgeValueOneIn) != 0 { // else Kafka's zero uuid, which means "none"
			for i := range v.Len() {
				v.Index(i).SetUint(uint64(r.Intn(256)))
			}
		}
	case kindSlice:
		count := 0
		switch {
		case depth >= g.opts.MaxDepth:
		case n.elem.kind != kindStruct && g.long(r):
			count = 100 + r.Intn(51)
		default:
			limit := g.opts.MaxElems
			if depth >= 2 {
				limit = max(1, limit/2)
			}
			count = r.Intn(limit + 1)
		}
		s := reflect.MakeSlice(n.t, count, count)
		for i := range count {
			s.Index(i).Set(g.genNode(r, n.elem, depth))
		}
		v.Set(s)
	case kindStruct:
		v.Set(g.genStruct(r, n.plan, depth+1))
	}
	if n.ptr {
		return v.Addr()
	}
	return v
}

// genRawTags returns one or two unknown tagged fields with ids from first upwards.
func (g *Generator) genRawTags(r *rand.Rand, first uint32) kio.RawTags {
	n := 1 + r.Intn(2)
	tags := make(kio.RawTags, n)
	id := first + uint32(r.Intn(64))
	for range n {
		tags[id] = g.randBytes(r)
		id += 1 + uint32(r.Intn(64))
	}
	return tags
}

// nullState reports whether a nilable field value is null.
func nullState(v reflect.Value) State {
	if v.IsNil() {
		return Null
	}
	return NonNull
}

// randInt returns a signed integer spanning the full range of a bits-wide type, often
// one of its boundaries, where varint and fixed-width encodings tend to break.
func randInt(r *rand.Rand, bits int) int64 {
	if r.Intn(edgeValueOneIn) == 0 {
		lo := int64(-1) << (bits - 1)
		edges := [...]int64{0, 1, -1, lo, ^lo, 63, 64, -64, -65, 127, 128}
		e := edges[r.Intn(len(edges))]
		return e << (64 - bits) >> (64 - bits) // wrap into range
	}
	return int64(r.Uint64()) >> (64 - bits)
}

// randUint is randInt for unsigned types.
func randUint(r *rand.Rand, bits int) uint64 {
	if r.Intn(edgeValueOneIn) == 0 {
		edges := [...]uint64{0, 1, 127, 128, 16383, 16384, math.MaxUint64}
		return edges[r.Intn(len(edges))] << (64 - bits) >> (64 - bits)
	}
	return r.Uint64() >> (64 - bits)
}

// randFloat returns a finite float64: NaN never equals itself, so it cannot round-trip
// under a value comparison.
func randFloat(r *rand.Rand) float64 {
	if r.Intn(edgeValueOneIn) == 0 {
		edges := [...]float64{0, math.Copysign(0, -1), 1, -1.5, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64}
		return edges[r.Intn(len(edges))]
	}
	for {
		if x := math.Float64frombits(r.Uint64()); !math.IsNaN(x) && !math.IsInf(x, 0) {
			return x
		}
	}
}

// stringRunes is the alphabet of generated strings: printable ASCII and a few printable
// multi-byte runes, so byte lengths differ from rune counts.
var stringRunes = []rune(" !#%&()*+-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~éßλжש世界🙂")

func (g *Generator) randString(r *rand.Rand) string {
	n := r.Intn(g.opts.MaxString + 1)
	if g.long(r) {
		n = 100 + r.Intn(101)
	}
	s := make([]rune, n)
	for i := range s {
		s[i] = stringRunes[r.Intn(len(stringRunes))]
	}
	return string(s)
}

// long reports whether the next string, bytes or array should be a long one.
func (g *Generator) long(r *rand.Rand) bool {
	return g.opts.LongOneIn > 0 && r.Intn(g.opts.LongOneIn) == 0
}

// randBytes returns non-nil bytes, possibly empty.
func (g *Generator) randBytes(r *rand.Rand) []byte {
	n := r.Intn(g.opts.MaxBytes + 1)
	if g.long(r) {
		n = 100 + r.Intn(201)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Intn(256))
	}
	return b
}

// looseEqual reports whether a and b (same type) are equal, treating a nil slice and an
// empty one alike at every depth.
func looseEqual(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !looseEqual(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return looseEqual(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() && !looseEqual(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Array:
		for i := range a.Len() {
			if !looseEqual(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map: // unknown tags: no entries and nil are one value
		if a.Len() != b.Len() {
			return false
		}
		for it := a.MapRange(); it.Next(); {
			bv := b.MapIndex(it.Key())
			if !bv.IsValid() || !looseEqual(it.Value(), bv) {
				return false
			}
		}
		return true
	default:
		return a.Equal(b)
	}
}
