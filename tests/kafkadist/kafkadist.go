// Package kafkadist gives the test suites the Apache Kafka releases they run against
// (the Java oracle, the real brokers), pinned in internal/kafkarelease, builds the Java
// helpers of tests/java against them, and reports the suites' summary lines; what a
// suite does when its tools are missing is internal/testenv's rule.
//
// Kafka's artifacts come from Maven Central (org.apache.kafka:kafka-clients for the
// message classes, org.apache.kafka:kafka_2.13 and its modules for a broker).
package kafkadist

import (
	"os"
	"strconv"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/kafkarelease"
	"github.com/kio-go/kafka-protocol/internal/testenv"
)

// The pinned releases, kept in internal/kafkarelease (which the generator and kio's own
// tests import too): the newest 3.9.x and the newest release the schema merges.
const (
	Kafka39 = kafkarelease.Kafka39
	Kafka4  = kafkarelease.Newest
)

// Releases lists the pinned releases, oldest first.
var Releases = kafkarelease.All()

// InCI reports whether the tests run under CI (CI=true), where a suite that cannot run
// must fail rather than skip (internal/testenv holds the rule).
func InCI() bool { return testenv.InCI() }

// Unavailable ends a test whose suite cannot run: a failure under CI, a skip with the
// reason elsewhere. why should say what is missing and how to get it.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	testenv.Unavailable(t, why)
}

// RequireTools ends the test through Unavailable unless every named command (java,
// mvn, kcat...) is on PATH.
func RequireTools(t testing.TB, commands ...string) {
	t.Helper()
	testenv.RequireTools(t, commands...)
}

// Report logs a suite's summary line and appends it to the file KIO_REPORT names, if
// any (internal/testenv holds the rule, for kio's own tests too).
func Report(t testing.TB, line string) {
	t.Helper()
	testenv.Report(t, line)
}

// SkipShort skips t under -short: starts says what the test starts that takes minutes
// ("starts real brokers"), and the skip message says so.
func SkipShort(t testing.TB, starts string) {
	t.Helper()
	if testing.Short() {
		t.Skip(starts + "; skipped with -short")
	}
}

// EachRelease is the preamble of a suite that runs against every pinned release: it
// skips t under -short (SkipShort with starts), then runs f once per release, oldest
// first, as a subtest named by the release. f calls t.Parallel to run the releases side
// by side.
func EachRelease(t *testing.T, starts string, f func(t *testing.T, version string)) {
	t.Helper()
	SkipShort(t, starts)
	for _, version := range Releases {
		t.Run(version, func(t *testing.T) { f(t, version) })
	}
}

// CountFromEnv returns the positive integer in the environment variable name, or def
// where it is unset or not one: how a suite lets a long run raise its number of cases.
func CountFromEnv(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
