package realclients

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The franz-go side of the real-clients test: kgo produces with every compression codec
// and consumes in a group; kadm creates, describes, lists and deletes.

// clientCodec is a compression codec as kgo names it and as a record batch's
// attributes carry it (the low three bits).
type clientCodec struct {
	name string
	kgo  kgo.CompressionCodec
	attr uint8
}

var allCodecs = []clientCodec{
	{"none", kgo.NoCompression(), 0},
	{"gzip", kgo.GzipCompression(), 1},
	{"snappy", kgo.SnappyCompression(), 2},
	{"lz4", kgo.Lz4Compression(), 3},
	{"zstd", kgo.ZstdCompression(), 4},
}

const (
	kgoGroup      = "rc-kgo-group"
	kcatGroup     = "rc-kcat-group"
	perCodec      = 6 // records kgo produces per codec
	numPartitions = 2 // partitions of each kgo topic
)

func kgoTopic(c clientCodec) string  { return "rc-kgo-" + c.name }
func kcatTopic(c clientCodec) string { return "rc-kcat-" + c.name }

// recordValue is a record value that compresses well, so that every codec actually
// compresses the batch instead of sending it as is.
func recordValue(who string, c clientCodec, i int) string {
	return strings.Repeat(fmt.Sprintf("%s-%s-%d.", who, c.name, i), 16)
}

func allTopics() []string {
	var ts []string
	for _, c := range allCodecs {
		ts = append(ts, kgoTopic(c), kcatTopic(c))
	}
	return append(ts, txnTopic)
}

// newKgo makes a kgo client that reaches the cluster through the proxy only:
// the seed is the proxy, and kfake advertises the proxy as the broker.
func newKgo(t *testing.T, addr, clientID string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgoOpts(addr, clientID, opts...)...)
	if err != nil {
		t.Fatalf("kgo.NewClient: %v", err)
	}
	return cl
}

// kgoOpts are the options of every kgo client of the test, then opts.
func kgoOpts(addr, clientID string, opts ...kgo.Opt) []kgo.Opt {
	return append([]kgo.Opt{
		kgo.SeedBrokers(addr),
		kgo.ClientID(clientID),
		kgo.RetryTimeout(10 * time.Second),
		kgo.FetchMaxWait(250 * time.Millisecond),
	}, opts...)
}

func newKadm(t *testing.T, addr string) (*kadm.Client, func()) {
	cl := newKgo(t, addr, "kadm")
	return kadm.NewClient(cl), cl.Close
}

// createAllTopics creates every topic of the test with kadm.
func createAllTopics(ctx context.Context, t *testing.T, addr string) {
	adm, done := newKadm(t, addr)
	defer done()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var kgoTopics, kcatTopics []string
	for _, c := range allCodecs {
		kgoTopics = append(kgoTopics, kgoTopic(c))
		kcatTopics = append(kcatTopics, kcatTopic(c))
	}
	for _, batch := range []struct {
		partitions int32
		topics     []string
	}{{numPartitions, kgoTopics}, {1, append(kcatTopics, txnTopic)}} {
		resps, err := adm.CreateTopics(ctx, batch.partitions, 1, nil, batch.topics...)
		noTopicErr(t, fmt.Sprint("CreateTopics ", batch.topics), resps, err)
	}

	// The broker kfake advertises must be the proxy, or clients would bypass it.
	meta, err := adm.BrokerMetadata(ctx)
	if err != nil {
		t.Fatalf("BrokerMetadata: %v", err)
	}
	if len(meta.Brokers) != 1 {
		t.Fatalf("brokers %v, want one", meta.Brokers)
	}
	b := meta.Brokers[0]
	if got := net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))); got != addr {
		t.Fatalf("broker advertised at %s, want the proxy %s", got, addr)
	}
}

// kgoRound produces with each codec, then consumes everything in a group,
// checking values and codecs, commits, and describes the group while it is live.
func kgoRound(ctx context.Context, t *testing.T, addr string) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()

	want := map[string]clientCodec{} // value → codec it was produced with
	for _, c := range allCodecs {
		cl := newKgo(t, addr, "kgo",
			kgo.ProducerBatchCompression(c.kgo), kgo.DefaultProduceTopic(kgoTopic(c)))
		var recs []*kgo.Record
		for i := range perCodec {
			v := recordValue("kgo", c, i)
			want[v] = c
			recs = append(recs, &kgo.Record{Key: []byte(strconv.Itoa(i)), Value: []byte(v)})
		}
		err := cl.ProduceSync(ctx, recs...).FirstErr()
		cl.Close()
		if err != nil {
			t.Fatalf("produce %s: %v", c.name, err)
		}
	}

	var topics []string
	for _, c := range allCodecs {
		topics = append(topics, kgoTopic(c))
	}
	cl := newKgo(t, addr, "kgo",
		kgo.ConsumerGroup(kgoGroup),
		kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
	)
	defer cl.Close() // leaves the group
	got := poll(ctx, t, cl, len(want))
	for _, r := range got {
		c, ok := want[string(r.Value)]
		switch {
		case !ok:
			t.Errorf("consumed an unexpected record %q from %s", r.Value, r.Topic)
		case r.Attrs.CompressionType() != c.attr:
			t.Errorf("record of %s arrived with codec %d, want %d (%s)",
				r.Topic, r.Attrs.CompressionType(), c.attr, c.name)
		}
		delete(want, string(r.Value))
	}
	for v := range want {
		t.Errorf("record %q never consumed", v)
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		t.Errorf("commit: %v", err)
	}

	adm, done := newKadm(t, addr)
	defer done()
	groups, err := adm.DescribeGroups(ctx, kgoGroup)
	if err != nil {
		t.Fatalf("DescribeGroups: %v", err)
	}
	g := groups[kgoGroup]
	if g.Err != nil || g.State != "Stable" || len(g.Members) != 1 {
		t.Errorf("group %s: state %q, %d members, err %v; want Stable with one member",
			kgoGroup, g.State, len(g.Members), g.Err)
	}
}

// poll polls cl (a *kgo.Client or a *kgo.GroupTransactSession) until n records arrived
// or ctx ends; it fails t where fewer arrived.
func poll(ctx context.Context, t *testing.T, cl interface {
	PollFetches(context.Context) kgo.Fetches
}, n int) []*kgo.Record {
	t.Helper()
	var got []*kgo.Record
	for len(got) < n && ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachError(func(topic string, p int32, err error) {
			if ctx.Err() == nil {
				t.Errorf("fetch %s/%d: %v", topic, p, err)
			}
		})
		got = append(got, fs.Records()...)
	}
	if len(got) < n {
		t.Errorf("consumed %d records, want %d: %v", len(got), n, ctx.Err())
	}
	return got
}

// kadmRound describes, lists and finally deletes everything with kadm.
func kadmRound(ctx context.Context, t *testing.T, addr string) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	adm, done := newKadm(t, addr)
	defer done()

	// The kcat group exists only where kcat ran.
	groupNames := []string{kgoGroup}
	if haveKcat() {
		groupNames = append(groupNames, kcatGroup)
	}
	groups, err := adm.DescribeGroups(ctx, groupNames...)
	if err != nil {
		t.Fatalf("DescribeGroups: %v", err)
	}
	for _, name := range groupNames {
		// Both consumers have left: their groups are empty but remember their offsets.
		if g := groups[name]; g.Err != nil || g.State != "Empty" {
			t.Errorf("group %s: state %q, err %v; want Empty", name, g.State, g.Err)
		}
	}
	listed, err := adm.ListGroups(ctx)
	if err != nil {
		t.Fatalf("ListGroups: %v", err)
	}
	for _, name := range groupNames {
		if _, ok := listed[name]; !ok {
			t.Errorf("ListGroups lacks %s: %v", name, listed.Groups())
		}
	}

	kgoCommitted, err := adm.FetchOffsets(ctx, kgoGroup)
	if err != nil {
		t.Fatalf("FetchOffsets: %v", err)
	}
	if got, want := sumOffsets(kgoCommitted), int64(len(allCodecs)*perCodec); got != want {
		t.Errorf("group %s committed %d records in all, want %d", kgoGroup, got, want)
	}

	if haveKcat() {
		kcatCommitted, err := adm.FetchOffsets(ctx, kcatGroup)
		if err != nil {
			t.Fatalf("FetchOffsets: %v", err)
		}
		if got, want := sumOffsets(kcatCommitted), int64(len(allCodecs)*kcatPerCodec); got != want {
			t.Errorf("group %s committed %d records in all, want %d", kcatGroup, got, want)
		}
	}

	var kgoTopics []string
	for _, c := range allCodecs {
		kgoTopics = append(kgoTopics, kgoTopic(c))
	}
	configs, err := adm.DescribeTopicConfigs(ctx, kgoTopics...)
	if err != nil {
		t.Fatalf("DescribeTopicConfigs: %v", err)
	}
	if len(configs) != len(kgoTopics) {
		t.Errorf("DescribeTopicConfigs returned %d resources, want %d", len(configs), len(kgoTopics))
	}
	for _, rc := range configs {
		if rc.Err != nil || len(rc.Configs) == 0 {
			t.Errorf("topic %s configs: %d entries, err %v", rc.Name, len(rc.Configs), rc.Err)
		}
	}
	if _, err := adm.DescribeBrokerConfigs(ctx, 0); err != nil {
		t.Errorf("DescribeBrokerConfigs: %v", err)
	}

	starts, err := adm.ListStartOffsets(ctx, kgoTopics...)
	if err != nil {
		t.Fatalf("ListStartOffsets: %v", err)
	}
	ends, err := adm.ListEndOffsets(ctx, kgoTopics...)
	if err != nil {
		t.Fatalf("ListEndOffsets: %v", err)
	}
	for _, topic := range kgoTopics {
		var n int64
		ends.Each(func(o kadm.ListedOffset) {
			if o.Topic == topic {
				n += o.Offset
			}
		})
		starts.Each(func(o kadm.ListedOffset) {
			if o.Topic == topic {
				n -= o.Offset
			}
		})
		if n != perCodec {
			t.Errorf("topic %s holds %d records by its listed offsets, want %d", topic, n, perCodec)
		}
	}

	kadmSweep(ctx, t, adm)

	deleted, err := adm.DeleteTopics(ctx, allTopics()...)
	noTopicErr(t, fmt.Sprint("DeleteTopics ", allTopics()), deleted, err)
	left, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatalf("ListTopics: %v", err)
	}
	for _, topic := range allTopics() {
		if left.Has(topic) {
			t.Errorf("topic %s survived DeleteTopics", topic)
		}
	}
}

// noTopicErr fails t where a kadm call on topics (CreateTopics, DeleteTopics) failed
// or answered a topic with an error (the first, by kadm's Error).
func noTopicErr(t *testing.T, call string, resps interface{ Error() error }, err error) {
	t.Helper()
	if err == nil {
		err = resps.Error()
	}
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
}

// sumOffsets adds up the committed offsets of a group.
func sumOffsets(os kadm.OffsetResponses) int64 {
	var n int64
	os.Each(func(o kadm.OffsetResponse) {
		if o.Err == nil && o.At > 0 {
			n += o.At
		}
	})
	return n
}
