package kiotest

import (
	"fmt"
	"math"
	"math/rand"
	"reflect"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/records"
)

// Odds of each field state, as one chance in N. Nulls and unknown tags are the rarer
// state so that most values still exercise the nested content.
const (
	nullOneIn        = 4
	taggedSetOneIn   = 2
	unknownTagsOneIn = 3
	edgeValueOneIn   = 4 // integers and floats: a boundary value instead of a random one
	// setAttempts bounds the redraws looking for a tagged value unlike its default.
	setAttempts = 32
)

// generator makes values of one top-level type at one version.
type generator struct {
	cfg config
	top *structPlan
	cov map[*structPlan][]*fieldCoverage // nil without WithCoverage; read-only once built
}

// long reports whether the next string, bytes or array of non-structs is a long one.
func (g *generator) long(r *rand.Rand) bool {
	return g.cfg.limits.LongOneIn > 0 && r.Intn(g.cfg.limits.LongOneIn) == 0
}

// slots returns the coverage records of p, or nil.
func (g *generator) slots(p *structPlan) []*fieldCoverage {
	if g.cov == nil {
		return nil
	}
	return g.cov[p]
}

// genStruct generates a struct following plan p; depth counts the structs above it.
func (g *generator) genStruct(r *rand.Rand, p *structPlan, depth int) reflect.Value {
	v := reflect.New(p.t).Elem()
	v.Set(p.def) // fields the codec skips stay as the default holds them: zero
	for _, i := range p.absent {
		v.Field(i).Set(deepCopy(p.def.Field(i)))
	}
	slots := g.slots(p)
	record := func(slot int, s State) {
		if slots != nil && slot >= 0 {
			slots[slot].record(s)
		}
	}
	for i := range p.fields {
		f := &p.fields[i]
		fv := v.Field(f.index)
		if f.tagged {
			if g.genTagged(r, f, p, fv, depth) {
				record(f.slot, Set)
			} else {
				record(f.slot, Unset)
			}
		} else {
			fv.Set(g.genField(r, f, depth))
		}
		if f.nullable {
			record(f.slot, nullState(fv))
		}
		if f.node.kind == kindSlice && !fv.IsNil() {
			if fv.Len() == 0 {
				record(f.slot, Empty)
			} else {
				record(f.slot, NonEmpty)
			}
		}
	}
	if p.unknownTags >= 0 {
		ut := v.Field(p.unknownTags)
		ut.SetZero()
		if p.unknownSlot >= 0 {
			if r.Intn(unknownTagsOneIn) == 0 {
				ut.Set(reflect.ValueOf(g.genRawTags(r, p.firstUnknownTag)))
				record(p.unknownSlot, Set)
			} else {
				record(p.unknownSlot, Unset)
			}
		}
	}
	return v
}

// genField generates a present field: null only where it is nullable.
func (g *generator) genField(r *rand.Rand, f *fieldPlan, depth int) reflect.Value {
	deep := depth >= g.cfg.limits.MaxDepth && f.node.kind == kindStruct // stops self-nesting types
	if f.nullable && (deep || r.Intn(nullOneIn) == 0) {
		return reflect.Zero(f.node.t)
	}
	return g.genNode(r, f.node, depth)
}

// genTagged leaves a tagged field at its default or sets it to a value the codec must
// write, and reports whether it set it. "Unlike the default" ignores the nil/empty
// distinction except where the field is nullable, where the codec keeps null and
// empty apart.
func (g *generator) genTagged(r *rand.Rand, f *fieldPlan, p *structPlan, fv reflect.Value, depth int) bool {
	def := p.def.Field(f.index)
	deep := depth >= g.cfg.limits.MaxDepth && f.node.kind == kindStruct
	if !deep && r.Intn(taggedSetOneIn) == 0 {
		for range setAttempts {
			v := g.genField(r, f, depth)
			if !looseEqual(v, def) || nullDiffers(f, v, def) {
				fv.Set(v)
				return true
			}
		}
	}
	fv.Set(deepCopy(def))
	return false
}

// genNode generates one non-null value as n describes.
func (g *generator) genNode(r *rand.Rand, n *node, depth int) reflect.Value {
	t := n.t
	if n.ptr {
		t = t.Elem()
	}
	v := reflect.New(t).Elem()
	switch n.kind {
	case kindBool:
		v.SetBool(r.Intn(2) == 0)
	case kindInt:
		v.SetInt(randInt(r, t.Bits()))
	case kindUint:
		v.SetUint(randUint(r, t.Bits()))
	case kindFloat:
		v.SetFloat(randFloat(r))
	case kindString:
		v.SetString(g.randString(r))
	case kindBytes:
		if n.records && g.cfg.records {
			v.SetBytes(g.randRecords(r))
		} else {
			v.SetBytes(g.randBytes(r))
		}
	case kindUUID:
		if r.Intn(edgeValueOneIn) != 0 { // else Kafka's zero uuid, which means "none"
			for i := range v.Len() {
				v.Index(i).SetUint(uint64(r.Intn(256)))
			}
		}
	case kindSlice:
		count := 0
		switch {
		case depth >= g.cfg.limits.MaxDepth:
		case n.elem.kind != kindStruct && g.long(r):
			count = 100 + r.Intn(51)
		default:
			limit := g.cfg.limits.MaxElems
			if depth >= 2 {
				limit = max(1, limit/2)
			}
			count = r.Intn(limit + 1)
		}
		s := reflect.MakeSlice(t, count, count)
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
func (g *generator) genRawTags(r *rand.Rand, first uint32) kio.RawTags {
	n := 1 + r.Intn(2)
	tags := make(kio.RawTags, n)
	id := first + uint32(r.Intn(64))
	for range n {
		tags[id] = g.randBytes(r)
		id += 1 + uint32(r.Intn(64))
	}
	return tags
}

// compressions are the codecs generated record batches use.
var compressions = [...]records.Compression{records.CompressionNone, records.CompressionGzip,
	records.CompressionSnappy, records.CompressionLZ4, records.CompressionZstd}

// randRecords returns one or two valid record batches (magic 2, consecutive offsets),
// each of one to three records with keys, values and headers, in any codec.
func (g *generator) randRecords(r *rand.Rand) []byte {
	var out []byte
	offset := int64(0)
	for range 1 + r.Intn(2) {
		recs := make([]records.Record, 1+r.Intn(3))
		base := int64(1_600_000_000_000 + r.Intn(1<<30))
		for i := range recs {
			rec := records.Record{Timestamp: base + int64(i), Value: g.randBytes(r)}
			if r.Intn(2) == 0 {
				rec.Key = g.randBytes(r)
			}
			for range r.Intn(3) {
				rec.Headers = append(rec.Headers, records.Header{Key: g.randString(r), Value: g.randBytes(r)})
			}
			recs[i] = rec
		}
		b := records.NewBatch(recs...)
		b.BaseOffset = offset
		b.Compression = compressions[r.Intn(len(compressions))]
		offset += int64(len(recs))
		var err error
		if out, err = records.AppendBatch(out, b); err != nil {
			panic(fmt.Sprintf("kiotest: building a record batch: %v", err)) // a bug in kio/records
		}
	}
	return out
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
	for range 64 {
		if x := math.Float64frombits(r.Uint64()); !math.IsNaN(x) && !math.IsInf(x, 0) {
			return x
		}
	}
	return r.NormFloat64()
}

// stringRunes is the alphabet of generated strings: printable ASCII and a few printable
// multi-byte runes, so byte lengths differ from rune counts.
var stringRunes = []rune(" !#%&()*+-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~éßλжש世界🙂")

func (g *generator) randString(r *rand.Rand) string {
	n := r.Intn(g.cfg.limits.MaxString + 1)
	if g.long(r) {
		n = 100 + r.Intn(longStringMax-100+1)
	}
	s := make([]rune, n)
	for i := range s {
		s[i] = stringRunes[r.Intn(len(stringRunes))]
	}
	return string(s)
}

// randBytes returns non-nil bytes, possibly empty.
func (g *generator) randBytes(r *rand.Rand) []byte {
	n := r.Intn(g.cfg.limits.MaxBytes + 1)
	if g.long(r) {
		n = 100 + r.Intn(201)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Intn(256))
	}
	return b
}

// deepCopy returns a copy of v sharing no memory with it, so generated values never
// share a default's pointers or slices.
func deepCopy(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(deepCopy(v.Elem()))
			out.Set(p)
		}
	case reflect.Slice:
		if !v.IsNil() {
			s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := range v.Len() {
				s.Index(i).Set(deepCopy(v.Index(i)))
			}
			out.Set(s)
		}
	case reflect.Map:
		if !v.IsNil() {
			m := reflect.MakeMapWithSize(v.Type(), v.Len())
			for it := v.MapRange(); it.Next(); {
				m.SetMapIndex(it.Key(), deepCopy(it.Value()))
			}
			out.Set(m)
		}
	case reflect.Struct:
		out.Set(v) // unexported fields (the marker) are copied as they are
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
	default:
		out.Set(v)
	}
	return out
}

// nullDiffers reports whether v and def differ in being null where f is nullable: the
// codec keeps null and empty apart there, so an empty value set over a null default
// (CordonedLogDirs, default=null) is written and must be generated.
func nullDiffers(f *fieldPlan, v, def reflect.Value) bool {
	if !f.nullable {
		return false
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Pointer, reflect.Map:
		return v.IsNil() != def.IsNil()
	}
	return false
}

// looseEqual reports whether a and b (same type) are equal, treating a nil slice or
// map and an empty one alike at every depth.
func looseEqual(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Slice, reflect.Array:
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
	case reflect.Map:
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
