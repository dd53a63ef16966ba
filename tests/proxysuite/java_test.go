package proxysuite

import (
	"context"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// producedOK matches the driver's line for ten records produced with one acks and codec.
var producedOK = regexp.MustCompile(`(?m)^produce acks=\S+ codec=\S+ ok$`)

// javaRound runs Kafka's own Java clients (tests/java/clients: KafkaProducer with acks 0,
// 1 and all and every codec, a transaction, KafkaConsumer with the classic and the
// consumer group protocols, AdminClient calling every method of the release's Admin)
// with only the proxy's bootstrap address. The driver checks that every record comes
// back to each consumer; it fails on any failed call.
func javaRound(ctx context.Context, t *testing.T, tl *tally, addr, version string) {
	cp := kafkadist.Classpath(t, "clients", version)
	cmd := exec.CommandContext(ctx, "java", "-cp", cp, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "io.kio.clients.Main", addr)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "failures 0") {
		t.Fatalf("Java clients through kio/proxy: %v\n%s", err, out)
	}
	produced := 10*len(producedOK.FindAllString(string(out), -1)) + 5 // ten per acks and codec, five in the transaction
	if !strings.Contains(string(out), "consume group.protocol=classic ok") || !strings.Contains(string(out), "consume group.protocol=consumer ok") {
		t.Fatalf("the Java consumers did not both read every record:\n%s", out)
	}
	tl.produced += produced
	tl.consumed += produced
	for _, c := range []string{"java producer", "java consumer", "java admin"} {
		tl.clients[c] = true
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "admin methods: ") {
			t.Log(line)
		}
	}
}
