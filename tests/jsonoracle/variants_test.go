package jsonoracle_test

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"sort"
	"strconv"
	"strings"
)

// Variants of kio's JSON of a value, for comparing what kio's reader and the
// converters' read accept: a member dropped, a value replaced by one of another JSON
// type, a member the message does not have added. Each comes with its kind, the class
// a difference is listed under.
type variant struct {
	kind string
	json []byte
}

// jsonTypeOf names a decoded JSON value's type.
func jsonTypeOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "?"
}

var replacements = []any{"x", json.Number("7"), json.Number("1.5"), true, nil, map[string]any{}, []any{}}

// place is a member of an object somewhere in a tree.
type place struct {
	obj  map[string]any
	name string
}

func members(v any, out *[]place) {
	switch v := v.(type) {
	case map[string]any:
		names := make([]string, 0, len(v))
		for k := range v {
			names = append(names, k)
		}
		sort.Strings(names) // deterministic for a seed
		for _, k := range names {
			*out = append(*out, place{v, k})
			members(v[k], out)
		}
	case []any:
		for _, x := range v {
			members(x, out)
		}
	}
}

// recordsNote marks the members that hold records (Records, UnalignedRecords): their
// value has forms of kio's own.
func recordsNote(name string) string {
	if strings.HasSuffix(strings.ToLower(name), "records") {
		return " (records)"
	}
	return ""
}

// variantsOf returns up to three variants of js, drawn from r.
func variantsOf(js []byte, r *rand.Rand) []variant {
	parse := func() any {
		d := json.NewDecoder(bytes.NewReader(js))
		d.UseNumber()
		var v any
		d.Decode(&v)
		return v
	}
	var out []variant
	emit := func(kind string, v any) {
		b, err := json.Marshal(v)
		if err == nil {
			out = append(out, variant{kind, b})
		}
	}
	// A member dropped.
	if v := parse(); v != nil {
		var ps []place
		members(v, &ps)
		if len(ps) > 0 {
			p := ps[r.Intn(len(ps))]
			kind := "drop a " + jsonTypeOf(p.obj[p.name]) + " member" + recordsNote(p.name)
			delete(p.obj, p.name)
			emit(kind, v)
		}
	}
	// A value of another type.
	if v := parse(); v != nil {
		var ps []place
		members(v, &ps)
		if len(ps) > 0 {
			p := ps[r.Intn(len(ps))]
			from := jsonTypeOf(p.obj[p.name])
			to := replacements[r.Intn(len(replacements))]
			if jsonTypeOf(to) == from {
				to = replacements[(r.Intn(len(replacements)-1)+1)%len(replacements)]
			}
			if jsonTypeOf(to) != from {
				kind := "a " + from + " made " + jsonTypeOf(to)
				if n, ok := to.(json.Number); ok {
					kind += " " + string(n)
				}
				kind += recordsNote(p.name)
				p.obj[p.name] = to
				emit(kind, v)
			}
		}
	}
	// A member no field has.
	if v := parse(); v != nil {
		var objs []map[string]any
		var ps []place
		members(v, &ps)
		if m, ok := v.(map[string]any); ok {
			objs = append(objs, m)
		}
		for _, p := range ps {
			if m, ok := p.obj[p.name].(map[string]any); ok {
				objs = append(objs, m)
			}
		}
		if len(objs) > 0 {
			o := objs[r.Intn(len(objs))]
			o["kioUnknownMember"+strconv.Itoa(r.Intn(3))] = []any{json.Number("1")}
			emit("a member no field has", v)
		}
	}
	return out
}
