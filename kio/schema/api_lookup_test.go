package schema_test

import (
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
)

func TestLookupBody(t *testing.T) {
	for _, a := range schema.APIs() {
		for _, body := range []any{a.NewRequestBody(), a.NewResponseBody()} {
			if got, ok := schema.LookupBody(body); !ok || got.Key != a.Key {
				t.Fatalf("LookupBody(%T) = %v, %v; want %v", body, got, ok, a)
			}
		}
	}
	if got, ok := schema.LookupBody(metadata.MetadataRequest{}); !ok || got.Key != metadata.APIKey {
		t.Errorf("LookupBody(a MetadataRequest value) = %v, %v", got, ok)
	}
}
