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
		for _, body := range []any{a.NewRequestBody(), a.NewResponseBody()} {
			if got, ok := schema.LookupBody(body); !ok || got.Key != a.Key {
				t.Fatalf("LookupBody(%T) = %v, %v; want %v", body, got, ok, a)
			}
		}
	}
	if got, ok := schema.LookupBody(metadata.MetadataRequest{}); !ok || got.Key != metadata.APIKey {
		t.Errorf("LookupBody(a MetadataRequest value) = %v, %v", got, ok)
	}
	for _, body := range []any{nil, 7, new(int), (*metadata.MetadataRequest)(nil)} {
		if _, err := schema.NewRequest(body, 4, 1, nil); !errors.Is(err, schema.ErrBodyType) {
			t.Errorf("NewRequest(%#v): %v, want ErrBodyType", body, err)
		}
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
	// A value body, as AppendRequest takes one: the same frame as through a pointer.
	byValue, err := schema.NewRequest(heartbeat.HeartbeatRequest{GroupId: "g"}, 4, 9, &id)
	if err != nil {
		t.Fatal(err)
	}
	f1, err1 := (schema.Framer{}).AppendRequest(nil, req)
	f2, err2 := (schema.Framer{}).AppendRequest(nil, byValue)
	if err1 != nil || err2 != nil || string(f1) != string(f2) {
		t.Errorf("value body frames % x (%v), pointer body % x (%v)", f2, err2, f1, err1)
	}
	for _, body := range []any{&heartbeat.HeartbeatResponse{}, heartbeat.HeartbeatResponse{}} {
		if _, err := schema.NewRequest(body, 4, 1, nil); !errors.Is(err, schema.ErrBodyType) {
			t.Errorf("a response body %T: %v", body, err)
		}
	}
	if _, err := schema.NewRequest(&heartbeat.HeartbeatRequest{}, 99, 1, nil); !errors.Is(err, schema.ErrUnsupportedVersion) {
		t.Errorf("version 99: %v", err)
	}
}
