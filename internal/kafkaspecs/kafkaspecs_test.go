package kafkaspecs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/kafkarelease"
	"github.com/kio-go/kafka-protocol/internal/kafkaspecs"
	"github.com/kio-go/kafka-protocol/internal/kafkaspecs/specstest"
)

// TestReleaseFromMavenCentral checks what kafkaspecs keeps of the pinned releases: every
// spec the kafka-clients jar carries (3.9.2: 186, 4.4.0: 203) and error codes read from
// the release's Errors enum.
func TestReleaseFromMavenCentral(t *testing.T) {
	// Counted from the jars; a release pinned later is held to having about as many.
	want := map[string]int{"3.9.2": 186, "4.4.0": 203}
	for _, v := range kafkarelease.All() {
		r := specstest.Release(t, v)
		specs, err := filepath.Glob(filepath.Join(r.Specs, "*.json"))
		if n, ok := want[v]; err != nil || (ok && len(specs) != n) || len(specs) < 180 {
			t.Errorf("Kafka %s: %d specs in %s (%v), want %d", v, len(specs), r.Specs, err, want[v])
		}
		codes, err := os.ReadFile(r.ErrorCodes)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := kafkaspecs.Cached(filepath.Dir(r.Dir), v); !ok || got != r {
			t.Errorf("Cached(%s) = %+v, %v", v, got, ok)
		}
		t.Logf("Kafka %s: %d specs, %d bytes of error codes in %s", v, len(specs), len(codes), r.Dir)
	}
	if _, err := kafkaspecs.Get(t.TempDir(), "4.4"); err == nil {
		t.Error("a partial release number was accepted")
	}
}

// TestCount counts a tiny pair of releases by the merge rule.
func TestCount(t *testing.T) {
	old, cur := t.TempDir(), t.TempDir()
	write := func(dir, name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(old, "ARequest.json", `{"apiKey": 1, "type": "request", "name": "ARequest", "validVersions": "0-3", "latestVersionUnstable": true}`)
	write(old, "BRequest.json", `{"apiKey": 2, "type": "request", "name": "BRequest", "validVersions": "0-1"}`)
	write(old, "H.json", `{"type": "header", "name": "H", "validVersions": "0-2"}`)
	write(cur, "ARequest.json", `{"apiKey": 1, "type": "request", "name": "ARequest", "validVersions": "4-5", "latestVersionUnstable": true}`)
	write(cur, "BRequest.json", `{"apiKey": 2, "type": "request", "name": "BRequest", "validVersions": "none"}`)
	write(cur, "H.json", `{"type": "header", "name": "H", "validVersions": "1-2"}`)
	write(cur, "D.json", `{"type": "data", "name": "D", "validVersions": "0"}`)
	c, err := kafkaspecs.Count([]string{old, cur})
	if err != nil {
		t.Fatal(err)
	}
	// A: 0-2 (old unstable 3 left out) + 4-5; B: 0-1.
	if want := (kafkaspecs.Counts{APIs: 2, RequestVersions: 7, HeaderVersions: 3, DataVersions: 1, Headers: 1, DataSchemas: 1}); c != want {
		t.Errorf("Count = %+v, want %+v", c, want)
	}
}
