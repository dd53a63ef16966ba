package gen

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

var rawTagsType = reflect.TypeOf(kio.RawTags(nil))

// planKey names a struct plan: a struct's fields are present, nullable and tagged
// according to the version, and unknown tags exist only in flexible versions.
type planKey struct {
	t        reflect.Type
	version  int16
	flexible bool
}

// structPlan is what generating one struct type at one version and flexibility needs,
// worked out once from the tags.
type structPlan struct {
	t      reflect.Type
	fields []fieldPlan
	// unknownTags is the index of the `unknownTags` field, or -1.
	unknownTags int
	// unknownCov records that field's states; nil when the struct is not flexible.
	unknownCov *fieldCoverage
	// firstUnknownTag is the lowest tag id an unknown raw tag may take: above every
	// tag id the struct knows at any version.
	firstUnknownTag uint32
}

// fieldPlan is one field of a structPlan.
type fieldPlan struct {
	index    int
	name     string
	present  bool // in the field's versions
	nullable bool // may be null at this version
	tagged   bool // a tagged field at this version
	node     *node
	// makeDefault returns a fresh copy of the field's default value, so generated values
	// never share memory with one another.
	makeDefault func() reflect.Value
	cov         *fieldCoverage // nil unless the field is nullable or tagged here
}

// nodeKind is the shape of a value to generate, from its Go type.
type nodeKind uint8

const (
	kindBool nodeKind = iota
	kindInt
	kindUint
	kindFloat
	kindString
	kindBytes
	kindUUID
	kindSlice
	kindStruct
)

// node describes how to generate one (non-null) value of a Go type.
type node struct {
	kind nodeKind
	t    reflect.Type
	ptr  bool        // the Go type is a pointer to the generated value (*string, *Struct)
	elem *node       // array element, for kindSlice
	plan *structPlan // for kindStruct
}

// planLocked returns the plan of t at version and flexibility, building it if needed.
// g.mu must be held. The plan is cached before its fields are worked out, so
// self-referencing types terminate.
func (g *Generator) planLocked(t reflect.Type, version int16, flexible bool) (*structPlan, error) {
	key := planKey{t, version, flexible}
	if p, ok := g.plans[key]; ok {
		return p, nil
	}
	p := &structPlan{t: t, unknownTags: -1}
	g.plans[key] = p
	if err := g.fillPlan(p, version, flexible); err != nil {
		delete(g.plans, key)
		return nil, err
	}
	return p, nil
}

func (g *Generator) fillPlan(p *structPlan, version int16, flexible bool) error {
	t := p.t
	maxTag := int64(-1)
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Name == "_" || !sf.IsExported() {
			continue // the marker, or a field the codec cannot see
		}
		ft, err := tags.ParseField(sf.Tag.Get("kafka"))
		if err != nil {
			return fmt.Errorf("gen: %v.%s: %w", t, sf.Name, err)
		}
		if ft.Skip {
			continue
		}
		if ft.UnknownTags {
			if sf.Type != rawTagsType {
				return fmt.Errorf("gen: %v.%s: unknownTags field must be kio.RawTags, not %v", t, sf.Name, sf.Type)
			}
			p.unknownTags = i
			if flexible {
				p.unknownCov = g.coverage.want(t, sf.Name, Set|Unset, true)
			}
			continue
		}
		if ft.IsTagged() {
			maxTag = max(maxTag, int64(ft.Tag))
		}
		fp := fieldPlan{
			index:   i,
			name:    sf.Name,
			present: ft.Versions.Contains(version),
		}
		fp.nullable = fp.present && ft.Nullable.Contains(version)
		fp.tagged = fp.present && ft.IsTagged() && ft.Tagged.Contains(version)
		if fp.tagged && !flexible {
			return fmt.Errorf("gen: %v.%s: tagged at version %d, which is not flexible", t, sf.Name, version)
		}
		if fp.makeDefault, err = defaultMaker(sf.Type, ft); err != nil {
			return fmt.Errorf("gen: %v.%s: %w", t, sf.Name, err)
		}
		if fp.present {
			if fp.node, err = g.nodeLocked(sf.Type, ft.Type, version, flexible); err != nil {
				return fmt.Errorf("gen: %v.%s: %w", t, sf.Name, err)
			}
			if fp.nullable && !nilable(sf.Type) {
				return fmt.Errorf("gen: %v.%s: nullable at version %d but %v cannot be nil", t, sf.Name, version, sf.Type)
			}
			var want State
			if fp.nullable {
				want |= Null | NonNull
			}
			if fp.tagged {
				want |= Set | Unset
			}
			if want != 0 {
				fp.cov = g.coverage.want(t, sf.Name, want, false)
			}
		}
		p.fields = append(p.fields, fp)
	}
	p.firstUnknownTag = uint32(max(1000, maxTag+1))
	return nil
}

// nodeLocked works out how to generate a value of Go type t whose Kafka type is ktype
// ("" where the Go type implies it). g.mu must be held.
func (g *Generator) nodeLocked(t reflect.Type, ktype string, version int16, flexible bool) (*node, error) {
	n := &node{t: t}
	base := t
	if t.Kind() == reflect.Pointer {
		n.ptr, base = true, t.Elem()
		if base.Kind() != reflect.String && base.Kind() != reflect.Struct {
			return nil, fmt.Errorf("unsupported pointer type %v", t)
		}
	}
	switch base.Kind() {
	case reflect.Bool:
		n.kind = kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n.kind = kindInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n.kind = kindUint
	case reflect.Float32, reflect.Float64:
		n.kind = kindFloat
	case reflect.String:
		n.kind = kindString
	case reflect.Array:
		if base.Len() != 16 || base.Elem().Kind() != reflect.Uint8 {
			return nil, fmt.Errorf("unsupported array type %v (only 16-byte uuids)", t)
		}
		n.kind = kindUUID
	case reflect.Slice:
		if base.Elem().Kind() == reflect.Uint8 {
			n.kind = kindBytes
			break
		}
		n.kind = kindSlice
		elem, err := g.nodeLocked(base.Elem(), strings.TrimPrefix(ktype, "[]"), version, flexible)
		if err != nil {
			return nil, err
		}
		if elem.ptr {
			return nil, fmt.Errorf("unsupported array element type %v: elements are never null", base.Elem())
		}
		n.elem = elem
	case reflect.Struct:
		n.kind = kindStruct
		p, err := g.planLocked(base, version, flexible)
		if err != nil {
			return nil, err
		}
		n.plan = p
	default:
		return nil, fmt.Errorf("unsupported Go type %v", t)
	}
	return n, nil
}

// nilable reports whether a value of Go type t can be null on the wire.
func nilable(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice
}
