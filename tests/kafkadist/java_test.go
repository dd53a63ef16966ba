package kafkadist_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// TestClasspathRunsKafkaClasses builds the oracle module against each pinned release and
// runs it: the placeholder prints how many API keys that release's ApiKeys has.
func TestClasspathRunsKafkaClasses(t *testing.T) {
	for _, v := range kafkadist.Releases {
		cp := kafkadist.Classpath(t, "oracle", v)
		out, err := exec.Command("java", "-cp", cp, "io.kio.oracle.Main").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) == "" {
			t.Fatalf("Kafka %s: java: %v\n%s", v, err, out)
		}
		t.Logf("Kafka %s: %s", v, strings.TrimSpace(string(out)))
	}
}
