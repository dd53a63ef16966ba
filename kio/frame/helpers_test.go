package frame_test

import (
	"bytes"
	"reflect"

	"github.com/google/go-cmp/cmp"

	"github.com/kio-go/kafka-protocol/kio/schema"
)

// allExported lets cmp look at the generated structs' blank marker fields.
var allExported = cmp.Exporter(func(reflect.Type) bool { return true })

func ptr[T any](v T) *T { return &v }

func cat(groups ...[]byte) []byte { return bytes.Join(groups, nil) }

// requestVersions is the number of request versions the index holds (as many responses).
func requestVersions() int {
	n := 0
	for _, a := range schema.APIs() {
		n += int(a.Versions.Hi-a.Versions.Lo) + 1
	}
	return n
}
