package realclients

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// The librdkafka side of the real-clients test, through kcat (Debian's kcat 1.7 with
// librdkafka 2.0): metadata, produce with every codec, consume, and a group consumer.

const kcatPerCodec = 3 // records kcat produces per codec

func haveKcat() bool {
	_, err := exec.LookPath("kcat")
	return err == nil
}

// runKcat runs kcat against addr with client id "kcat", bounded by timeout.
func runKcat(ctx context.Context, t *testing.T, addr string, timeout time.Duration, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args = append([]string{"-b", addr, "-X", "client.id=kcat"}, args...)
	cmd := exec.CommandContext(ctx, "kcat", args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 2 * time.Second // never wait on pipes kcat left open
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat %s: %v (context: %v)\nstdout:\n%s\nstderr:\n%s",
			strings.Join(args, " "), err, ctx.Err(), stdout.String(), stderr.String())
	}
	return stdout.String()
}

func kcatRound(ctx context.Context, t *testing.T, addr string) {
	// A failure under CI=true, where .ci/run installs kcat; a skip elsewhere.
	kafkadist.RequireTools(t, "kcat")

	// Metadata: the one broker listed must be the proxy.
	out := runKcat(ctx, t, addr, 10*time.Second, "", "-L", "-m", "5")
	if !strings.Contains(out, "at "+addr) {
		t.Errorf("kcat -L does not list the broker at the proxy %s:\n%s", addr, out)
	}

	want := map[string][]string{} // topic → values in produce order
	for _, c := range allCodecs {
		topic := kcatTopic(c)
		for i := range kcatPerCodec {
			want[topic] = append(want[topic], recordValue("kcat", c, i))
		}
		runKcat(ctx, t, addr, 10*time.Second, strings.Join(want[topic], "\n")+"\n",
			"-P", "-t", topic, "-z", c.name)
	}

	// Plain consumer, per topic, to the end of the partition.
	for _, c := range allCodecs {
		topic := kcatTopic(c)
		out := runKcat(ctx, t, addr, 10*time.Second, "",
			"-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\n")
		if got := strings.Fields(out); !slices.Equal(got, want[topic]) {
			t.Errorf("kcat -C %s: got %q, want %q", topic, got, want[topic])
		}
	}

	// Group consumer over every kcat topic, stopping after all records.
	var topics []string
	for _, c := range allCodecs {
		topics = append(topics, kcatTopic(c))
	}
	total := len(allCodecs) * kcatPerCodec
	out = runKcat(ctx, t, addr, 25*time.Second, "",
		append([]string{"-G", kcatGroup, "-X", "auto.offset.reset=earliest",
			"-c", fmt.Sprint(total), "-q", "-f", "%t %s\n"}, topics...)...)
	var got []string
	for line := range strings.Lines(out) {
		got = append(got, strings.TrimSpace(line))
	}
	var wantLines []string
	for _, topic := range topics {
		for _, v := range want[topic] {
			wantLines = append(wantLines, topic+" "+v)
		}
	}
	slices.Sort(got)
	slices.Sort(wantLines)
	if !slices.Equal(got, wantLines) {
		t.Errorf("kcat -G consumed\n%q\nwant\n%q", got, wantLines)
	}

	checkKcatCodecs(ctx, t, addr, topics, total)
}

// checkKcatCodecs reads kcat's topics with kgo to check that librdkafka
// really compressed each batch with the codec it was told to (otherwise the compressed
// frames would not have been on the wire at all).
func checkKcatCodecs(ctx context.Context, t *testing.T, addr string, topics []string, n int) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cl := newKgo(t, addr, "kgo",
		kgo.ConsumeTopics(topics...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	defer cl.Close()
	codecOf := map[string]clientCodec{}
	for _, c := range allCodecs {
		codecOf[kcatTopic(c)] = c
	}
	for _, r := range poll(ctx, t, cl, n) {
		if c := codecOf[r.Topic]; r.Attrs.CompressionType() != c.attr {
			t.Errorf("kcat's record in %s has codec %d, want %d (%s)",
				r.Topic, r.Attrs.CompressionType(), c.attr, c.name)
		}
	}
}
