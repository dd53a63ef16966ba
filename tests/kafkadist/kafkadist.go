// Package kafkadist is the one place where the test suites pin the Apache Kafka
// releases they run against (the Java oracle, the real brokers, the spec extraction)
// and decide what to do when a suite's tools are missing.
//
// Kafka's artifacts come from Maven Central (org.apache.kafka:kafka-clients for the
// message classes, org.apache.kafka:kafka_2.13 and its modules for a broker).
package kafkadist

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The pinned releases: the newest 3.9.x and the newest 4.x that Maven Central serves.
const (
	Kafka39 = "3.9.2"
	Kafka4  = "4.4.0"
)

// Releases lists the pinned releases, oldest first.
var Releases = []string{Kafka39, Kafka4}

// InCI reports whether the tests run under CI (CI=true), where a suite that cannot run
// must fail rather than skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable ends a test whose suite cannot run: a failure under CI, a skip with the
// reason elsewhere. why should say what is missing and how to get it.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true and this suite cannot run: %s", why)
	}
	t.Skipf("skipped: %s", why)
}

// RequireTools ends the test through Unavailable unless every named command (java,
// mvn, kcat...) is on PATH.
func RequireTools(t testing.TB, commands ...string) {
	t.Helper()
	for _, c := range commands {
		if _, err := exec.LookPath(c); err != nil {
			Unavailable(t, c+" is not on PATH (see .ci/run for how CI installs it)")
		}
	}
}

// Report logs a suite's summary line and, where the environment variable KIO_REPORT
// names a file, appends the line to it: go test shows a passing package's log only
// with -v, so .ci/run prints that file after its one run of the tests instead of
// running the suites a second time to show their lines.
func Report(t testing.TB, line string) {
	t.Helper()
	t.Log(line)
	path := os.Getenv("KIO_REPORT")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Errorf("KIO_REPORT: %v", err)
		return
	}
	defer f.Close()
	if _, err := f.WriteString(t.Name() + ": " + strings.TrimRight(line, "\n") + "\n"); err != nil {
		t.Errorf("KIO_REPORT: %v", err)
	}
}
