package properties

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/internal/kafkaspecs/specstest"
	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// schemaCases is the number of values checked per message version by default; raise it
// with KIO_PROP_CASES for long local runs.
const schemaCases = 1000

// TestSchemaRoundTrip checks, for every message of kio/schema at every version it
// defines, that generated values survive Marshal, Unmarshal and Marshal again
// unchanged, and that every nullable, tagged, unknownTags and array field was
// generated in each of its states somewhere in the run.
//
// The versions it must exercise are counted from the spec files of the releases kio/schema
// merges (Kafka 3.9 and 4.4.0), not from the index: 728 request and response versions,
// 5 header versions and 18 data-schema versions.
func TestSchemaRoundTrip(t *testing.T) {
	cov := kiotest.NewCoverage()
	want := specstest.Counts(t)
	wantAPIVersions, wantHeaderVersions, wantDataVersions := int64(2*want.RequestVersions), int64(want.HeaderVersions), int64(want.DataVersions)
	var versions [5]atomic.Int64 // by tags.Kind
	var values atomic.Int64
	start := time.Now()
	t.Run("messages", func(t *testing.T) {
		for _, m := range schema.Messages() {
			t.Run(m.Name, func(t *testing.T) {
				t.Parallel()
				if m.Versions.IsNone() || m.Versions.IsOpen() {
					t.Fatalf("%s: versions %v: want a closed, non-empty range", m.Name, m.Versions)
				}
				for v := m.Versions.Lo; v <= m.Versions.Hi; v++ {
					values.Add(int64(checkRoundTrip(t, cov, m.Type, v, kiotest.Cases(schemaCases))))
					versions[m.Kind].Add(1)
				}
			})
		}
	})
	api := versions[tags.Request].Load() + versions[tags.Response].Load()
	header, data := versions[tags.Header].Load(), versions[tags.Data].Load()
	t.Logf("exercised %d request+response, %d header and %d data-schema versions: %d values in %v (%d per version, seed %d)",
		api, header, data, values.Load(), time.Since(start).Round(time.Millisecond), kiotest.Cases(schemaCases), kiotest.Seed())
	if api != wantAPIVersions || header != wantHeaderVersions || data != wantDataVersions {
		t.Errorf("exercised %d/%d/%d request+response/header/data versions, want %d/%d/%d",
			api, header, data, wantAPIVersions, wantHeaderVersions, wantDataVersions)
	}
	if plain := versions[tags.Plain].Load(); plain != 0 {
		t.Errorf("%d versions of messages without an entity kind", plain)
	}
	requireFullCoverage(t, cov)
}
