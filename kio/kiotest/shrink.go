package kiotest

import (
	"reflect"
	"unicode/utf8"

	"github.com/kio-go/kafka-protocol/kio/internal/layout"
	"github.com/kio-go/kafka-protocol/kio/records"
)

// Shrinking: when a property fails, gopter asks the shrinker for smaller candidates of
// the failing value, keeps the first that still fails, and starts again from it. Every
// candidate is valid at the generator's version, as generated values are (fields absent
// at the version keep their defaults, null only where nullable, a tagged field either
// exactly its default or unlike it, non-nullable arrays and bytes never nil), so a
// property fails on a smaller value for the same reason rather than on a broken one.
// Candidates come most drastic first: a field null or at its default, an array empty
// or halved, then its elements shrunk in turn.

// stream is a lazy, finite sequence of candidates.
type stream func() (reflect.Value, bool)

var emptyStream stream = func() (reflect.Value, bool) { return reflect.Value{}, false }

// values is a stream of the given candidates.
func values(vs ...reflect.Value) stream {
	return func() (reflect.Value, bool) {
		if len(vs) == 0 {
			return reflect.Value{}, false
		}
		v := vs[0]
		vs = vs[1:]
		return v, true
	}
}

// concat is the stream of part(0), then part(1), ... part(n-1), each made when reached.
func concat(n int, part func(i int) stream) stream {
	i, cur := 0, emptyStream
	return func() (reflect.Value, bool) {
		for {
			if v, ok := cur(); ok {
				return v, true
			}
			if i >= n {
				return reflect.Value{}, false
			}
			cur = part(i)
			i++
		}
	}
}

// mapStream applies f to every candidate of s.
func mapStream(s stream, f func(reflect.Value) reflect.Value) stream {
	return func() (reflect.Value, bool) {
		v, ok := s()
		if !ok {
			return v, false
		}
		return f(v), true
	}
}

// shrink is the gopter.Shrinker of g's values.
func (g *generator) shrink(value any) func() (any, bool) {
	s := g.shrinkStruct(g.top, reflect.ValueOf(value))
	return func() (any, bool) {
		v, ok := s()
		if !ok {
			return nil, false
		}
		return v.Interface(), true
	}
}

// shrinkStruct yields structs each with one field of v smaller.
func (g *generator) shrinkStruct(lv *layout.Version, v reflect.Value) stream {
	n := len(lv.Members)
	if keepsUnknownTags(lv) {
		n++
	}
	return concat(n, func(i int) stream {
		index := lv.Type.UnknownTags
		var s stream
		if i < len(lv.Members) {
			m := &lv.Members[i]
			index = m.Field.Index
			s = g.shrinkMember(lv, m, v.Field(index))
		} else {
			if v.Field(index).IsNil() {
				return emptyStream
			}
			s = values(reflect.Zero(rawTagsType))
		}
		return mapStream(s, func(fv reflect.Value) reflect.Value {
			c := reflect.New(lv.Type.Go).Elem()
			c.Set(v)
			c.Field(index).Set(fv)
			return c
		})
	})
}

// shrinkMember yields smaller values of member m holding fv: null, the default (for a
// tagged field), then smaller non-null values.
func (g *generator) shrinkMember(lv *layout.Version, m *layout.Member, fv reflect.Value) stream {
	isNil := isNull(fv)
	var first []reflect.Value
	if m.Nullable && !isNil {
		first = append(first, reflect.Zero(fv.Type()))
	}
	var def reflect.Value
	if m.Tagged {
		def = defaultsOf(lv.Type).Field(m.Field.Index)
		if looseEqual(fv, def) {
			return values(first...) // unset: nothing on the wire to shrink
		}
		if !(m.Nullable && isNull(def)) { // else offered as null above
			first = append(first, deepCopy(def))
		}
	}
	if isNil {
		return values(first...)
	}
	rest := g.shrinkNode(&m.ValueAt, fv)
	if m.Tagged {
		// A shrunk tagged value equal to the default but for nil versus empty becomes
		// the default itself, which the codec does not write.
		rest = mapStream(rest, func(x reflect.Value) reflect.Value {
			if looseEqual(x, def) {
				return deepCopy(def)
			}
			return x
		})
	}
	return concat(2, func(i int) stream {
		if i == 0 {
			return values(first...)
		}
		return rest
	})
}

// shrinkNode yields smaller non-null values than v, laid out as va.
func (g *generator) shrinkNode(va *layout.ValueAt, v reflect.Value) stream {
	if va.Ptr {
		return mapStream(g.shrinkBase(va, v.Elem()), func(x reflect.Value) reflect.Value { return x.Addr() })
	}
	return g.shrinkBase(va, v)
}

// shrinkBase yields smaller values than v, a value of va's base type, each
// addressable, by its kind's row of kinds (kinds.go).
func (g *generator) shrinkBase(va *layout.ValueAt, v reflect.Value) stream {
	if h := hooksOf(va.Kind); h != nil {
		return h.shrink(g, va, v)
	}
	return emptyStream
}

// fresh returns a new addressable value of v's type, set by set.
func fresh(v reflect.Value, set func(reflect.Value)) reflect.Value {
	x := reflect.New(v.Type()).Elem()
	set(x)
	return x
}

// shrinkSlice yields shorter arrays (empty, the first half, one element dropped),
// then arrays with one element shrunk.
func (g *generator) shrinkSlice(va *layout.ValueAt, v reflect.Value) stream {
	l := v.Len()
	if l == 0 {
		return emptyStream
	}
	t := v.Type()
	without := func(from, to int) reflect.Value { // v without elements from..to-1
		s := reflect.MakeSlice(t, 0, l-(to-from))
		s = reflect.AppendSlice(s, v.Slice(0, from))
		s = reflect.AppendSlice(s, v.Slice(to, l))
		x := reflect.New(t).Elem()
		x.Set(s)
		return x
	}
	shorter := []reflect.Value{without(0, l)}
	if l >= 4 {
		shorter = append(shorter, without(l/2, l))
	}
	drops := l
	if l == 1 {
		drops = 0 // dropping the only element is the empty array, already offered
	}
	return concat(1+drops+l, func(i int) stream {
		switch {
		case i == 0:
			return values(shorter...)
		case i <= drops:
			return values(without(i-1, i))
		}
		at := i - 1 - drops
		return mapStream(g.shrinkNode(va.Elem, v.Index(at)), func(e reflect.Value) reflect.Value {
			s := reflect.MakeSlice(t, l, l)
			reflect.Copy(s, v)
			s.Index(at).Set(e)
			x := reflect.New(t).Elem()
			x.Set(s)
			return x
		})
	})
}

// towardZero returns candidates closer to zero than x: zero, then x minus half of it,
// a quarter, an eighth ... down to one, then the neighbour of x on zero's side, so
// shrinking homes in on a boundary in logarithmically many steps.
func towardZero[T int64 | uint64](x T) []T {
	if x == 0 {
		return nil
	}
	out := []T{0}
	for d := x / 2; d != 0; d /= 2 {
		out = append(out, x-d)
	}
	if x < 0 {
		out = append(out, x+1)
	} else if x > 1 {
		out = append(out, x-1)
	}
	return dedupe(out)
}

// dedupe drops repeated candidates, keeping the first of each.
func dedupe[T comparable](xs []T) []T {
	out := xs[:0]
	seen := map[T]bool{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// shorterStrings returns shorter strings than s, cut on rune boundaries: empty, the
// first half, all but the last rune.
func shorterStrings(s string) []string {
	if s == "" {
		return nil
	}
	out := []string{""}
	runes := utf8.RuneCountInString(s)
	if runes >= 4 {
		out = append(out, string([]rune(s)[:runes/2]))
	}
	if runes > 1 {
		_, size := utf8.DecodeLastRuneInString(s)
		out = append(out, s[:len(s)-size])
	}
	return out
}

// shorterRecords returns smaller valid record data than b: no batch, then the first
// batch alone when there are more.
func shorterRecords(b []byte) [][]byte {
	if len(b) == 0 {
		return nil
	}
	out := [][]byte{{}}
	batches, _, err := records.ReadBatches(b)
	if err == nil && len(batches) > 1 {
		if first, err := records.AppendBatch(nil, batches[0]); err == nil {
			out = append(out, first)
		}
	}
	return out
}

// isNull reports whether v is a nil pointer, slice or map.
func isNull(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return v.IsNil()
	}
	return false
}
