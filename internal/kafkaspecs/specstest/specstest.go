// Package specstest gives tests the spec folders kio/schema is generated from: the pinned
// releases' (internal/kafkarelease) from the kafkaspecs cache, fetched from Maven Central
// the first time. Where they cannot be had the test ends through testenv.Unavailable (a
// failure under CI=true).
package specstest

import (
	"fmt"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/kafkarelease"
	"github.com/kio-go/kafka-protocol/internal/kafkaspecs"
	"github.com/kio-go/kafka-protocol/internal/testenv"
)

// Release returns a release's specs and error codes from the cache, fetching them the
// first time (mvn, java).
func Release(t testing.TB, version string) kafkaspecs.Release {
	t.Helper()
	root, err := kafkaspecs.CacheRoot()
	if err != nil {
		testenv.Unavailable(t, fmt.Sprintf("no cache folder for Kafka's specs: %v", err))
	}
	if r, ok := kafkaspecs.Cached(root, version); ok {
		return r
	}
	testenv.RequireTools(t, "mvn", "java")
	r, err := kafkaspecs.Get(root, version)
	if err != nil {
		testenv.Unavailable(t, fmt.Sprintf("Kafka %s's specs from Maven Central: %v", version, err))
	}
	return r
}

// Schema returns the spec folders kio/schema merges, oldest first: the pinned releases'.
func Schema(t testing.TB) []string {
	t.Helper()
	var dirs []string
	for _, v := range kafkarelease.All() {
		dirs = append(dirs, Release(t, v).Specs)
	}
	return dirs
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
