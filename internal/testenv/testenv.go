// Package testenv holds the rule every suite of kio follows when what it needs is missing
// (a command such as java, mvn or kcat, a release's specs from Maven Central): under CI
// (CI=true) the suite fails, elsewhere it skips with a message saying what is missing.
// A suite that proves something prints one summary line with Report.
// It sits at the module root's internal/ so that tests outside tests/ (the generator's,
// kio/schema's) follow the same rule without importing tests/.
package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

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
// names a file, appends the line to it (prefixed with the test's name): go test shows a
// passing package's log only with -v, so .ci/run prints that file after its one run of
// the tests and fails where a suite's line is missing.
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
