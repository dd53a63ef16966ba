package properties

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/leanovate/gopter"

	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// The schema suite's checks: kiotest's round-trip property (a value valid at a version
// must encode, decode to an equal value and encode again to the same bytes) with a
// reproducible description of a failure, and the coverage check.

// checkRoundTrip runs the round-trip property over values of typ generated at version,
// recording field states in cov, reports a failure with a reproducible description, and
// returns how many cases passed.
func checkRoundTrip(t *testing.T, cov *kiotest.Coverage, typ reflect.Type, version int16, cases int) int {
	t.Helper()
	params := kiotest.Parameters(cases)
	res := kiotest.RoundTripPropOf(typ, version, kiotest.WithCoverage(cov)).Check(params)
	if !res.Passed() {
		t.Errorf("%v v%d: round trip %v after %d passing cases (seed %d)\n%s%s",
			typ, version, res.Status, res.Succeeded, params.Seed(), failureDetail(res), argsDetail(res))
	}
	return res.Succeeded
}

func failureDetail(res *gopter.TestResult) string {
	var b strings.Builder
	for _, l := range res.Labels {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if res.Error != nil {
		fmt.Fprintf(&b, "error: %v\n%s\n", res.Error, res.ErrorStack)
	}
	return b.String()
}

// argsDetail prints the failing value (shrunk by gopter) as JSON: pointers followed,
// so it can be pasted into a reproduction.
func argsDetail(res *gopter.TestResult) string {
	var b strings.Builder
	for _, a := range res.Args {
		j, err := json.Marshal(a.Arg)
		if err != nil {
			fmt.Fprintf(&b, "value: %+v\n", a.Arg)
			continue
		}
		fmt.Fprintf(&b, "value (%d shrinks): %s\n", a.Shrinks, j)
	}
	return b.String()
}

// requireFullCoverage fails the test for every nullable, tagged, unknownTags or array
// field that was never generated in one of its states.
func requireFullCoverage(t *testing.T, cov *kiotest.Coverage) {
	t.Helper()
	kafkadist.Report(t, "coverage: "+cov.Summary())
	for _, f := range cov.Missing() {
		t.Errorf("never generated %v: %v", f.Missing(), f)
	}
}
