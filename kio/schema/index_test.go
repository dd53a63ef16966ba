package schema_test

import (
	"reflect"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// Kafka 3.9 defines 88 APIs whose request versions add up to 323 (and as many response
// versions), 5 header versions (RequestHeader 0-2, ResponseHeader 0-1) and 15 data-schema
// versions over 8 schemas.
func TestIndexCounts(t *testing.T) {
	apis := schema.APIs()
	if len(apis) != 88 {
		t.Errorf("%d APIs, want 88", len(apis))
	}
	count := map[tags.Kind]int{}
	schemas := map[tags.Kind]int{}
	for _, m := range schema.Messages() {
		count[m.Kind] += int(m.Versions.Hi-m.Versions.Lo) + 1
		schemas[m.Kind]++
	}
	want := map[tags.Kind]int{tags.Request: 323, tags.Response: 323, tags.Header: 5, tags.Data: 15}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s versions: %d, want %d", k, count[k], n)
		}
	}
	if schemas[tags.Data] != 8 || schemas[tags.Header] != 2 {
		t.Errorf("%d data schemas and %d headers, want 8 and 2", schemas[tags.Data], schemas[tags.Header])
	}
	var apiVersions int
	for _, a := range apis {
		apiVersions += int(a.Versions.Hi-a.Versions.Lo) + 1
	}
	if apiVersions != 323 {
		t.Errorf("APIs cover %d versions, want 323", apiVersions)
	}
}

// TestIndexMatchesTags checks every index entry against the marker tag of its struct, and
// the index's order and lookups.
func TestIndexMatchesTags(t *testing.T) {
	prev := int16(-1)
	for _, a := range schema.APIs() {
		if a.Key <= prev {
			t.Errorf("APIs not sorted by key: %d after %d", a.Key, prev)
		}
		prev = a.Key
		if got, ok := schema.Lookup(a.Key); !ok || got != a {
			t.Errorf("Lookup(%d) = %v, %v", a.Key, got, ok)
		}
		for kind, typ := range map[tags.Kind]reflect.Type{tags.Request: a.Request, tags.Response: a.Response} {
			f, ok := typ.FieldByName("_")
			if !ok {
				t.Errorf("%v has no marker field", typ)
				continue
			}
			m, err := tags.ParseMessage(f.Tag.Get("kafka"))
			if err != nil {
				t.Errorf("%v: %v", typ, err)
				continue
			}
			if m.Kind != kind || m.APIKey != a.Key || m.Versions != a.Versions || m.Flexible != a.Flexible {
				t.Errorf("%s: index says %s key %d versions %s flexible %s; tag says %s key %d versions %s flexible %s",
					a, kind, a.Key, a.Versions, a.Flexible, m.Kind, m.APIKey, m.Versions, m.Flexible)
			}
		}
		req, resp := a.NewRequest(), a.NewResponse()
		if reflect.TypeOf(req) != reflect.PointerTo(a.Request) || reflect.TypeOf(resp) != reflect.PointerTo(a.Response) {
			t.Errorf("%s: NewRequest/NewResponse give %T, %T", a, req, resp)
		}
	}
	for _, key := range []int16{-1, 88 + 1000, 32767} {
		if a, ok := schema.Lookup(key); ok {
			t.Errorf("Lookup(%d) = %v, want nothing", key, a)
		}
	}
	msgs := schema.Messages()
	for i, m := range msgs {
		if i > 0 && msgs[i-1].Name >= m.Name {
			t.Errorf("messages not sorted: %s after %s", m.Name, msgs[i-1].Name)
		}
		if got, ok := schema.LookupMessage(m.Name); !ok || got != m {
			t.Errorf("LookupMessage(%s) = %v, %v", m.Name, got, ok)
		}
		if m.Type.Name() != m.Name || reflect.TypeOf(m.New()) != reflect.PointerTo(m.Type) {
			t.Errorf("%s: type %v, New gives %T", m.Name, m.Type, m.New())
		}
	}
	if _, ok := schema.LookupMessage("NoSuchMessage"); ok {
		t.Errorf("LookupMessage found NoSuchMessage")
	}
}

func TestIndexEntries(t *testing.T) {
	md, ok := schema.Lookup(3)
	if !ok {
		t.Fatal("no API 3")
	}
	if md.Name != "Metadata" || md.Request != reflect.TypeFor[metadata.MetadataRequest]() ||
		md.Response != reflect.TypeFor[metadata.MetadataResponse]() ||
		md.Versions != (tags.Range{Lo: 0, Hi: 12}) || md.Flexible.String() != "9+" ||
		md.Deprecated != (tags.Range{Lo: 0, Hi: 3}) || md.Package != "github.com/kio-go/kafka-protocol/kio/schema/metadata" ||
		!reflect.DeepEqual(md.Listeners, []string{"zkBroker", "broker"}) || md.LatestUnstable || md.String() != "Metadata(3)" {
		t.Errorf("Metadata entry = %+v", md)
	}
	av, _ := schema.Lookup(18)
	if av.Response != reflect.TypeFor[apiversions.ApiVersionsResponse]() || av.Flexible.String() != "3+" {
		t.Errorf("ApiVersions entry = %+v", av)
	}
	sf, _ := schema.Lookup(78) // ShareFetch: early access in 3.9
	if sf.Name != "ShareFetch" || !sf.LatestUnstable {
		t.Errorf("ShareFetch entry = %+v", sf)
	}
	for _, name := range []string{"RequestHeader", "ResponseHeader"} {
		if m, ok := schema.LookupMessage(name); !ok || m.Kind != tags.Header || m.APIKey != -1 {
			t.Errorf("LookupMessage(%s) = %+v, %v", name, m, ok)
		}
	}
	if m, ok := schema.LookupMessage("ConsumerProtocolAssignment"); !ok || m.Kind != tags.Data || m.Versions.String() != "0-3" ||
		m.Package != "github.com/kio-go/kafka-protocol/kio/schema/consumerprotocolassignment" {
		t.Errorf("LookupMessage(ConsumerProtocolAssignment) = %+v, %v", m, ok)
	}
}

// TestHeaderVersions checks the header version rules, including both exceptions.
func TestHeaderVersions(t *testing.T) {
	cases := []struct {
		key, version      int16
		request, response int16
	}{
		{3, 8, 1, 0},  // Metadata v8: not flexible
		{3, 9, 2, 1},  // Metadata v9: first flexible version
		{18, 2, 1, 0}, // ApiVersions v2
		{18, 3, 2, 0}, // ApiVersions v3: flexible, yet its response header stays v0
		{18, 4, 2, 0},
		{7, 0, 0, 0}, // ControlledShutdown v0: request header v0, without client id
		{7, 1, 1, 0},
		{7, 3, 2, 1},  // ControlledShutdown v3: flexible
		{0, 9, 2, 1},  // Produce v9
		{52, 0, 2, 1}, // Vote: flexible from v0
	}
	for _, c := range cases {
		a, ok := schema.Lookup(c.key)
		if !ok {
			t.Fatalf("no API %d", c.key)
		}
		if got := a.RequestHeaderVersion(c.version); got != c.request {
			t.Errorf("%s v%d: request header v%d, want v%d", a, c.version, got, c.request)
		}
		if got := a.ResponseHeaderVersion(c.version); got != c.response {
			t.Errorf("%s v%d: response header v%d, want v%d", a, c.version, got, c.response)
		}
	}
}
