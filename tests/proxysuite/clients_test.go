package proxysuite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// tally counts what a release's rounds did, for its report line.
type tally struct {
	clients  map[string]bool
	produced int // records acknowledged
	consumed int // of those, consumed back intact exactly once
}

func newTally() *tally { return &tally{clients: map[string]bool{}} }

// record is the content of one test record, derived from its index.
func record(topic string, i int) *kgo.Record {
	return &kgo.Record{Topic: topic, Key: fmt.Appendf(nil, "%s-k%d", topic, i), Value: fmt.Appendf(nil, "%s-v%d-%s", topic, i, strings.Repeat("x", i%50)),
		Headers: []kgo.RecordHeader{{Key: "i", Value: strconv.AppendInt(nil, int64(i), 10)}, {Key: "src", Value: []byte("kgo")}}}
}

// intact reports whether r is record(topic, i) for the index in its header.
func intact(r *kgo.Record) (int, bool) {
	if len(r.Headers) != 2 || r.Headers[0].Key != "i" || r.Headers[1].Key != "src" {
		return -1, false
	}
	i, err := strconv.Atoi(string(r.Headers[0].Value))
	if err != nil {
		return -1, false
	}
	want := record(r.Topic, i)
	return i, bytes.Equal(r.Key, want.Key) && bytes.Equal(r.Value, want.Value) && string(r.Headers[1].Value) == "kgo"
}

// newClient makes a kgo client that knows only addr, recording where it dials.
func newClient(t testing.TB, addr string, rec *dialRecorder, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.Dialer(rec.Dial),
		kgo.RetryTimeout(60 * time.Second), kgo.FetchMaxWait(500 * time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// kgoRound creates topic, produces n records with acks=all (idempotent), consumes them
// in a group and requires each exactly once, intact; then admin calls that hand out
// endpoints (Metadata, DescribeCluster, FindCoordinator v3 and v4+, DescribeQuorum).
// quorum says whether the cluster serves DescribeQuorum (kfake does not).
func kgoRound(ctx context.Context, t *testing.T, g *guard, tl *tally, addr, topic string, partitions int32, rf int16, n int, quorum bool) {
	rec := &dialRecorder{}
	cl := newClient(t, addr, rec, kgo.ClientID("kgo"))
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, partitions, rf, nil, topic); err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
	produceAll(ctx, t, cl, topic, 0, n)
	tl.produced += n
	consumer := newClient(t, addr, rec, kgo.ClientID("kgo-consumer"), kgo.ConsumeTopics(topic), kgo.ConsumerGroup(topic+"-group"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	seen := consumeAll(ctx, t, consumer, topic, n)
	for i, c := range seen {
		if c != 1 {
			t.Errorf("%s record %d consumed %d times", topic, i, c)
		}
	}
	tl.consumed += len(seen)
	if err := consumer.CommitUncommittedOffsets(ctx); err != nil {
		t.Errorf("commit: %v", err)
	}
	tl.clients["kgo"] = true

	// Admin: everything that hands out endpoints, and a few that do not.
	if _, err := adm.BrokerMetadata(ctx); err != nil {
		t.Error(err)
	}
	if _, err := adm.DescribeTopicConfigs(ctx, topic); err != nil {
		t.Error(err)
	}
	if _, err := adm.ListEndOffsets(ctx, topic); err != nil {
		t.Error(err)
	}
	if _, err := adm.FetchOffsets(ctx, topic+"-group"); err != nil {
		t.Error(err)
	}
	if _, err := adm.DescribeGroups(ctx, topic+"-group"); err != nil {
		t.Error(err)
	}
	fc := kmsg.NewPtrFindCoordinatorRequest()
	fc.CoordinatorKey, fc.CoordinatorKeys = topic+"-group", []string{topic + "-group"}
	dq := kmsg.NewPtrDescribeQuorumRequest()
	dq.Topics = []kmsg.DescribeQuorumRequestTopic{{Topic: "__cluster_metadata", Partitions: []kmsg.DescribeQuorumRequestTopicPartition{{Partition: 0}}}}
	reqs := []kmsg.Request{kmsg.NewPtrDescribeClusterRequest(), fc}
	if quorum {
		reqs = append(reqs, dq)
	}
	for _, req := range reqs {
		if _, err := cl.Request(ctx, req); err != nil {
			t.Errorf("%T: %v", req, err)
		}
	}
	// FindCoordinator v0-3 answers with one host and port, v4+ with a list.
	old := newClient(t, addr, rec, kgo.MaxVersions(func() *kversion.Versions {
		v := kversion.Stable()
		v.SetMaxKeyVersion(10, 3)
		return v
	}()))
	fc3 := kmsg.NewPtrFindCoordinatorRequest()
	fc3.CoordinatorKey = topic + "-group"
	if _, err := old.Request(ctx, fc3); err != nil {
		t.Errorf("FindCoordinator v3: %v", err)
	}
	tl.clients["kadm"] = true
	for _, a := range rec.around(g) {
		t.Errorf("kgo dialled broker %s itself", a)
	}
}

// produceAll produces records from..to-1 of topic and requires every one acknowledged.
func produceAll(ctx context.Context, t *testing.T, cl *kgo.Client, topic string, from, to int) {
	t.Helper()
	errs := make(chan error, to-from)
	for i := from; i < to; i++ {
		cl.Produce(ctx, record(topic, i), func(_ *kgo.Record, err error) { errs <- err })
	}
	for range to - from {
		if err := <-errs; err != nil {
			t.Fatalf("produce to %s: %v", topic, err)
		}
	}
}

// consumeAll polls until want distinct records of topic arrived (each checked intact),
// and returns how often each index came.
func consumeAll(ctx context.Context, t *testing.T, cl *kgo.Client, topic string, want int) map[int]int {
	t.Helper()
	seen := map[int]int{}
	for len(seen) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%s: consumed %d of %d records: %v", topic, len(seen), want, ctx.Err())
		}
		fs.EachError(func(topic string, p int32, err error) { t.Logf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			i, ok := intact(r)
			if !ok {
				t.Errorf("record %s/%d@%d not intact: key %q value %q headers %v", r.Topic, r.Partition, r.Offset, r.Key, r.Value, r.Headers)
				return
			}
			seen[i]++
		})
	}
	return seen
}

// kcatRound lists the cluster, produces n keyed records with a header, consumes them
// back as JSON and requires each once, intact; kcat's brokers must be proxies.
func kcatRound(ctx context.Context, t *testing.T, g *guard, tl *tally, addr, topic string, n int) {
	kafkadist.RequireTools(t, "kcat")
	run := func(stdin string, args ...string) string {
		var out, errOut bytes.Buffer
		cmd := exec.CommandContext(ctx, "kcat", append([]string{"-b", addr, "-X", "client.id=kcat"}, args...)...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("kcat %v: %v\n%s\n%s", args, err, out.String(), errOut.String())
		}
		return out.String()
	}
	listing := run("", "-L")
	brokers := regexp.MustCompile(`broker (\d+) at (\S+)`).FindAllStringSubmatch(listing, -1)
	if len(brokers) == 0 {
		t.Fatalf("kcat -L lists no broker:\n%s", listing)
	}
	for _, b := range brokers {
		if g.brokers[b[2]] {
			t.Errorf("kcat -L shows broker %s at its own address %s", b[1], b[2])
		}
	}
	var in strings.Builder
	for i := range n {
		fmt.Fprintf(&in, "%s-k%d:%s-v%d\n", topic, i, topic, i)
	}
	run(in.String(), "-P", "-t", topic, "-K", ":", "-H", "src=kcat", "-z", "lz4", "-X", "acks=all")
	tl.produced += n
	out := run("", "-C", "-t", topic, "-o", "beginning", "-e", "-J")
	seen := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m struct {
			Key     string   `json:"key"`
			Payload string   `json:"payload"`
			Headers []string `json:"headers"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("kcat -J line %q: %v", sc.Text(), err)
		}
		i, err := strconv.Atoi(strings.TrimPrefix(m.Key, topic+"-k"))
		if err != nil || m.Payload != fmt.Sprintf("%s-v%d", topic, i) || len(m.Headers) != 2 || m.Headers[0] != "src" || m.Headers[1] != "kcat" {
			t.Errorf("kcat record not intact: %s", sc.Text())
			continue
		}
		seen[m.Key]++
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("kcat record %s consumed %d times", k, c)
		}
	}
	if len(seen) != n {
		t.Errorf("kcat consumed %d of %d records", len(seen), n)
	}
	tl.consumed += len(seen)
	tl.clients["kcat"] = true
}
