// How the generator draws one value of a layout: the struct walk, each field's state
// (null, set, default, an unknown tag), and the random scalars. gen.go holds the
// public generators that call it.

package kiotest

import (
	"fmt"
	"math"
	"math/rand"
	"reflect"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/internal/layout"
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
	top *layout.Version
	cov map[*layout.Version]*structCoverage // nil without WithCoverage; read-only once built
}

// long reports whether the next string, bytes or array of non-structs is a long one.
func (g *generator) long(r *rand.Rand) bool {
	return g.cfg.limits.LongOneIn > 0 && r.Intn(g.cfg.limits.LongOneIn) == 0
}

// genStruct generates a struct laid out as lv; depth counts the structs above it.
func (g *generator) genStruct(r *rand.Rand, lv *layout.Version, depth int) reflect.Value {
	def := defaultsOf(lv.Type)
	v := reflect.New(lv.Type.Go).Elem()
	v.Set(def) // fields the codec skips stay as the default holds them: zero
	for _, f := range lv.Absent {
		v.Field(f.Index).Set(deepCopy(def.Field(f.Index)))
	}
	cov := g.cov[lv] // nil without coverage: record does nothing
	for i := range lv.Members {
		m := &lv.Members[i]
		fv := v.Field(m.Field.Index)
		if m.Tagged {
			if g.genTagged(r, m, def, fv, depth) {
				cov.record(i, Set)
			} else {
				cov.record(i, Unset)
			}
		} else {
			fv.Set(g.genMember(r, m, depth))
		}
		if m.Nullable {
			cov.record(i, nullState(fv))
		}
		if m.Kind == layout.Array && !fv.IsNil() {
			if fv.Len() == 0 {
				cov.record(i, Empty)
			} else {
				cov.record(i, NonEmpty)
			}
		}
	}
	if lv.Type.HasUnknownTags() {
		ut := v.Field(lv.Type.UnknownTags)
		ut.SetZero()
		if keepsUnknownTags(lv) {
			state := Unset
			if r.Intn(unknownTagsOneIn) == 0 {
				ut.Set(reflect.ValueOf(g.genRawTags(r, firstUnknownTag(lv.Type))))
				state = Set
			}
			if cov != nil {
				cov.unknown.record(state)
			}
		}
	}
	return v
}

// genMember generates a present field: null only where it is nullable.
func (g *generator) genMember(r *rand.Rand, m *layout.Member, depth int) reflect.Value {
	deep := depth >= g.cfg.limits.MaxDepth && m.Kind == layout.Struct // stops self-nesting types
	if m.Nullable && (deep || r.Intn(nullOneIn) == 0) {
		return reflect.Zero(m.GoType)
	}
	return g.genValue(r, &m.ValueAt, depth)
}

// genTagged leaves a tagged field at its default or sets it to a value the codec must
// write, and reports whether it set it. "Unlike the default" ignores the nil/empty
// distinction except where the field is nullable, where the codec keeps null and
// empty apart.
func (g *generator) genTagged(r *rand.Rand, m *layout.Member, structDef, fv reflect.Value, depth int) bool {
	def := structDef.Field(m.Field.Index)
	deep := depth >= g.cfg.limits.MaxDepth && m.Kind == layout.Struct
	if !deep && r.Intn(taggedSetOneIn) == 0 {
		for range setAttempts {
			v := g.genMember(r, m, depth)
			if !looseEqual(v, def) || nullDiffers(m, v, def) {
				fv.Set(v)
				return true
			}
		}
	}
	fv.Set(deepCopy(def))
	return false
}

// genValue generates one non-null value laid out as va, by its kind's row of kinds
// (kinds.go).
func (g *generator) genValue(r *rand.Rand, va *layout.ValueAt, depth int) reflect.Value {
	t := va.GoType
	if va.Ptr {
		t = t.Elem()
	}
	v := reflect.New(t).Elem()
	if h := hooksOf(va.Kind); h != nil {
		h.gen(g, r, va, v, depth)
	}
	if va.Ptr {
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
func nullDiffers(m *layout.Member, v, def reflect.Value) bool {
	if !m.Nullable {
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
