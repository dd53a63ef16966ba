package kiotest

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/internal/layout"
)

// Generators and shrinkers walk the codec's own description of a type at a version,
// kio/internal/layout's *layout.Version: which fields are present, nullable, tagged and
// compact, down through array elements and nested structs. Nothing here reads a tag or
// decides a wire kind again. A generator is built only for types serial.Check accepts.

var rawTagsType = reflect.TypeFor[kio.RawTags]()

// defaultValues caches, per struct type, the struct with every field at its default
// (layout's SetDefaults, as serial.SetDefaults sets it). It is read-only: fields absent
// at a version and tagged fields left unset get deep copies.
var defaultValues sync.Map // *layout.Type -> reflect.Value

func defaultsOf(t *layout.Type) reflect.Value {
	if v, ok := defaultValues.Load(t); ok {
		return v.(reflect.Value)
	}
	p := reflect.New(t.Go)
	t.SetDefaults(p.UnsafePointer())
	v, _ := defaultValues.LoadOrStore(t, p.Elem())
	return v.(reflect.Value)
}

// firstUnknownTag is the lowest id an unknown tag may take in t: above every tag id t
// knows at any version, so no unknown tag is a known field.
func firstUnknownTag(t *layout.Type) uint32 { return uint32(max(1000, int64(t.MaxTag)+1)) }

// keepsUnknownTags reports whether v's struct has an unknownTags field that can hold
// something at v's version: only flexible versions carry tagged fields.
func keepsUnknownTags(v *layout.Version) bool { return v.Type.HasUnknownTags() && v.Flexible }

// wantedStates are the coverage states member m can take: null and non-null where it is
// nullable, set and unset where tagged, empty and non-empty for arrays.
func wantedStates(m *layout.Member) State {
	var want State
	if m.Nullable {
		want |= Null | NonNull
	}
	if m.Tagged {
		want |= Set | Unset
	}
	if m.Kind == layout.Array {
		want |= Empty | NonEmpty
	}
	return want
}

// requiredCycle refuses a struct that must contain itself: a chain of present,
// untagged, non-nullable struct fields leading back to a struct on the chain has no
// finite value at the version, so nothing can be generated (nor encoded).
func requiredCycle(v *layout.Version, state map[*layout.Version]int) error {
	const (
		visiting = 1
		done     = 2
	)
	switch state[v] {
	case visiting:
		return fmt.Errorf("kiotest: %v contains itself through fields that cannot be null or empty: no finite value exists", v.Type.Go)
	case done:
		return nil
	}
	state[v] = visiting
	for _, m := range v.Fields {
		if m.Kind == layout.Struct && !m.Nullable {
			if err := requiredCycle(m.Struct, state); err != nil {
				return err
			}
		}
	}
	state[v] = done
	return nil
}

// reachable calls visit on v and every struct layout reachable from it, once each.
func reachable(v *layout.Version, seen map[*layout.Version]bool, visit func(*layout.Version)) {
	if seen[v] {
		return
	}
	seen[v] = true
	visit(v)
	for i := range v.Members {
		va := &v.Members[i].ValueAt
		for va.Kind == layout.Array {
			va = va.Elem
		}
		if va.Kind == layout.Struct {
			reachable(va.Struct, seen, visit)
		}
	}
}
