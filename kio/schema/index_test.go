package schema_test

import (
	"reflect"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/kafkarelease"
	"github.com/kio-go/kafka-protocol/internal/kafkaspecs/specstest"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// requestVersions is the number of request versions the index holds (as many responses).
func requestVersions() int {
	n := 0
	for _, a := range schema.APIs() {
		n += int(a.Versions.Hi-a.Versions.Lo) + 1
	}
	return n
}

// TestIndexCounts checks the index against the union of the merged releases' specs,
// counted from the spec files themselves (Kafka 3.9 and 4.4.0: 95 APIs, 364 request
// versions and as many responses, 5 header versions, 18 data-schema versions over 11
// schemas).
func TestIndexCounts(t *testing.T) {
	want := specstest.Counts(t)
	apis := schema.APIs()
	if len(apis) != want.APIs {
		t.Errorf("%d APIs, want %d", len(apis), want.APIs)
	}
	count := map[tags.Kind]int{}
	schemas := map[tags.Kind]int{}
	for _, m := range schema.Messages() {
		count[m.Kind] += int(m.Versions.Hi-m.Versions.Lo) + 1
		schemas[m.Kind]++
	}
	wantCount := map[tags.Kind]int{tags.Request: want.RequestVersions, tags.Response: want.RequestVersions,
		tags.Header: want.HeaderVersions, tags.Data: want.DataVersions}
	for k, n := range wantCount {
		if count[k] != n {
			t.Errorf("%s versions: %d, want %d", k, count[k], n)
		}
	}
	if schemas[tags.Data] != want.DataSchemas || schemas[tags.Header] != want.Headers {
		t.Errorf("%d data schemas and %d headers, want %d and %d", schemas[tags.Data], schemas[tags.Header], want.DataSchemas, want.Headers)
	}
	if n := requestVersions(); n != want.RequestVersions {
		t.Errorf("APIs cover %d versions, want %d", n, want.RequestVersions)
	}
	t.Logf("%d APIs, %d request and %d response versions, %d header versions, %d data-schema versions over %d schemas",
		len(apis), count[tags.Request], count[tags.Response], count[tags.Header], count[tags.Data], schemas[tags.Data])
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
		if got, ok := schema.Lookup(a.Key); !ok || got.Name != a.Name || got.Versions != a.Versions {
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
		req, resp := a.NewRequestBody(), a.NewResponseBody()
		if reflect.TypeOf(req) != reflect.PointerTo(a.Request) || reflect.TypeOf(resp) != reflect.PointerTo(a.Response) {
			t.Errorf("%s: NewRequestBody/NewResponseBody give %T, %T", a, req, resp)
		}
	}
	for _, key := range []int16{-1, 1000, 32767} {
		if a, ok := schema.Lookup(key); ok {
			t.Errorf("Lookup(%d) = %v, want nothing", key, a)
		}
	}
	msgs := schema.Messages()
	for i, m := range msgs {
		if i > 0 && msgs[i-1].Name >= m.Name {
			t.Errorf("messages not sorted: %s after %s", m.Name, msgs[i-1].Name)
		}
		if got, ok := schema.LookupMessage(m.Name); !ok || got.Name != m.Name || got.Type != m.Type {
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
		md.Versions != (tags.Range{Lo: 0, Hi: 13}) || md.Flexible.String() != "9+" ||
		md.Package != "github.com/kio-go/kafka-protocol/kio/schema/metadata" ||
		!reflect.DeepEqual(md.Listeners(), []string{"broker"}) || md.LatestUnstable || !md.Unstable.IsNone() || md.String() != "Metadata(3)" {
		t.Errorf("Metadata entry = %+v", md)
	}
	av, _ := schema.Lookup(18)
	if av.Response != reflect.TypeFor[apiversions.ApiVersionsResponse]() || av.Flexible.String() != "3+" {
		t.Errorf("ApiVersions entry = %+v", av)
	}
	// ShareFetch: v0 was early access (unstable) in 3.9, and 4.x dropped it: left out.
	sf, _ := schema.Lookup(78)
	if sf.Name != "ShareFetch" || sf.LatestUnstable || sf.Versions.String() != "1-2" {
		t.Errorf("ShareFetch entry = %+v", sf)
	}
	if r, _ := sf.Release("3.9.2"); r.Versions.String() != "0" || r.Unstable.String() != "0" || sf.Releases()[0] != r {
		t.Errorf("ShareFetch in 3.9: %v", sf.Releases())
	}
	// InitProducerId v6 is unstable in 4.4.0: generated, and marked.
	ip, _ := schema.Lookup(22)
	if !ip.LatestUnstable || ip.Unstable.String() != "6" || ip.Versions.String() != "0-6" {
		t.Errorf("InitProducerId entry = %+v", ip)
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

// TestReleaseVersions asks the index which versions each merged release serves.
func TestReleaseVersions(t *testing.T) {
	// The index names the releases as the pins do (internal/kafkarelease).
	if got := schema.Releases(); !reflect.DeepEqual(got, []string{"3.9.2", "4.4.0"}) || !reflect.DeepEqual(got, kafkarelease.All()) {
		t.Errorf("Releases() = %v; the pins are %v", got, kafkarelease.All())
	}
	cases := []struct {
		key     int16
		release string
		want    string
	}{
		{0, "3.9.2", "0-11"}, {0, "4.4.0", "3-13"}, // Produce: 4.x no longer serves v0-2
		{1, "4.4.0", "4-18"}, {3, "4.4.0", "0-13"},
		{4, "3.9.2", "0-7"}, {4, "4.4.0", "none"}, // LeaderAndIsr: gone from 4.x
		{74, "3.9.2", "0"}, {74, "4.4.0", "0-1"}, // ListClientMetricsResources, now ListConfigResources
		{88, "3.9.2", "none"}, {88, "4.4.0", "0-1"}, // StreamsGroupHeartbeat: new in 4.x
	}
	for _, c := range cases {
		a, ok := schema.Lookup(c.key)
		if !ok {
			t.Errorf("no API %d", c.key)
			continue
		}
		if r, ok := a.Release(c.release); !ok || r.Release != c.release || r.Versions.String() != c.want {
			t.Errorf("%s in %s: %v, %v; want %s", a, c.release, r, ok, c.want)
		}
		if m, ok := schema.LookupMessage(a.Request.Name()); !ok {
			t.Errorf("no message %s", a.Request.Name())
		} else if r, _ := m.Release(c.release); r.Versions.String() != c.want {
			t.Errorf("message %s in %s: %v; want %s", m.Name, c.release, r, c.want)
		}
	}
	produce, _ := schema.Lookup(0)
	if r, _ := produce.Release("4.4.0"); r.Versions.Contains(2) {
		t.Error("Kafka 4.4.0 serves Produce v2")
	}
	if r, ok := produce.Release("9.9.9"); ok || !r.Versions.IsNone() {
		t.Errorf("Release knows release 9.9.9: %v", r)
	}
	if r, ok := produce.ReleaseVersions("4.4.0"); !ok || r.String() != "3-13" { // the deprecated spelling
		t.Errorf("ReleaseVersions(4.4.0) = %v, %v", r, ok)
	}
	// Every API's merged versions are the union of the releases' (an unstable version
	// aside), and every message knows its releases too.
	for _, a := range schema.APIs() {
		var lo, hi int16 = 32767, -1
		for _, r := range a.Releases() {
			v := r.Versions
			if !r.Unstable.IsNone() && r.Release != "4.4.0" {
				v.Hi--
			}
			if !v.IsNone() {
				lo, hi = min(lo, v.Lo), max(hi, v.Hi)
			}
		}
		if a.Versions != (tags.Range{Lo: lo, Hi: hi}) {
			t.Errorf("%s: versions %s, releases %v", a, a.Versions, a.Releases())
		}
	}
	if m, _ := schema.LookupMessage("RequestHeader"); len(m.Releases()) != 2 || m.Releases()[1].Versions.String() != "1-2" {
		t.Errorf("RequestHeader releases %v", m.Releases())
	}
}

// TestNewAPIHeaderVersions checks the header versions of the APIs 4.x added: flexible
// from v0, so request header 2 and response header 1.
func TestNewAPIHeaderVersions(t *testing.T) {
	for _, key := range []int16{88, 89, 90, 91, 92, 93, 94} {
		a, ok := schema.Lookup(key)
		if !ok {
			t.Errorf("no API %d", key)
			continue
		}
		for v := a.Versions.Lo; v <= a.Versions.Hi; v++ {
			if a.RequestHeaderVersion(v) != 2 || a.ResponseHeaderVersion(v) != 1 {
				t.Errorf("%s v%d: header versions %d and %d, want 2 and 1", a, v, a.RequestHeaderVersion(v), a.ResponseHeaderVersion(v))
			}
		}
	}
}

// TestIndexValuesAreCopies checks that callers cannot change the shared index.
func TestIndexValuesAreCopies(t *testing.T) {
	a, _ := schema.Lookup(3)
	a.Versions, a.Name = tags.None(), "Changed"
	a.Listeners()[0] = "changed"
	a.Releases()[0].Release = "changed"
	for _, b := range schema.APIs() {
		b.Versions = tags.None()
	}
	b, _ := schema.LookupBody(&metadata.MetadataRequest{})
	b.Name = "Changed"
	again, _ := schema.Lookup(3)
	if again.Name != "Metadata" || again.Versions.IsNone() || again.Listeners()[0] != "broker" || again.Releases()[0].Release != "3.9.2" {
		t.Errorf("the index changed: %+v", again)
	}
	m, _ := schema.LookupMessage("MetadataRequest")
	m.Name = "Changed"
	for _, x := range schema.Messages() {
		x.Versions = tags.None()
	}
	if m2, _ := schema.LookupMessage("MetadataRequest"); m2.Name != "MetadataRequest" || m2.Versions.IsNone() {
		t.Errorf("the message index changed: %+v", m2)
	}
}
