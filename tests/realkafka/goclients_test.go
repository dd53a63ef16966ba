package realkafka

// franz-go's kgo and kadm, and librdkafka's kcat where installed, against a real node of
// each pinned release through kio's decoding proxy (the node advertises the proxy).

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

func TestGoClientsAndKcatThroughProxy(t *testing.T) {
	kafkadist.EachRelease(t, "starts real brokers", func(t *testing.T, version string) {
		p := startBehindProxy(t, version)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		goClients(ctx, t, p.Addr())
		clients := []string{"kgo"}
		if kcatClients(ctx, t, p.Addr()) {
			clients = append(clients, "kcat")
		}
		p.Close()
		reportProxy(t, fmt.Sprintf("kgo, kadm and kcat through the proxy, kafka %s", version), p, clients...)
	})
}

var goCodecs = []struct {
	name  string
	codec kgo.CompressionCodec
}{
	{"none", kgo.NoCompression()}, {"gzip", kgo.GzipCompression()}, {"snappy", kgo.SnappyCompression()},
	{"lz4", kgo.Lz4Compression()}, {"zstd", kgo.ZstdCompression()},
}

// goClients creates topics with kadm, produces with every codec (idempotent and a
// transaction), consumes in a group, and makes admin calls.
func goClients(ctx context.Context, t *testing.T, addr string) {
	adm, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ClientID("kgo"))
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	admin := kadm.NewClient(adm)
	topics := []string{"go-clients"}
	for _, c := range goCodecs {
		topics = append(topics, "kcat-"+c.name) // for kcat, which does not create topics
	}
	if _, err := admin.CreateTopics(ctx, 2, 1, nil, topics...); err != nil {
		t.Fatalf("create topics: %v", err)
	}
	want := 0
	for _, c := range goCodecs {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ClientID("kgo"), kgo.ProducerBatchCompression(c.codec), kgo.DefaultProduceTopic("go-clients"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			r := &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(c.name + strings.Repeat("x", i*50)), Headers: []kgo.RecordHeader{{Key: "h", Value: []byte(c.name)}}}
			if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
				t.Fatalf("produce %s: %v", c.name, err)
			}
		}
		want += 10
		cl.Close()
	}
	txn, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ClientID("kgo"), kgo.TransactionalID("go-txn"), kgo.DefaultProduceTopic("go-clients"))
	if err != nil {
		t.Fatal(err)
	}
	if err := txn.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := txn.ProduceSync(ctx, &kgo.Record{Value: []byte(fmt.Sprint("txn ", i))}).FirstErr(); err != nil {
			t.Fatalf("transactional produce: %v", err)
		}
	}
	if err := txn.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatalf("commit: %v", err)
	}
	txn.Close()
	want += 5

	cons, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ClientID("kgo"), kgo.ConsumerGroup("go-group"), kgo.ConsumeTopics("go-clients"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for got < want && ctx.Err() == nil {
		fs := cons.PollFetches(ctx)
		for _, e := range fs.Errors() {
			t.Fatalf("poll: %v", e.Err)
		}
		got += fs.NumRecords()
	}
	if got != want {
		t.Fatalf("consumed %d of %d", got, want)
	}
	if err := cons.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("commit offsets: %v", err)
	}
	cons.Close()

	if _, err := admin.ListTopics(ctx); err != nil {
		t.Errorf("list topics: %v", err)
	}
	if _, err := admin.DescribeTopicConfigs(ctx, "go-clients"); err != nil {
		t.Errorf("describe configs: %v", err)
	}
	if gs, err := admin.DescribeGroups(ctx, "go-group"); err != nil || gs["go-group"].Err != nil {
		t.Errorf("describe groups: %v %v", err, gs)
	}
	if os, err := admin.FetchOffsets(ctx, "go-group"); err != nil || os.Error() != nil {
		t.Errorf("fetch offsets: %v %v", err, os)
	}
	if _, err := admin.ListEndOffsets(ctx, "go-clients"); err != nil {
		t.Errorf("list end offsets: %v", err)
	}
	if _, err := admin.DescribeProducers(ctx, nil); err != nil {
		t.Errorf("describe producers: %v", err)
	}
	if _, err := admin.DeleteTopics(ctx, "go-clients"); err != nil {
		t.Errorf("delete topics: %v", err)
	}
}

// kcatClients runs kcat -L, -P with every codec and -C, if kcat is installed; under CI
// it must be (.ci/run installs it).
func kcatClients(ctx context.Context, t *testing.T, addr string) bool {
	if _, err := exec.LookPath("kcat"); err != nil {
		if kafkadist.InCI() {
			t.Fatal("CI=true and kcat is not on PATH")
		}
		t.Log("kcat not found on PATH: its part is skipped (apt-get install kcat)")
		return false
	}
	run := func(stdin string, args ...string) string {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "kcat", append([]string{"-b", addr, "-X", "client.id=kcat"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		cmd.WaitDelay = 2 * time.Second
		if err := cmd.Run(); err != nil {
			t.Fatalf("kcat %v: %v\n%s\n%s", args, err, out.String(), errOut.String())
		}
		return out.String()
	}
	if out := run("", "-L"); !strings.Contains(out, addr) {
		t.Errorf("kcat -L does not list the proxy %s:\n%s", addr, out)
	}
	for _, c := range goCodecs {
		run("a\nb\nc\n", "-P", "-t", "kcat-"+c.name, "-p", "0", "-z", c.name)
	}
	for _, c := range goCodecs {
		if out := run("", "-C", "-t", "kcat-"+c.name, "-e", "-o", "beginning", "-f", "%s\n"); out != "a\nb\nc\n" {
			t.Errorf("kcat -C %s: %q", c.name, out)
		}
	}
	return true
}
