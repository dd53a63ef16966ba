// Package specstest gives tests the spec folders kio/schema is generated from: Kafka 3.9's
// specs beside the repository (../shared/kafka-schemas/3.9) and the pinned 4.x release's
// from the kafkaspecs cache, fetched from Maven Central the first time. Where either cannot
// be had the test ends through kafkadist.Unavailable (a failure under CI=true).
package specstest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/kafkaspecs"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// Release39 is the name the schema gives the Kafka 3.9 specs of ../shared.
const Release39 = "3.9"

// Shared39 returns the folder of Kafka 3.9's specs beside the repository.
func Shared39(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "kafka-schemas", "3.9")
	if _, err := os.Stat(filepath.Join(dir, "MetadataRequest.json")); err != nil {
		kafkadist.Unavailable(t, fmt.Sprintf("Kafka 3.9's JSON specs are not at %s (../shared/kafka-schemas/3.9 from the module root): %v", dir, err))
	}
	return dir
}

// Release returns a release's specs and error codes from the cache, fetching them the
// first time (mvn, java).
func Release(t testing.TB, version string) kafkaspecs.Release {
	t.Helper()
	root, err := kafkaspecs.CacheRoot()
	if err != nil {
		kafkadist.Unavailable(t, fmt.Sprintf("no cache folder for Kafka's specs: %v", err))
	}
	if r, ok := kafkaspecs.Cached(root, version); ok {
		return r
	}
	kafkadist.RequireTools(t, "mvn", "java")
	r, err := kafkaspecs.Get(root, version)
	if err != nil {
		kafkadist.Unavailable(t, fmt.Sprintf("Kafka %s's specs from Maven Central: %v", version, err))
	}
	return r
}

// Schema returns the spec folders kio/schema merges, oldest first: 3.9, then the pinned 4.x.
func Schema(t testing.TB) []string {
	t.Helper()
	return []string{Shared39(t), Release(t, kafkadist.Kafka4).Specs}
}

// Counts counts the versions of the releases kio/schema merges, from their spec files.
func Counts(t testing.TB) kafkaspecs.Counts {
	t.Helper()
	c, err := kafkaspecs.Count(Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
