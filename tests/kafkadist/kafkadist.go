// Package kafkadist gives the test suites the Apache Kafka releases they run against
// (the Java oracle, the real brokers), pinned in internal/kafkarelease, builds the Java
// helpers of tests/java against them, and reports the suites' summary lines; what a
// suite does when its tools are missing is internal/testenv's rule.
//
// Kafka's artifacts come from Maven Central (org.apache.kafka:kafka-clients for the
// message classes, org.apache.kafka:kafka_2.13 and its modules for a broker).
package kafkadist

import (
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
