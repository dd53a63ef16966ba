package kafkajson

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/kio-go/kafka-protocol/kio/internal/layout"
)

// This file reaches kio's one description of a struct's layout (kio/internal/layout,
// which kio/serial compiles its plans from): the fields in declaration order with
// their JSON names, kinds, versions, nullability, tags and defaults. The package adds
// only what reading JSON needs: a struct's fields by JSON name.

// typeOf returns the layout of struct type t, refusing a type the codec refuses.
func typeOf(t reflect.Type) (*layout.Type, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: %v is not a struct", ErrSchema, t)
	}
	lt := layout.Of(t)
	if lt.Err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSchema, lt.Err)
	}
	return lt, nil
}

var byNameCache sync.Map // *layout.Type -> map[string]int

// fieldsByName returns t's fields by JSON name, as indices into t.Fields.
func fieldsByName(t *layout.Type) map[string]int {
	if m, ok := byNameCache.Load(t); ok {
		return m.(map[string]int)
	}
	m := make(map[string]int, len(t.Fields))
	for i := range t.Fields {
		m[t.Fields[i].JSONName] = i
	}
	actual, _ := byNameCache.LoadOrStore(t, m)
	return actual.(map[string]int)
}

// versionErr classifies MessageAt's error: a version the message does not have, or a
// mistake of the type at that version.
func versionErr(t *layout.Type, version int16, err error) error {
	if version < 0 || !t.Message.Versions.Contains(version) {
		return fmt.Errorf("%w: %v", ErrVersion, err)
	}
	return fmt.Errorf("%w: %v", ErrSchema, err)
}
