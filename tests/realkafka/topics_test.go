package realkafka

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema/alterconfigs"
	"github.com/kio-go/kafka-protocol/kio/schema/alterpartitionreassignments"
	"github.com/kio-go/kafka-protocol/kio/schema/alterreplicalogdirs"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/createpartitions"
	"github.com/kio-go/kafka-protocol/kio/schema/createtopics"
	"github.com/kio-go/kafka-protocol/kio/schema/deleterecords"
	"github.com/kio-go/kafka-protocol/kio/schema/deletetopics"
	"github.com/kio-go/kafka-protocol/kio/schema/describeconfigs"
	"github.com/kio-go/kafka-protocol/kio/schema/describelogdirs"
	"github.com/kio-go/kafka-protocol/kio/schema/describetopicpartitions"
	"github.com/kio-go/kafka-protocol/kio/schema/electleaders"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/incrementalalterconfigs"
	"github.com/kio-go/kafka-protocol/kio/schema/listoffsets"
	"github.com/kio-go/kafka-protocol/kio/schema/listpartitionreassignments"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/offsetforleaderepoch"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

const (
	resourceTopic  = 2
	resourceBroker = 4
)

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

// on returns the suite's connection to a listener.
func (s *suite) on(listener string) *testkit.Conn {
	if listener == onController {
		return s.ctrl
	}
	return s.broker
}

// createTopic makes a topic (partitions, one replica) on the broker listener at the
// newest version and returns its id.
func (s *suite) createTopic(t testing.TB, name string, partitions int32, configs ...createtopics.CreatableTopicConfig) kio.UUID {
	t.Helper()
	req := serial.Default[createtopics.CreateTopicsRequest]()
	req.TimeoutMs = 30000
	req.Topics = []createtopics.CreatableTopic{{Name: common.TopicName(name), NumPartitions: partitions, ReplicationFactor: 1, Configs: configs}}
	v := s.newest(t, onBroker, 19)
	resp := testkit.Call[createtopics.CreateTopicsResponse](t, s.broker, v, &req)
	if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != common.None {
		t.Fatalf("create %s: %+v", name, resp.Topics)
	}
	id := s.topicID(t, name) // also waits until the partitions have a leader
	if v >= 7 && resp.Topics[0].TopicId != id {
		t.Fatalf("created %s with id %v, metadata says %v", name, resp.Topics[0].TopicId, id)
	}
	s.topicIDs[name] = id
	return id
}

// topicID reads a topic's id from Metadata, waiting for the broker to learn of a topic
// the controller just created.
func (s *suite) topicID(t testing.TB, name string) kio.UUID {
	t.Helper()
	for i := 0; ; i++ {
		md := s.metadata(t, 12, name)
		if len(md.Topics) != 1 {
			t.Fatalf("metadata %s: %+v", name, md.Topics)
		}
		if tp := md.Topics[0]; tp.ErrorCode == common.None && len(tp.Partitions) > 0 && tp.Partitions[0].LeaderId >= 0 {
			return tp.TopicId
		} else if i == 100 {
			t.Fatalf("metadata %s: %v", name, tp.ErrorCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *suite) metadata(t testing.TB, v int16, names ...string) *metadata.MetadataResponse {
	t.Helper()
	req := serial.Default[metadata.MetadataRequest]()
	req.Topics = []metadata.MetadataRequestTopic{}
	for _, n := range names {
		req.Topics = append(req.Topics, metadata.MetadataRequestTopic{Name: testkit.Ptr(common.TopicName(n))})
	}
	if v >= 4 {
		req.AllowAutoTopicCreation = false
	}
	return testkit.Call[metadata.MetadataResponse](t, s.broker, v, &req)
}

func (s *suite) testCreateTopics(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		name := fmt.Sprintf("kio-create-%s-v%d", listener, v)
		req := serial.Default[createtopics.CreateTopicsRequest]()
		req.TimeoutMs = 30000
		req.Topics = []createtopics.CreatableTopic{{Name: common.TopicName(name), NumPartitions: 2, ReplicationFactor: 1,
			Configs: []createtopics.CreatableTopicConfig{{Name: "retention.ms", Value: testkit.Ptr(fmt.Sprint(3_600_000 + int(v)))}}}}
		c := s.on(listener)
		resp := testkit.Call[createtopics.CreateTopicsResponse](t, c, v, &req)
		if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != common.None || string(resp.Topics[0].Name) != name {
			t.Fatalf("create %s: %+v", name, resp.Topics)
		}
		r := resp.Topics[0]
		if v >= 5 {
			if r.NumPartitions != 2 || r.ReplicationFactor != 1 {
				t.Errorf("created %d x%d, want 2 x1", r.NumPartitions, r.ReplicationFactor)
			}
			found := false
			for _, c := range r.Configs {
				if c.Name == "retention.ms" {
					found = str(c.Value) == fmt.Sprint(3_600_000+int(v))
				}
			}
			if !found {
				t.Errorf("retention.ms not echoed: %+v", r.Configs)
			}
		}
		if v >= 7 && r.TopicId.IsZero() {
			t.Errorf("zero topic id")
		}
		again := testkit.Call[createtopics.CreateTopicsResponse](t, c, v, &req)
		if again.Topics[0].ErrorCode != common.TopicAlreadyExists {
			t.Errorf("create again: %v, want TOPIC_ALREADY_EXISTS", again.Topics[0].ErrorCode)
		}
		if v >= 1 {
			dry := req
			dry.ValidateOnly = true
			dry.Topics = []createtopics.CreatableTopic{{Name: common.TopicName(name + "-dry"), NumPartitions: 1, ReplicationFactor: 1}}
			d := testkit.Call[createtopics.CreateTopicsResponse](t, c, v, &dry)
			if d.Topics[0].ErrorCode != common.None {
				t.Errorf("validateOnly: %v", d.Topics[0].ErrorCode)
			}
			if md := s.metadata(t, 12, name+"-dry"); md.Topics[0].ErrorCode != common.UnknownTopicOrPartition {
				t.Errorf("validate-only topic exists: %v", md.Topics[0].ErrorCode)
			}
		}
		s.topicIDs[name] = s.topicID(t, name)
		if v >= 7 && s.topicIDs[name] != r.TopicId {
			t.Errorf("metadata id %v, created %v", s.topicIDs[name], r.TopicId)
		}
	}
}

func (s *suite) testMetadata(t *testing.T, v int16) {
	resp := s.metadata(t, v, s.dataTopic, "kio-missing")
	if len(resp.Brokers) != 1 || resp.Brokers[0].NodeId != NodeID {
		t.Fatalf("brokers %+v", resp.Brokers)
	}
	if addr := fmt.Sprintf("%s:%d", resp.Brokers[0].Host, resp.Brokers[0].Port); addr != s.b.Plaintext {
		t.Errorf("broker at %s, listener %s", addr, s.b.Plaintext)
	}
	if v >= 2 && str(resp.ClusterId) != s.b.ClusterID {
		t.Errorf("cluster id %s, want %s", str(resp.ClusterId), s.b.ClusterID)
	}
	if v >= 1 && resp.ControllerId != NodeID {
		t.Errorf("controller %d", resp.ControllerId)
	}
	if len(resp.Topics) != 2 {
		t.Fatalf("%d topics", len(resp.Topics))
	}
	data, missing := resp.Topics[0], resp.Topics[1]
	if string(*data.Name) != s.dataTopic || data.ErrorCode != common.None || len(data.Partitions) != 1 {
		t.Errorf("data topic %+v", data)
	} else if p := data.Partitions[0]; p.LeaderId != NodeID || !slices.Equal(p.ReplicaNodes, []common.BrokerId{NodeID}) || !slices.Equal(p.IsrNodes, []common.BrokerId{NodeID}) {
		t.Errorf("partition %+v", p)
	} else if v >= 7 {
		s.epoch = p.LeaderEpoch
	}
	if v >= 10 && data.TopicId != s.dataID {
		t.Errorf("topic id %v, want %v", data.TopicId, s.dataID)
	}
	if missing.ErrorCode != common.UnknownTopicOrPartition {
		t.Errorf("missing topic: %v", missing.ErrorCode)
	}
}

// testProduce writes one batch per version and checks the offsets it gets: magic 0 or
// 1 message sets before v3, record batches (a different codec each time) from v3.
func (s *suite) testProduce(t *testing.T, v int16) {
	if s.b.Is4() && v < 3 {
		s.expectRefused(t, v, "Kafka 4 advertises Produce from v0 for librdkafka's sake (KAFKA-18659) but closes the connection on v0-v2 (KIP-896)")
		return
	}
	now := time.Now().UnixMilli()
	recs := []records.Record{
		{Timestamp: now, Key: []byte(fmt.Sprintf("k%d", v)), Value: bytes.Repeat([]byte{byte('a' + v)}, 100)},
		{Timestamp: now + 1, Key: nil, Value: []byte(fmt.Sprintf("produce v%d", v))},
	}
	batch := records.NewBatch(recs...)
	codecs := []records.Compression{records.CompressionNone, records.CompressionGzip, records.CompressionSnappy, records.CompressionLZ4, records.CompressionZstd}
	var raw []byte
	var err error
	if v < 3 {
		batch.Compression = codecs[int(v)%4] // zstd needs v7+
		raw, err = records.AppendMessageSet(nil, batch, 1)
	} else {
		if v >= 3 {
			recs[1].Headers = []records.Header{{Key: "h", Value: []byte("v")}}
			batch = records.NewBatch(recs...)
		}
		batch.Compression = codecs[int(v)%4]
		if v >= 7 {
			batch.Compression = codecs[int(v)%5]
		}
		raw, err = records.AppendBatch(nil, batch)
	}
	if err != nil {
		t.Fatal(err)
	}
	req := serial.Default[produce.ProduceRequest]()
	req.Acks, req.TimeoutMs = -1, 30000
	req.TopicData = []produce.TopicProduceData{{Name: common.TopicName(s.dataTopic), TopicId: s.dataID, PartitionData: []produce.PartitionProduceData{{Index: 0, Records: raw}}}}
	resp := testkit.Call[produce.ProduceResponse](t, s.broker, v, &req)
	if len(resp.Responses) != 1 || len(resp.Responses[0].PartitionResponses) != 1 {
		t.Fatalf("responses %+v", resp.Responses)
	}
	p := resp.Responses[0].PartitionResponses[0]
	if p.ErrorCode != common.None {
		t.Fatalf("produce: %v %s", p.ErrorCode, str(p.ErrorMessage))
	}
	if p.BaseOffset != int64(len(s.produced)) {
		t.Errorf("base offset %d, want %d", p.BaseOffset, len(s.produced))
	}
	if v >= 5 && p.LogStartOffset != 0 {
		t.Errorf("log start offset %d", p.LogStartOffset)
	}
	if batch.Compression == records.CompressionZstd && s.firstZstd < 0 {
		s.firstZstd = len(s.produced)
	}
	for i, r := range recs {
		r.Offset = p.BaseOffset + int64(i)
		s.produced = append(s.produced, r)
	}
}

// eventually retries check for up to 5 s: the broker's metadata cache follows the
// controller's log a moment later.
func eventually(t testing.TB, check func() error) {
	t.Helper()
	var err error
	for range 100 {
		if err = check(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Error(err)
}

// expectRefused sends an empty Produce at v and requires the broker to close the
// connection, then dials the broker listener again.
func (s *suite) expectRefused(t *testing.T, v int16, why string) {
	req := serial.Default[produce.ProduceRequest]()
	req.Acks, req.TimeoutMs = -1, 1000
	api := expectClosed(t, s.broker, v, &req)
	s.broker.Close()
	s.broker = dial(s.root, onBroker, s.b.Plaintext, s.cov)
	s.skipped[api.Key] = why
}

// fetchAll fetches the data topic from offset 0 at version v and returns its records.
func (s *suite) fetchAll(t testing.TB, v int16, maxBytes int32) (*fetch.PartitionData, []records.Record) {
	t.Helper()
	// A consumer's loop: old versions get down-converted batches, a few at a time.
	var all []records.Record
	var p *fetch.PartitionData
	for offset := int64(0); len(all) < 1000; {
		var got []records.Record
		p, got = s.fetchFrom(t, v, offset, maxBytes)
		all = append(all, got...)
		if len(got) == 0 || got[len(got)-1].Offset+1 >= p.HighWatermark {
			break
		}
		offset = got[len(got)-1].Offset + 1
	}
	return p, all
}

// fetchFrom fetches the data topic from offset at version v.
func (s *suite) fetchFrom(t testing.TB, v int16, offset int64, maxBytes int32) (*fetch.PartitionData, []records.Record) {
	t.Helper()
	req := serial.Default[fetch.FetchRequest]()
	req.ReplicaId = -1
	req.MaxWaitMs, req.MinBytes, req.MaxBytes = 100, 1, maxBytes
	req.Topics = []fetch.FetchTopic{{Topic: common.TopicName(s.dataTopic), TopicId: s.dataID,
		Partitions: []fetch.FetchPartition{{Partition: 0, FetchOffset: offset, PartitionMaxBytes: maxBytes, CurrentLeaderEpoch: -1, LastFetchedEpoch: -1}}}}
	if v >= 15 {
		req.ReplicaState.ReplicaId = -1
	}
	resp := testkit.Call[fetch.FetchResponse](t, s.broker, v, &req)
	if resp.ErrorCode != common.None || len(resp.Responses) != 1 || len(resp.Responses[0].Partitions) != 1 {
		t.Fatalf("fetch: %v %+v", resp.ErrorCode, resp.Responses)
	}
	if v >= 13 && resp.Responses[0].TopicId != s.dataID || v < 13 && string(resp.Responses[0].Topic) != s.dataTopic {
		t.Errorf("fetched topic %q %v", resp.Responses[0].Topic, resp.Responses[0].TopicId)
	}
	p := &resp.Responses[0].Partitions[0]
	if v < 4 && p.ErrorCode == common.UnsupportedCompressionType {
		return p, nil // zstd batches cannot be down-converted for v0-v3
	}
	if p.ErrorCode != common.None {
		t.Fatalf("fetch partition: %v", p.ErrorCode)
	}
	var got []records.Record
	sc := records.NewScanner(p.Records)
	for sc.Next() {
		got = append(got, sc.Batch().Records...)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("records: %v", err)
	}
	return p, got
}

// testFetch reads back every record produced so far, unchanged.
func (s *suite) testFetch(t *testing.T, v int16) {
	p, got := s.fetchAll(t, v, 8<<20)
	want := s.produced
	if v < 4 && s.firstZstd >= 0 {
		want = want[:s.firstZstd] // then UNSUPPORTED_COMPRESSION_TYPE
		if p.ErrorCode != common.UnsupportedCompressionType {
			t.Errorf("v%d fetch over zstd batches: %v, want UNSUPPORTED_COMPRESSION_TYPE", v, p.ErrorCode)
		}
	} else if p.HighWatermark != int64(len(s.produced)) {
		t.Errorf("high watermark %d, want %d", p.HighWatermark, len(s.produced))
	}
	if len(got) != len(want) {
		t.Fatalf("fetched %d records, want %d", len(got), len(want))
	}
	// Before v4 the broker down-converts to magic 0 and 1 messages: no headers, and no
	// timestamps before v2.
	for i, r := range got {
		w := s.produced[i]
		if r.Offset != w.Offset || !bytes.Equal(r.Key, w.Key) || !bytes.Equal(r.Value, w.Value) || (r.Key == nil) != (w.Key == nil) {
			t.Errorf("record %d: %d %q %q, want %d %q %q", i, r.Offset, r.Key, r.Value, w.Offset, w.Key, w.Value)
		}
		if v >= 4 && len(r.Headers) != len(w.Headers) || v >= 4 && len(w.Headers) == 1 && (r.Headers[0].Key != w.Headers[0].Key || !bytes.Equal(r.Headers[0].Value, w.Headers[0].Value)) {
			t.Errorf("record %d headers %+v, want %+v", i, r.Headers, w.Headers)
		}
		if r.Timestamp != w.Timestamp && v >= 2 {
			t.Errorf("record %d timestamp %d, want %d", i, r.Timestamp, w.Timestamp)
		}
	}
}

// testListOffsets asks for every timestamp kind: earliest (-2), latest (-1), max
// timestamp (-3, v7+), earliest local (-4, v8+), latest tiered (-5, v9+), and a real
// timestamp.
func (s *suite) testListOffsets(t *testing.T, v int16) {
	n := int64(len(s.produced))
	type ask struct {
		ts   int64
		want int64
	}
	asks := []ask{{-2, 0}, {-1, n}}
	if v >= 1 {
		asks = append(asks, ask{s.produced[len(s.produced)-1].Timestamp, -2}) // some offset whose record has that timestamp
	}
	if v >= 7 {
		asks = append(asks, ask{-3, -2})
	}
	if v >= 8 {
		asks = append(asks, ask{-4, 0})
	}
	if v >= 9 {
		asks = append(asks, ask{-5, -1}) // no tiered storage: -1
	}
	for _, a := range asks {
		req := serial.Default[listoffsets.ListOffsetsRequest]()
		req.ReplicaId = -1
		req.Topics = []listoffsets.ListOffsetsTopic{{Name: common.TopicName(s.dataTopic),
			Partitions: []listoffsets.ListOffsetsPartition{{PartitionIndex: 0, Timestamp: a.ts, CurrentLeaderEpoch: -1, MaxNumOffsets: 1}}}}
		resp := testkit.Call[listoffsets.ListOffsetsResponse](t, s.broker, v, &req)
		if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
			t.Fatalf("timestamp %d: %+v", a.ts, resp.Topics)
		}
		p := resp.Topics[0].Partitions[0]
		if p.ErrorCode != common.None {
			t.Errorf("timestamp %d: %v", a.ts, p.ErrorCode)
			continue
		}
		got := p.Offset
		if v == 0 {
			if len(p.OldStyleOffsets) != 1 {
				t.Errorf("v0 offsets %v", p.OldStyleOffsets)
				continue
			}
			got = p.OldStyleOffsets[0]
		}
		switch {
		case a.want == -2: // a record with this timestamp
			if got < 0 || got >= n || s.produced[got].Timestamp > a.ts && a.ts >= 0 {
				t.Errorf("timestamp %d: offset %d (of %d)", a.ts, got, n)
			}
			if a.ts == -3 && s.produced[got].Timestamp != maxTimestamp(s.produced) {
				t.Errorf("max timestamp at offset %d has %d", got, s.produced[got].Timestamp)
			}
		case got != a.want:
			t.Errorf("timestamp %d: offset %d, want %d", a.ts, got, a.want)
		}
		if v >= 4 && a.ts == -1 && p.LeaderEpoch != s.epoch {
			t.Errorf("leader epoch %d, want %d", p.LeaderEpoch, s.epoch)
		}
	}
}

func maxTimestamp(rs []records.Record) int64 {
	var m int64 = -1
	for _, r := range rs {
		m = max(m, r.Timestamp)
	}
	return m
}

func (s *suite) testOffsetForLeaderEpoch(t *testing.T, v int16) {
	req := serial.Default[offsetforleaderepoch.OffsetForLeaderEpochRequest]()
	req.ReplicaId = -1
	req.Topics = []offsetforleaderepoch.OffsetForLeaderTopic{{Topic: common.TopicName(s.dataTopic),
		Partitions: []offsetforleaderepoch.OffsetForLeaderPartition{{Partition: 0, CurrentLeaderEpoch: -1, LeaderEpoch: s.epoch}}}}
	resp := testkit.Call[offsetforleaderepoch.OffsetForLeaderEpochResponse](t, s.broker, v, &req)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("%+v", resp.Topics)
	}
	p := resp.Topics[0].Partitions[0]
	if p.ErrorCode != common.None || p.EndOffset != int64(len(s.produced)) {
		t.Errorf("epoch %d: %v end offset %d, want %d", s.epoch, p.ErrorCode, p.EndOffset, len(s.produced))
	}
	if v >= 1 && p.LeaderEpoch != s.epoch {
		t.Errorf("leader epoch %d, want %d", p.LeaderEpoch, s.epoch)
	}
}

func (s *suite) testDescribeTopicPartitions(t *testing.T, v int16) {
	name := "kio-partitions"
	if _, ok := s.topicIDs[name]; !ok {
		s.createTopic(t, name, 3)
	}
	req := serial.Default[describetopicpartitions.DescribeTopicPartitionsRequest]()
	req.Topics = []describetopicpartitions.TopicRequest{{Name: common.TopicName(name)}}
	req.ResponsePartitionLimit = 2
	resp := testkit.Call[describetopicpartitions.DescribeTopicPartitionsResponse](t, s.broker, v, &req)
	if len(resp.Topics) != 1 || string(*resp.Topics[0].Name) != name || len(resp.Topics[0].Partitions) != 2 {
		t.Fatalf("first page %+v", resp.Topics)
	}
	if resp.NextCursor == nil || string(resp.NextCursor.TopicName) != name || resp.NextCursor.PartitionIndex != 2 {
		t.Fatalf("cursor %+v", resp.NextCursor)
	}
	if resp.Topics[0].TopicId != s.topicIDs[name] {
		t.Errorf("topic id %v", resp.Topics[0].TopicId)
	}
	req.Cursor = resp.NextCursor
	next := testkit.Call[describetopicpartitions.DescribeTopicPartitionsResponse](t, s.broker, v, &req)
	var got []int32
	for _, tp := range next.Topics {
		for _, p := range tp.Partitions {
			if string(*tp.Name) == name {
				got = append(got, p.PartitionIndex)
			}
			if p.LeaderId != NodeID || p.ErrorCode != common.None {
				t.Errorf("%s/%d: %+v", *tp.Name, p.PartitionIndex, p)
			}
		}
	}
	if !slices.Equal(got, []int32{2}) {
		t.Errorf("second page partitions of %s: %v", name, got)
	}
}

func (s *suite) describeConfig(t testing.TB, c *testkit.Conn, v int16, typ int8, name string, keys ...string) map[string]describeconfigs.DescribeConfigsResourceResult {
	t.Helper()
	req := serial.Default[describeconfigs.DescribeConfigsRequest]()
	req.Resources = []describeconfigs.DescribeConfigsResource{{ResourceType: typ, ResourceName: name, ConfigurationKeys: keys}}
	if v >= 1 {
		req.IncludeSynonyms = true
	}
	if v >= 3 {
		req.IncludeDocumentation = true
	}
	resp := testkit.Call[describeconfigs.DescribeConfigsResponse](t, c, v, &req)
	if len(resp.Results) != 1 || resp.Results[0].ErrorCode != common.None {
		t.Fatalf("describe configs %s: %+v", name, resp.Results)
	}
	m := map[string]describeconfigs.DescribeConfigsResourceResult{}
	for _, c := range resp.Results[0].Configs {
		m[c.Name] = c
	}
	return m
}

func (s *suite) testDescribeConfigs(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		c := s.on(listener)
		cfg := s.describeConfig(t, c, v, resourceTopic, s.dataTopic, "retention.ms", "cleanup.policy")
		r, ok := cfg["retention.ms"]
		if !ok || str(r.Value) != "86400000" {
			t.Fatalf("retention.ms %+v", cfg)
		}
		if v >= 1 && r.ConfigSource != 1 {
			t.Errorf("retention.ms source %d, want 1 (topic)", r.ConfigSource)
		}
		if v >= 3 && (r.Documentation == nil || *r.Documentation == "" || r.ConfigType != 5) {
			t.Errorf("retention.ms type %d doc %v", r.ConfigType, r.Documentation)
		}
		if p := cfg["cleanup.policy"]; str(p.Value) != "delete" {
			t.Errorf("cleanup.policy %+v", p)
		}
		bc := s.describeConfig(t, c, v, resourceBroker, fmt.Sprint(NodeID), "message.max.bytes")
		if str(bc["message.max.bytes"].Value) != fmt.Sprint(8<<20) {
			t.Errorf("broker message.max.bytes %+v", bc)
		}
	}
}

// configsTopic is the topic the config-altering steps change, created on first use.
func (s *suite) configsTopic(t testing.TB) string {
	const name = "kio-configs"
	if _, ok := s.topicIDs[name]; !ok {
		s.createTopic(t, name, 1)
	}
	return name
}

func (s *suite) testAlterConfigs(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		c, name := s.on(listener), s.configsTopic(t)
		value := fmt.Sprint(1000 + int(v) + len(listener))
		req := serial.Default[alterconfigs.AlterConfigsRequest]()
		req.Resources = []alterconfigs.AlterConfigsResource{{ResourceType: resourceTopic, ResourceName: name,
			Configs: []alterconfigs.AlterableConfig{{Name: "segment.ms", Value: testkit.Ptr(value)}}}}
		resp := testkit.Call[alterconfigs.AlterConfigsResponse](t, c, v, &req)
		if len(resp.Responses) != 1 || resp.Responses[0].ErrorCode != common.None || resp.Responses[0].ResourceName != name {
			t.Fatalf("%+v", resp.Responses)
		}
		eventually(t, func() error {
			if got := s.describeConfig(t, s.broker, 4, resourceTopic, name, "segment.ms")["segment.ms"]; str(got.Value) != value {
				return fmt.Errorf("segment.ms %s, want %s", str(got.Value), value)
			}
			return nil
		})
	}
}

func (s *suite) testIncrementalAlterConfigs(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		c, name := s.on(listener), s.configsTopic(t)
		value := fmt.Sprint(2000 + int(v) + len(listener))
		req := serial.Default[incrementalalterconfigs.IncrementalAlterConfigsRequest]()
		req.Resources = []incrementalalterconfigs.AlterConfigsResource{{ResourceType: resourceTopic, ResourceName: name,
			Configs: []incrementalalterconfigs.AlterableConfig{
				{Name: "retention.bytes", ConfigOperation: 0, Value: testkit.Ptr(value)}, // SET
				{Name: "segment.ms", ConfigOperation: 1},                                 // DELETE
			}}}
		resp := testkit.Call[incrementalalterconfigs.IncrementalAlterConfigsResponse](t, c, v, &req)
		if len(resp.Responses) != 1 || resp.Responses[0].ErrorCode != common.None {
			t.Fatalf("%+v", resp.Responses)
		}
		eventually(t, func() error {
			got := s.describeConfig(t, s.broker, 4, resourceTopic, name, "retention.bytes", "segment.ms")
			if str(got["retention.bytes"].Value) != value || got["segment.ms"].ConfigSource == 1 {
				return fmt.Errorf("after alter: %+v", got)
			}
			return nil
		})
	}
}

func (s *suite) testCreatePartitions(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		name := fmt.Sprintf("kio-grow-%s-v%d", listener, v)
		s.createTopic(t, name, 1)
		req := serial.Default[createpartitions.CreatePartitionsRequest]()
		req.TimeoutMs = 30000
		req.Topics = []createpartitions.CreatePartitionsTopic{{Name: common.TopicName(name), Count: 3, Assignments: nil}}
		resp := testkit.Call[createpartitions.CreatePartitionsResponse](t, s.on(listener), v, &req)
		if len(resp.Results) != 1 || resp.Results[0].ErrorCode != common.None {
			t.Fatalf("%+v", resp.Results)
		}
		eventually(t, func() error {
			if md := s.metadata(t, 12, name); len(md.Topics[0].Partitions) != 3 {
				return fmt.Errorf("%d partitions, want 3", len(md.Topics[0].Partitions))
			}
			return nil
		})
		shrink := testkit.Call[createpartitions.CreatePartitionsResponse](t, s.on(listener), v, &req) // same count again
		if shrink.Results[0].ErrorCode != common.InvalidPartitions {
			t.Errorf("same count: %v, want INVALID_PARTITIONS", shrink.Results[0].ErrorCode)
		}
	}
}

func (s *suite) testDeleteRecords(t *testing.T, v int16) {
	name := fmt.Sprintf("kio-delete-records-v%d", v)
	s.createTopic(t, name, 1)
	raw, _ := records.AppendBatch(nil, records.NewBatch(records.Record{Value: []byte("a")}, records.Record{Value: []byte("b")}, records.Record{Value: []byte("c")}))
	preq := serial.Default[produce.ProduceRequest]()
	preq.Acks, preq.TimeoutMs = -1, 30000
	preq.TopicData = []produce.TopicProduceData{{Name: common.TopicName(name), TopicId: s.topicID(t, name), PartitionData: []produce.PartitionProduceData{{Records: raw}}}}
	eventually(t, func() error { // a new partition's leader may not serve for a moment
		if p := testkit.Call[produce.ProduceResponse](t, s.broker, s.newest(t, onBroker, 0), &preq); p.Responses[0].PartitionResponses[0].ErrorCode != common.None {
			return fmt.Errorf("produce: %+v", p.Responses)
		}
		return nil
	})
	req := serial.Default[deleterecords.DeleteRecordsRequest]()
	req.TimeoutMs = 30000
	req.Topics = []deleterecords.DeleteRecordsTopic{{Name: common.TopicName(name), Partitions: []deleterecords.DeleteRecordsPartition{{PartitionIndex: 0, Offset: 2}}}}
	resp := testkit.Call[deleterecords.DeleteRecordsResponse](t, s.broker, v, &req)
	if p := resp.Topics[0].Partitions[0]; p.ErrorCode != common.None || p.LowWatermark != 2 {
		t.Errorf("delete records: %+v, want low watermark 2", p)
	}
}

func (s *suite) testDescribeLogDirs(t *testing.T, v int16) {
	req := serial.Default[describelogdirs.DescribeLogDirsRequest]()
	req.Topics = nil // every topic
	resp := testkit.Call[describelogdirs.DescribeLogDirsResponse](t, s.broker, v, &req)
	if v >= 3 && resp.ErrorCode != common.None {
		t.Fatalf("%v", resp.ErrorCode)
	}
	var dirs []string
	found := false
	for _, r := range resp.Results {
		if r.ErrorCode != common.None {
			t.Errorf("%s: %v", r.LogDir, r.ErrorCode)
		}
		dirs = append(dirs, r.LogDir)
		for _, tp := range r.Topics {
			if string(tp.Name) == s.dataTopic && len(tp.Partitions) == 1 && tp.Partitions[0].PartitionSize > 0 {
				found = true
			}
		}
		if v >= 4 && (r.TotalBytes <= 0 || r.UsableBytes <= 0) {
			t.Errorf("%s: total %d usable %d", r.LogDir, r.TotalBytes, r.UsableBytes)
		}
	}
	slices.Sort(dirs)
	if !slices.Equal(dirs, s.b.LogDirs) {
		t.Errorf("log dirs %v, want %v", dirs, s.b.LogDirs)
	}
	if !found {
		t.Errorf("data topic not found with a size in any log dir")
	}
}

// logDirOf returns the log dir holding topic's partition 0 (not a future replica),
// waiting a moment for a new partition's log to appear.
func (s *suite) logDirOf(t testing.TB, topic string) string {
	t.Helper()
	req := serial.Default[describelogdirs.DescribeLogDirsRequest]()
	req.Topics = []describelogdirs.DescribableLogDirTopic{{Topic: common.TopicName(topic), Partitions: []int32{0}}}
	for range 100 {
		resp := testkit.Call[describelogdirs.DescribeLogDirsResponse](t, s.broker, s.newest(t, onBroker, 35), &req)
		for _, r := range resp.Results {
			for _, tp := range r.Topics {
				if string(tp.Name) == topic && len(tp.Partitions) == 1 && !tp.Partitions[0].IsFutureKey {
					return r.LogDir
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s/0 in no log dir", topic)
	return ""
}

// testAlterReplicaLogDirs moves a partition to the other log dir and waits for it.
func (s *suite) testAlterReplicaLogDirs(t *testing.T, v int16) {
	name := fmt.Sprintf("kio-move-v%d", v)
	s.createTopic(t, name, 1)
	from := s.logDirOf(t, name)
	to := s.b.LogDirs[0]
	if from == to {
		to = s.b.LogDirs[1]
	}
	req := serial.Default[alterreplicalogdirs.AlterReplicaLogDirsRequest]()
	req.Dirs = []alterreplicalogdirs.AlterReplicaLogDir{{Path: to, Topics: []alterreplicalogdirs.AlterReplicaLogDirTopic{{Name: common.TopicName(name), Partitions: []int32{0}}}}}
	resp := testkit.Call[alterreplicalogdirs.AlterReplicaLogDirsResponse](t, s.broker, v, &req)
	if len(resp.Results) != 1 || resp.Results[0].Partitions[0].ErrorCode != common.None {
		t.Fatalf("%+v", resp.Results)
	}
	for i := 0; ; i++ {
		if s.logDirOf(t, name) == to {
			return
		}
		if i == 100 {
			t.Fatalf("%s/0 still in %s, not %s", name, from, to)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *suite) testElectLeaders(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		req := serial.Default[electleaders.ElectLeadersRequest]()
		req.TimeoutMs = 30000
		req.TopicPartitions = []electleaders.TopicPartitions{{Topic: common.TopicName(s.dataTopic), Partitions: []int32{0}}}
		resp := testkit.Call[electleaders.ElectLeadersResponse](t, s.on(listener), v, &req)
		if v >= 1 && resp.ErrorCode != common.None {
			t.Fatalf("%v", resp.ErrorCode)
		}
		if len(resp.ReplicaElectionResults) != 1 || len(resp.ReplicaElectionResults[0].PartitionResult) != 1 {
			t.Fatalf("%+v", resp.ReplicaElectionResults)
		}
		// The only replica already leads: preferred election has nothing to do.
		if p := resp.ReplicaElectionResults[0].PartitionResult[0]; p.ErrorCode != common.ElectionNotNeeded {
			t.Errorf("%+v, want ELECTION_NOT_NEEDED", p)
		}
	}
}

func (s *suite) testReassignments(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		c := s.on(listener)
		req := serial.Default[alterpartitionreassignments.AlterPartitionReassignmentsRequest]()
		req.TimeoutMs = 30000
		req.Topics = []alterpartitionreassignments.ReassignableTopic{{Name: common.TopicName(s.dataTopic),
			Partitions: []alterpartitionreassignments.ReassignablePartition{{PartitionIndex: 0, Replicas: []common.BrokerId{NodeID}}}}}
		resp := testkit.Call[alterpartitionreassignments.AlterPartitionReassignmentsResponse](t, c, v, &req)
		if resp.ErrorCode != common.None || resp.Responses[0].Partitions[0].ErrorCode != common.None {
			t.Fatalf("reassign to the same replica: %+v", resp)
		}
		bad := req
		bad.Topics = []alterpartitionreassignments.ReassignableTopic{{Name: common.TopicName(s.dataTopic),
			Partitions: []alterpartitionreassignments.ReassignablePartition{{PartitionIndex: 0, Replicas: []common.BrokerId{NodeID, 99}}}}}
		badResp := testkit.Call[alterpartitionreassignments.AlterPartitionReassignmentsResponse](t, c, v, &bad)
		if badResp.Responses[0].Partitions[0].ErrorCode != common.InvalidReplicaAssignment {
			t.Errorf("reassign to a missing broker: %+v, want INVALID_REPLICA_ASSIGNMENT", badResp.Responses[0].Partitions[0])
		}
	}
}

func (s *suite) testListReassignments(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		req := serial.Default[listpartitionreassignments.ListPartitionReassignmentsRequest]()
		req.TimeoutMs = 30000
		req.Topics = nil
		resp := testkit.Call[listpartitionreassignments.ListPartitionReassignmentsResponse](t, s.on(listener), v, &req)
		if resp.ErrorCode != common.None || len(resp.Topics) != 0 {
			t.Errorf("ongoing reassignments on one node: %+v", resp)
		}
	}
}

// testDeleteTopics creates a topic and deletes it: by name before v6, by id from v6.
func (s *suite) testDeleteTopics(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		name := fmt.Sprintf("kio-delete-%s-v%d", listener, v)
		id := s.createTopic(t, name, 1)
		req := serial.Default[deletetopics.DeleteTopicsRequest]()
		req.TimeoutMs = 30000
		if v >= 6 {
			req.Topics = []deletetopics.DeleteTopicState{{TopicId: id}}
		} else {
			req.TopicNames = []common.TopicName{common.TopicName(name)}
		}
		resp := testkit.Call[deletetopics.DeleteTopicsResponse](t, s.on(listener), v, &req)
		if len(resp.Responses) != 1 || resp.Responses[0].ErrorCode != common.None {
			t.Fatalf("%+v", resp.Responses)
		}
		if v >= 6 && resp.Responses[0].TopicId != id {
			t.Errorf("deleted id %v, want %v", resp.Responses[0].TopicId, id)
		}
		delete(s.topicIDs, name)
		// The topic may take a moment to vanish from the broker's metadata cache.
		for i := 0; ; i++ {
			if md := s.metadata(t, 12, name); md.Topics[0].ErrorCode == common.UnknownTopicOrPartition {
				break
			}
			if i == 100 {
				t.Fatalf("%s still exists", name)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
