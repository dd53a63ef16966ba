package kiotest

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// A plan is what generating one struct type at one version needs, read once from its
// tags with kio/tags. It is built only for types serial.Check accepts, so it reads the
// same tags the codec reads and needs none of the codec's checks again. Defaults come
// from serial.SetDefaults, never from a parse of our own.

var rawTagsType = reflect.TypeFor[kio.RawTags]()

// planKey names a plan: fields are present, nullable and tagged by version, and
// unknown tags exist only where the top-level message is flexible.
type planKey struct {
	t        reflect.Type
	version  int16
	flexible bool
}

// structPlan is one struct type at one version and flexibility.
type structPlan struct {
	t reflect.Type
	// def is the struct with every field at its default, as serial.SetDefaults sets
	// it. Fields absent at the version and tagged fields left unset get deep copies.
	def reflect.Value
	// fields are the fields present at the version.
	fields []fieldPlan
	// absent are the indexes of fields absent at the version.
	absent []int
	// unknownTags is the index of the `unknownTags` field, or -1.
	unknownTags int
	// firstUnknownTag is the lowest id an unknown tag may take: above every tag id the
	// struct knows at any version, so no unknown tag is a known field.
	firstUnknownTag uint32
	// wants are the coverage slots: which states each field can take here.
	wants []fieldWant
	// unknownSlot is the slot of the unknownTags field, or -1 (also when not flexible).
	unknownSlot int
}

// fieldWant is a coverage slot of a plan.
type fieldWant struct {
	field       string
	want        State
	unknownTags bool
}

// fieldPlan is one present field of a structPlan.
type fieldPlan struct {
	index    int
	name     string
	nullable bool // may be null at this version
	tagged   bool // a tagged field at this version
	node     *node
	slot     int // coverage slot, or -1
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

// node describes how to generate one non-null value of a Go type.
type node struct {
	kind    nodeKind
	t       reflect.Type
	ptr     bool        // the Go type points to the value (*string, *Struct)
	records bool        // a `type=records` field: record batches when asked
	elem    *node       // kindSlice: the element
	plan    *structPlan // kindStruct
}

var plans = struct {
	sync.Mutex
	m map[planKey]*structPlan
}{m: map[planKey]*structPlan{}}

// planFor returns the plan of struct type t at version and flexibility, building it
// (and the plans of the structs it holds) on first use. Plans never change once built.
func planFor(t reflect.Type, version int16, flexible bool) (*structPlan, error) {
	plans.Lock()
	defer plans.Unlock()
	building := map[planKey]*structPlan{}
	p, err := planLocked(t, version, flexible, building)
	if err != nil {
		return nil, err
	}
	for k, bp := range building {
		plans.m[k] = bp
	}
	if err := requiredCycle(p, map[*structPlan]int{}); err != nil {
		return nil, err
	}
	return p, nil
}

// planLocked finds or builds a plan. New plans go into building (published only when
// the whole tree succeeds) before their fields are read, so recursive types terminate.
func planLocked(t reflect.Type, version int16, flexible bool, building map[planKey]*structPlan) (*structPlan, error) {
	key := planKey{t, version, flexible}
	if p, ok := plans.m[key]; ok {
		return p, nil
	}
	if p, ok := building[key]; ok {
		return p, nil
	}
	def := reflect.New(t)
	if err := serial.SetDefaults(def.Interface()); err != nil {
		return nil, err
	}
	p := &structPlan{t: t, def: def.Elem(), unknownTags: -1, unknownSlot: -1}
	building[key] = p
	maxTag := int64(-1)
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Name == "_" || !sf.IsExported() {
			continue // the marker, or a field the codec does not see
		}
		ft, err := tags.ParseField(sf.Tag.Get("kafka"))
		if err != nil {
			return nil, fmt.Errorf("kiotest: %v.%s: %w", t, sf.Name, err)
		}
		if ft.Skip {
			continue
		}
		if ft.UnknownTags {
			p.unknownTags = i
			if flexible {
				p.unknownSlot = len(p.wants)
				p.wants = append(p.wants, fieldWant{sf.Name, Set | Unset, true})
			}
			continue
		}
		if ft.IsTagged() {
			maxTag = max(maxTag, int64(ft.Tag))
		}
		if !ft.Versions.Contains(version) {
			p.absent = append(p.absent, i)
			continue
		}
		fp := fieldPlan{index: i, name: sf.Name, slot: -1,
			nullable: ft.Nullable.Contains(version),
			tagged:   ft.IsTagged() && ft.Tagged.Contains(version) && flexible,
		}
		if fp.node, err = nodeLocked(sf.Type, ft.Type == "records", version, flexible, building); err != nil {
			return nil, fmt.Errorf("kiotest: %v.%s: %w", t, sf.Name, err)
		}
		var want State
		if fp.nullable {
			want |= Null | NonNull
		}
		if fp.tagged {
			want |= Set | Unset
		}
		if fp.node.kind == kindSlice {
			want |= Empty | NonEmpty
		}
		if want != 0 {
			fp.slot = len(p.wants)
			p.wants = append(p.wants, fieldWant{sf.Name, want, false})
		}
		p.fields = append(p.fields, fp)
	}
	p.firstUnknownTag = uint32(max(1000, maxTag+1))
	return p, nil
}

// nodeLocked works out how to generate a value of Go type t.
func nodeLocked(t reflect.Type, records bool, version int16, flexible bool, building map[planKey]*structPlan) (*node, error) {
	n := &node{t: t, records: records}
	base := t
	if t.Kind() == reflect.Pointer {
		n.ptr, base = true, t.Elem()
	}
	switch base.Kind() {
	case reflect.Bool:
		n.kind = kindBool
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n.kind = kindInt
	case reflect.Uint16, reflect.Uint32:
		n.kind = kindUint
	case reflect.Float64:
		n.kind = kindFloat
	case reflect.String:
		n.kind = kindString
	case reflect.Array:
		n.kind = kindUUID
	case reflect.Slice:
		if base.Elem().Kind() == reflect.Uint8 {
			n.kind = kindBytes
			break
		}
		n.kind = kindSlice
		elem, err := nodeLocked(base.Elem(), false, version, flexible, building)
		if err != nil {
			return nil, err
		}
		n.elem = elem
	case reflect.Struct:
		n.kind = kindStruct
		p, err := planLocked(base, version, flexible, building)
		if err != nil {
			return nil, err
		}
		n.plan = p
	default:
		// serial.Check refuses every other Go type before a plan is built.
		return nil, fmt.Errorf("unsupported Go type %v", t)
	}
	return n, nil
}

// requiredCycle refuses a struct that must contain itself: a chain of present,
// untagged, non-nullable struct fields leading back to a struct on the chain has no
// finite value at the version, so nothing can be generated (nor encoded).
func requiredCycle(p *structPlan, state map[*structPlan]int) error {
	const (
		visiting = 1
		done     = 2
	)
	switch state[p] {
	case visiting:
		return fmt.Errorf("kiotest: %v contains itself through fields that cannot be null or empty: no finite value exists", p.t)
	case done:
		return nil
	}
	state[p] = visiting
	for _, f := range p.fields {
		if f.node.kind == kindStruct && !f.nullable && !f.tagged {
			if err := requiredCycle(f.node.plan, state); err != nil {
				return err
			}
		}
	}
	state[p] = done
	return nil
}

// reachable calls visit on p and every plan reachable from it, once each.
func reachable(p *structPlan, seen map[*structPlan]bool, visit func(*structPlan)) {
	if seen[p] {
		return
	}
	seen[p] = true
	visit(p)
	for _, f := range p.fields {
		n := f.node
		for n.kind == kindSlice {
			n = n.elem
		}
		if n.kind == kindStruct {
			reachable(n.plan, seen, visit)
		}
	}
}
