package recordsinterop

// Interop of kio/records with other Kafka implementations, all on loopback against
// franz-go's kfake running in process:
//   - franz-go's producer writes batches with every codec; kio decodes the raw bytes a
//     Fetch returns;
//   - kio builds batches with every codec; they are produced raw and franz-go's consumer
//     reads them;
//   - librdkafka (kcat -z) writes batches with every codec it has; kio decodes them;
//   - a franz-go transaction leaves a commit marker, which kio decodes as a control record.

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

var allCodecs = []struct {
	name string
	kio  records.Compression
	kgo  kgo.CompressionCodec
}{
	{"none", records.CompressionNone, kgo.NoCompression()},
	{"gzip", records.CompressionGzip, kgo.GzipCompression()},
	{"snappy", records.CompressionSnappy, kgo.SnappyCompression()},
	{"lz4", records.CompressionLZ4, kgo.Lz4Compression()},
	{"zstd", records.CompressionZstd, kgo.ZstdCompression()},
}

// recordValue is compressible, so every producer really compresses it.
func recordValue(who string, i int) []byte {
	return []byte(strings.Repeat(fmt.Sprintf("%s value %d; ", who, i), 40))
}

func startCluster(t *testing.T, topics ...string) (*kfake.Cluster, *kgo.Client) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topics...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return c, cl
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// topicID asks the broker for a topic's id (Fetch v13+ and Produce v13+
// name topics by id).
func topicID(ctx context.Context, t *testing.T, cl *kgo.Client, topic string) [16]byte {
	t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != 0 {
		t.Fatalf("metadata for %s: %+v", topic, resp.Topics)
	}
	return resp.Topics[0].TopicID
}

// fetchRaw fetches partition 0 of topic from offset 0 and returns the raw
// records bytes of the response.
func fetchRaw(ctx context.Context, t *testing.T, cl *kgo.Client, topic string, readCommitted bool) []byte {
	t.Helper()
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 100
	req.MaxBytes = 50 << 20
	if readCommitted {
		req.IsolationLevel = 1
	}
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = topic
	rt.TopicID = topicID(ctx, t, cl, topic)
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition = 0
	rp.FetchOffset = 0
	rp.PartitionMaxBytes = 50 << 20
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ErrorCode != 0 || len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("fetch %s: error %d, %d topics", topic, resp.ErrorCode, len(resp.Topics))
	}
	p := resp.Topics[0].Partitions[0]
	if p.ErrorCode != 0 {
		t.Fatalf("fetch %s: partition error %d", topic, p.ErrorCode)
	}
	return p.RecordBatches
}

// produceRaw produces one raw batch to partition 0 of topic and returns
// the offset the broker gave it.
func produceRaw(ctx context.Context, t *testing.T, cl *kgo.Client, topic string, id [16]byte, raw []byte) int64 {
	t.Helper()
	req := kmsg.NewPtrProduceRequest()
	req.Acks = -1
	req.TimeoutMillis = 10000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic, rt.TopicID = topic, id
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Partition = 0
	rp.Records = raw
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	pr := resp.Topics[0].Partitions[0]
	if pr.ErrorCode != 0 {
		t.Fatalf("produce to %s: error %d", topic, pr.ErrorCode)
	}
	return pr.BaseOffset
}

// decodeAll decodes a fetched blob completely with kio.
func decodeAll(t *testing.T, raw []byte) []*records.Batch {
	t.Helper()
	batches, rest, err := records.ReadBatches(raw)
	if err != nil {
		t.Fatalf("kio cannot decode the fetched records: %v", err)
	}
	if len(rest) != 0 {
		t.Fatalf("fetched records end with %d bytes of a partial batch", len(rest))
	}
	return batches
}

// fetchAll fetches topic raw, decodes it completely with kio and returns
// its n records, requiring every batch to be magic 2 with the compression kio expects.
func fetchAll(ctx context.Context, t *testing.T, cl *kgo.Client, topic, label string, codec records.Compression, n int) []records.Record {
	t.Helper()
	var got []records.Record
	for _, b := range decodeAll(t, fetchRaw(ctx, t, cl, topic, false)) {
		if b.Magic != 2 || b.Compression != codec {
			t.Errorf("%s: batch magic %d codec %v", label, b.Magic, b.Compression)
		}
		got = append(got, b.Records...)
	}
	if len(got) != n {
		t.Fatalf("%s: %d records decoded, %d produced", label, len(got), n)
	}
	return got
}

func TestRecordsInteropFranzGoProducesKioDecodes(t *testing.T) {
	var topics []string
	for _, c := range allCodecs {
		topics = append(topics, "kgo-to-kio-"+c.name)
	}
	c, admin := startCluster(t, topics...)
	ctx := testContext(t)
	const n = 20
	for _, codec := range allCodecs {
		topic := "kgo-to-kio-" + codec.name
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic(topic),
			kgo.ProducerBatchCompression(codec.kgo))
		if err != nil {
			t.Fatal(err)
		}
		var sent []*kgo.Record
		for i := range n {
			r := &kgo.Record{
				Key:       []byte(fmt.Sprintf("key-%d", i)),
				Value:     recordValue("kgo "+codec.name, i),
				Timestamp: time.UnixMilli(1700000000000 + int64(i)),
				Headers:   []kgo.RecordHeader{{Key: "i", Value: []byte(fmt.Sprint(i))}, {Key: "codec", Value: []byte(codec.name)}},
			}
			if i == 3 {
				r.Key, r.Value = nil, nil // tombstone with a null key
			}
			sent = append(sent, r)
		}
		if err := cl.ProduceSync(ctx, sent...).FirstErr(); err != nil {
			t.Fatalf("%s: produce: %v", codec.name, err)
		}
		cl.Close()

		got := fetchAll(ctx, t, admin, topic, codec.name, codec.kio, n)
		for i, r := range got {
			s := sent[i]
			if r.Offset != int64(i) || !bytes.Equal(r.Key, s.Key) || (r.Key == nil) != (s.Key == nil) ||
				!bytes.Equal(r.Value, s.Value) || (r.Value == nil) != (s.Value == nil) ||
				r.Timestamp != s.Timestamp.UnixMilli() || len(r.Headers) != len(s.Headers) {
				t.Errorf("%s: record %d: offset %d key %q value %.20q ts %d headers %d; sent key %q ts %d",
					codec.name, i, r.Offset, r.Key, r.Value, r.Timestamp, len(r.Headers), s.Key, s.Timestamp.UnixMilli())
				continue
			}
			for j, h := range r.Headers {
				if h.Key != s.Headers[j].Key || !bytes.Equal(h.Value, s.Headers[j].Value) {
					t.Errorf("%s: record %d header %d: %q=%q, sent %q=%q", codec.name, i, j, h.Key, h.Value, s.Headers[j].Key, s.Headers[j].Value)
				}
			}
		}
	}
}

func TestRecordsInteropKioProducesFranzGoConsumes(t *testing.T) {
	type variant struct {
		name  string
		codec records.Compression
		opts  []records.WriteOption
	}
	var variants []variant
	for _, c := range allCodecs {
		variants = append(variants, variant{c.name, c.kio, nil})
	}
	variants = append(variants, variant{"raw-snappy", records.CompressionSnappy, []records.WriteOption{records.WithRawSnappy()}})
	var topics []string
	for _, v := range variants {
		topics = append(topics, "kio-to-kgo-"+v.name)
	}
	c, admin := startCluster(t, topics...)
	ctx := testContext(t)
	const perBatch, batches = 7, 3
	for _, v := range variants {
		topic := "kio-to-kgo-" + v.name
		id := topicID(ctx, t, admin, topic)
		var want []records.Record
		for bi := range batches {
			var recs []records.Record
			for i := range perBatch {
				n := bi*perBatch + i
				r := records.Record{
					Timestamp: 1700000000000 + int64(n)*10,
					Key:       []byte(fmt.Sprintf("kio-key-%d", n)),
					Value:     recordValue("kio "+v.name, n),
					Headers:   []records.Header{{Key: "n", Value: []byte(fmt.Sprint(n))}, {Key: "empty", Value: []byte{}}},
				}
				if n == 5 {
					r.Value = nil
				}
				recs = append(recs, r)
			}
			b := records.NewBatch(recs...)
			b.Compression = v.codec
			raw, err := records.AppendBatch(nil, b, v.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if base := produceRaw(ctx, t, admin, topic, id, raw); base != int64(bi*perBatch) {
				t.Fatalf("%s: batch %d stored at offset %d", v.name, bi, base)
			}
			for i, r := range recs {
				r.Offset = int64(bi*perBatch + i)
				want = append(want, r)
			}
		}

		cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		if err != nil {
			t.Fatal(err)
		}
		var got []*kgo.Record
		for len(got) < len(want) && ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			for _, e := range fs.Errors() {
				t.Fatalf("%s: franz-go consumer: %v", v.name, e.Err)
			}
			got = append(got, fs.Records()...)
		}
		cl.Close()
		if len(got) != len(want) {
			t.Fatalf("%s: franz-go consumed %d records, want %d", v.name, len(got), len(want))
		}
		for i, g := range got {
			w := want[i]
			if g.Offset != w.Offset || !bytes.Equal(g.Key, w.Key) || !bytes.Equal(g.Value, w.Value) || (g.Value == nil) != (w.Value == nil) ||
				g.Timestamp.UnixMilli() != w.Timestamp || len(g.Headers) != len(w.Headers) {
				t.Errorf("%s: record %d: offset %d key %q value %.20q ts %d headers %d; want offset %d key %q ts %d",
					v.name, i, g.Offset, g.Key, g.Value, g.Timestamp.UnixMilli(), len(g.Headers), w.Offset, w.Key, w.Timestamp)
				continue
			}
			for j, h := range g.Headers {
				if h.Key != w.Headers[j].Key || !bytes.Equal(h.Value, w.Headers[j].Value) {
					t.Errorf("%s: record %d header %d: %q=%q, want %q=%q", v.name, i, j, h.Key, h.Value, w.Headers[j].Key, w.Headers[j].Value)
				}
			}
		}
	}
}

func TestRecordsInteropKcatProducesKioDecodes(t *testing.T) {
	kafkadist.RequireTools(t, "kcat") // a failure under CI=true, a skip elsewhere
	codecs := allCodecs[1:]           // librdkafka's codecs: gzip, snappy, lz4, zstd
	var topics []string
	for _, c := range codecs {
		topics = append(topics, "kcat-to-kio-"+c.name)
	}
	c, admin := startCluster(t, topics...)
	ctx := testContext(t)
	widenMinVersions(ctx, t, c, admin)
	const n = 10
	for _, codec := range codecs {
		topic := "kcat-to-kio-" + codec.name
		var in strings.Builder
		for i := range n {
			fmt.Fprintf(&in, "kcat-key-%d:%s\n", i, recordValue("kcat "+codec.name, i))
		}
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		cmd := exec.CommandContext(cctx, "kcat", "-P", "-b", c.ListenAddrs()[0], "-t", topic, "-p", "0",
			"-z", codec.name, "-K", ":", "-H", "codec="+codec.name, "-H", "from=kcat")
		cmd.Stdin = strings.NewReader(in.String())
		cmd.WaitDelay = 2 * time.Second
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("kcat -z %s: %v\n%s", codec.name, err, out)
		}

		got := fetchAll(ctx, t, admin, topic, "kcat "+codec.name, codec.kio, n)
		for i, r := range got {
			wantKey, wantValue := fmt.Sprintf("kcat-key-%d", i), recordValue("kcat "+codec.name, i)
			if r.Offset != int64(i) || string(r.Key) != wantKey || !bytes.Equal(r.Value, wantValue) || len(r.Headers) != 2 ||
				r.Headers[0].Key != "codec" || string(r.Headers[0].Value) != codec.name ||
				r.Headers[1].Key != "from" || string(r.Headers[1].Value) != "kcat" {
				t.Errorf("kcat %s: record %d: offset %d key %q value %.20q headers %+v", codec.name, i, r.Offset, r.Key, r.Value, r.Headers)
			}
		}
	}
}

// widenMinVersions makes kfake advertise every API from version 0.
// librdkafka 2.0 decides which codecs a broker supports from the API version ranges it
// advertises, expecting the old minimum versions modern brokers dropped; without this
// it sends gzip, snappy and lz4 batches uncompressed ("Broker does not support
// compression type"). It uses the highest common versions all the same.
func widenMinVersions(ctx context.Context, t *testing.T, c *kfake.Cluster, cl *kgo.Client) {
	t.Helper()
	real, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, cl)
	if err != nil || real.ErrorCode != 0 {
		t.Fatalf("ApiVersions: %v %v", err, real)
	}
	c.ControlKey(int16(kmsg.ApiVersions), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		resp := req.ResponseKind().(*kmsg.ApiVersionsResponse)
		for _, k := range real.ApiKeys {
			k.MinVersion = 0
			resp.ApiKeys = append(resp.ApiKeys, k)
		}
		return resp, nil, true
	})
}

func TestRecordsInteropTransactionMarker(t *testing.T) {
	const topic = "kio-txn"
	c, admin := startCluster(t, topic)
	ctx := testContext(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic(topic),
		kgo.TransactionalID("kio-records-txn"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, commit := range []kgo.TransactionEndTry{kgo.TryCommit, kgo.TryAbort} {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(fmt.Sprint("in txn ", commit))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if err := cl.EndTransaction(ctx, commit); err != nil {
			t.Fatal(err)
		}
	}

	batches := decodeAll(t, fetchRaw(ctx, t, admin, topic, false))
	var markers []records.ControlType
	for _, b := range batches {
		if !b.Transactional || b.ProducerID < 0 {
			t.Errorf("batch at %d: transactional %v, producer id %d", b.BaseOffset, b.Transactional, b.ProducerID)
		}
		if !b.Control {
			continue
		}
		if len(b.Records) != 1 {
			t.Fatalf("control batch at %d with %d records", b.BaseOffset, len(b.Records))
		}
		ctl, err := records.ParseControl(&b.Records[0])
		if err != nil {
			t.Fatalf("control record at %d: %v", b.BaseOffset, err)
		}
		if ctl.EndTxn == nil || ctl.Key.Version != 0 {
			t.Errorf("control record at %d: %+v", b.BaseOffset, ctl)
		}
		markers = append(markers, ctl.Key.Type)
	}
	if fmt.Sprint(markers) != fmt.Sprint([]records.ControlType{records.ControlCommit, records.ControlAbort}) {
		t.Errorf("markers %v, want [COMMIT ABORT]", markers)
	}
}

func TestRecordsInteropKioProducesKcatConsumes(t *testing.T) {
	kafkadist.RequireTools(t, "kcat") // a failure under CI=true, a skip elsewhere
	type variant struct {
		name  string
		codec records.Compression
		opts  []records.WriteOption
	}
	var variants []variant
	var topics []string
	for _, c := range allCodecs {
		variants = append(variants, variant{c.name, c.kio, nil})
	}
	variants = append(variants, variant{"raw-snappy", records.CompressionSnappy, []records.WriteOption{records.WithRawSnappy()}})
	for _, v := range variants {
		topics = append(topics, "kio-to-kcat-"+v.name)
	}
	c, admin := startCluster(t, topics...)
	ctx := testContext(t)
	widenMinVersions(ctx, t, c, admin)
	for _, v := range variants {
		topic := "kio-to-kcat-" + v.name
		var want strings.Builder
		var recs []records.Record
		for i := range 5 {
			recs = append(recs, records.Record{Timestamp: 1700000000000 + int64(i),
				Key: []byte(fmt.Sprintf("k%d", i)), Value: recordValue("kio "+v.name, i)})
			fmt.Fprintf(&want, "%d k%d=%s\n", i, i, recordValue("kio "+v.name, i))
		}
		b := records.NewBatch(recs...)
		b.Compression = v.codec
		raw, err := records.AppendBatch(nil, b, v.opts...)
		if err != nil {
			t.Fatal(err)
		}
		produceRaw(ctx, t, admin, topic, topicID(ctx, t, admin, topic), raw)

		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		cmd := exec.CommandContext(cctx, "kcat", "-C", "-b", c.ListenAddrs()[0], "-t", topic, "-p", "0",
			"-o", "beginning", "-e", "-q", "-f", "%o %k=%s\n")
		cmd.WaitDelay = 2 * time.Second
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err = cmd.Run()
		cancel()
		if err != nil {
			t.Fatalf("kcat -C %s: %v\n%s", topic, err, stderr.String())
		}
		if stdout.String() != want.String() {
			t.Errorf("kcat read kio's %s batch as\n%s\nwant\n%s\nstderr:\n%s", v.name, stdout.String(), want.String(), stderr.String())
		}
	}
}
