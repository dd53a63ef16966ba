package schema_test

import (
	"errors"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/heartbeat"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
)

func TestLookupBodyAndNewRequest(t *testing.T) {
	for _, a := range schema.APIs() {
		for _, body := range []any{a.NewRequest(), a.NewResponse()} {
			if got, ok := schema.LookupBody(body); !ok || got != a {
				t.Fatalf("LookupBody(%T) = %v, %v; want %v", body, got, ok, a)
			}
		}
	}
	if _, ok := schema.LookupBody(metadata.MetadataRequest{}); ok {
		t.Error("LookupBody accepted a non-pointer")
	}
	id := "c"
	req, err := schema.NewRequest(&heartbeat.HeartbeatRequest{GroupId: "g"}, 4, 9, &id)
	if err != nil {
		t.Fatal(err)
	}
	if h := req.Header; h.RequestApiKey != heartbeat.APIKey || h.RequestApiVersion != 4 || h.CorrelationId != 9 || h.ClientId != &id {
		t.Errorf("header %+v", h)
	}
	if _, err := (schema.Framer{}).AppendRequest(nil, req); err != nil {
		t.Fatal(err)
	}
	if _, err := schema.NewRequest(&heartbeat.HeartbeatResponse{}, 4, 1, nil); !errors.Is(err, schema.ErrBodyType) {
		t.Errorf("a response body: %v", err)
	}
	if _, err := schema.NewRequest(&heartbeat.HeartbeatRequest{}, 99, 1, nil); !errors.Is(err, schema.ErrUnsupportedVersion) {
		t.Errorf("version 99: %v", err)
	}
}
