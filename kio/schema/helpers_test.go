package schema_test

import (
	"reflect"

	"github.com/google/go-cmp/cmp"
)

// newLike returns a pointer to a new zero value of the type v points to.
func newLike(v any) any { return reflect.New(reflect.TypeOf(v).Elem()).Interface() }

// allExported lets cmp look at the generated structs' blank marker fields.
var allExported = cmp.Exporter(func(reflect.Type) bool { return true })
