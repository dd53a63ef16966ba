package kfake

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/listoffsets"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

// baseTimestamp is the timestamp of the first produced record; later records are
// later, so ListOffsets by timestamp has one right answer.
const baseTimestamp = 1_700_000_000_000

// Byte offsets in a magic 2 batch header: the base offset and the partition leader
// epoch are set by the broker; everything from the magic on is what the producer sent.
const (
	batchLeaderEpochAt = 12
	batchMagicAt       = 16
)

// recordsAt returns the records a Produce subtest at version v sends: distinct keys,
// values and headers, a null key and a null value, increasing timestamps.
func (s *suite) recordsAt(v int16) []records.Record {
	ts := int64(baseTimestamp + 1000*len(s.produced))
	return []records.Record{
		{Timestamp: ts, Key: []byte(fmt.Sprintf("key-v%d-0", v)), Value: []byte(fmt.Sprintf("first record of Produce v%d", v)),
			Headers: []records.Header{{Key: "api", Value: []byte("Produce")}, {Key: "version", Value: []byte{byte(v)}}}},
		{Timestamp: ts + 1, Key: nil, Value: bytes.Repeat([]byte("kio "), 64)}, // compressible
		{Timestamp: ts + 2, Key: []byte(fmt.Sprintf("key-v%d-2", v)), Value: nil, Headers: []records.Header{{Key: "tombstone", Value: nil}}},
	}
}

func (s *suite) testProduce(t *testing.T, v int16) {
	recs := s.recordsAt(v)
	batch := records.NewBatch(slices.Clone(recs)...)
	// Every codec in turn across the versions; zstd needs Produce v7+ (KIP-110).
	codecs := []records.Compression{records.CompressionNone, records.CompressionGzip,
		records.CompressionSnappy, records.CompressionLZ4, records.CompressionZstd}
	if batch.Compression = codecs[int(v)%len(codecs)]; batch.Compression == records.CompressionZstd && v < 7 {
		batch.Compression = records.CompressionNone
	}
	raw, err := records.AppendBatch(nil, batch)
	if err != nil {
		t.Fatal(err)
	}

	req := serial.Default[produce.ProduceRequest]()
	req.Acks = -1
	req.TimeoutMs = 5000
	req.TopicData = []produce.TopicProduceData{{
		PartitionData: []produce.PartitionProduceData{{Index: 0, Records: raw}},
	}}
	if v >= 13 { // KIP-516: topics by id
		req.TopicData[0].TopicId = s.topicIDs[dataTopic]
	} else {
		req.TopicData[0].Name = dataTopic
	}

	leader := s.leaders[dataTopic]
	if len(s.brokers) > 1 { // only the leader takes writes
		resp := testkit.Call[produce.ProduceResponse](t, s.otherConn(t, leader), v, &req)
		if code := resp.Responses[0].PartitionResponses[0].ErrorCode; code != common.NotLeaderOrFollower {
			t.Fatalf("Produce to a follower: %v, want NOT_LEADER_OR_FOLLOWER", code)
		}
	}

	resp := testkit.Call[produce.ProduceResponse](t, s.nodeConn(t, leader), v, &req)
	if len(resp.Responses) != 1 || len(resp.Responses[0].PartitionResponses) != 1 ||
		v >= 13 && resp.Responses[0].TopicId != s.topicIDs[dataTopic] || v < 13 && string(resp.Responses[0].Name) != dataTopic {
		t.Fatalf("response %+v", resp.Responses)
	}
	p := resp.Responses[0].PartitionResponses[0]
	want := int64(len(s.produced))
	if p.Index != 0 || p.ErrorCode != common.None || p.BaseOffset != want {
		t.Fatalf("partition %d: %v (%s), base offset %d, want NONE at offset %d", p.Index, p.ErrorCode, str(p.ErrorMessage), p.BaseOffset, want)
	}
	if p.LogAppendTimeMs != -1 { // CreateTime topic: -1 at v2+, the default below
		t.Errorf("log append time %d, want -1", p.LogAppendTimeMs)
	}
	if v >= 5 && p.LogStartOffset != 0 || v < 5 && p.LogStartOffset != -1 {
		t.Errorf("log start offset %d at v%d", p.LogStartOffset, v)
	}
	for i := range recs {
		recs[i].Offset = p.BaseOffset + int64(i)
	}
	s.produced = append(s.produced, recs...)
	s.batches = append(s.batches, raw)
}

// fetchPartition returns a FetchPartition with every spec default (leader epoch -1,
// log start offset -1, ...) asking for partition 0 from offset.
func fetchPartition(offset int64) fetch.FetchPartition {
	p := serial.Default[fetch.FetchPartition]()
	p.FetchOffset = offset
	p.PartitionMaxBytes = 1 << 20
	return p
}

// fetchData fetches dataTopic partition 0 from offset at version v from the leader.
func (s *suite) fetchData(t *testing.T, v int16, offset int64) (*fetch.FetchResponse, *fetch.PartitionData) {
	t.Helper()
	req := serial.Default[fetch.FetchRequest]() // replica -1, max bytes, session epoch -1, ...
	req.MaxWaitMs = 200
	req.MinBytes = 1
	topic := fetch.FetchTopic{Partitions: []fetch.FetchPartition{fetchPartition(offset)}}
	if v >= 13 { // KIP-516: topics by id
		topic.TopicId = s.topicIDs[dataTopic]
	} else {
		topic.Topic = dataTopic
	}
	req.Topics = []fetch.FetchTopic{topic}
	resp := testkit.Call[fetch.FetchResponse](t, s.nodeConn(t, s.leaders[dataTopic]), v, &req)
	if resp.ErrorCode != common.None || len(resp.Responses) != 1 || len(resp.Responses[0].Partitions) != 1 {
		t.Fatalf("fetch from %d: %v %+v", offset, resp.ErrorCode, resp.Responses)
	}
	rt := resp.Responses[0]
	if v >= 13 && rt.TopicId != s.topicIDs[dataTopic] || v < 13 && string(rt.Topic) != dataTopic {
		t.Errorf("answer for topic %q / %v", rt.Topic, rt.TopicId)
	}
	return resp, &rt.Partitions[0]
}

func (s *suite) testFetch(t *testing.T, v int16) {
	hwm := int64(len(s.produced))
	_, p := s.fetchData(t, v, 0)
	if p.PartitionIndex != 0 || p.ErrorCode != common.None || p.HighWatermark != hwm {
		t.Fatalf("partition %d: %v, high watermark %d, want NONE, %d", p.PartitionIndex, p.ErrorCode, p.HighWatermark, hwm)
	}
	wantStart := int64(0)
	if v < 5 { // not in the response: the default
		wantStart = -1
	}
	if p.LastStableOffset != hwm || p.LogStartOffset != wantStart || len(p.AbortedTransactions) != 0 {
		t.Errorf("last stable %d, log start %d, aborted %v", p.LastStableOffset, p.LogStartOffset, p.AbortedTransactions)
	}
	if v >= 11 && p.PreferredReadReplica != -1 {
		t.Errorf("preferred read replica %d", p.PreferredReadReplica)
	}

	// The batches come back byte for byte as produced, except the two header fields the
	// broker assigns: the base offset and the partition leader epoch.
	s.checkFetchedBatches(t, p.Records)

	// Decoded, the records are exactly those produced, offsets included.
	var got []records.Record
	scan := records.NewScanner(p.Records)
	for scan.Next() {
		got = append(got, scan.Batch().Records...)
	}
	if err := scan.Err(); err != nil || scan.Partial() {
		t.Fatalf("scan fetched records: %v (partial %v)", err, scan.Partial())
	}
	if len(got) != len(s.produced) {
		t.Fatalf("fetched %d records, produced %d", len(got), len(s.produced))
	}
	for i, r := range got {
		if w := s.produced[i]; !sameRecord(r, w) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, r, w)
		}
	}

	// Past the end: OFFSET_OUT_OF_RANGE, and no records.
	_, p = s.fetchData(t, v, hwm+100)
	if p.ErrorCode != common.OffsetOutOfRange || len(p.Records) != 0 {
		t.Errorf("fetch past the end: %v with %d record bytes, want OFFSET_OUT_OF_RANGE", p.ErrorCode, len(p.Records))
	}
}

// checkFetchedBatches compares fetched batch bytes with the batches produced.
func (s *suite) checkFetchedBatches(t *testing.T, fetched []byte) {
	t.Helper()
	rest := fetched
	var offset int64
	for i, sent := range s.batches {
		if len(rest) < len(sent) {
			t.Fatalf("batch %d: %d bytes left, sent %d", i, len(rest), len(sent))
		}
		got := rest[:len(sent)]
		rest = rest[len(sent):]
		if base := int64(binary.BigEndian.Uint64(got)); base != offset {
			t.Errorf("batch %d: base offset %d, want %d", i, base, offset)
		}
		if epoch := int32(binary.BigEndian.Uint32(got[batchLeaderEpochAt:])); epoch != s.epochs[dataTopic] {
			t.Errorf("batch %d: partition leader epoch %d, want %d", i, epoch, s.epochs[dataTopic])
		}
		if !bytes.Equal(got[8:batchLeaderEpochAt], sent[8:batchLeaderEpochAt]) || !bytes.Equal(got[batchMagicAt:], sent[batchMagicAt:]) {
			t.Errorf("batch %d differs from the one produced:\n got %x\nsent %x", i, got, sent)
		}
		var b records.Batch
		if _, err := records.DecodeBatch(sent, &b); err != nil {
			t.Fatal(err)
		}
		offset += int64(len(b.Records))
	}
	if len(rest) != 0 {
		t.Errorf("%d bytes after the produced batches", len(rest))
	}
}

// sameRecord compares the fields a producer sets. Null and empty differ in Kafka,
// so nil-ness is compared too.
func sameRecord(a, b records.Record) bool {
	same := func(x, y []byte) bool { return (x == nil) == (y == nil) && bytes.Equal(x, y) }
	if a.Offset != b.Offset || a.Timestamp != b.Timestamp || !same(a.Key, b.Key) || !same(a.Value, b.Value) || len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i].Key != b.Headers[i].Key || !same(a.Headers[i].Value, b.Headers[i].Value) {
			return false
		}
	}
	return true
}

// listOffset asks for the offset of dataTopic partition 0 at timestamp ts.
func (s *suite) listOffset(t *testing.T, v int16, ts int64) listoffsets.ListOffsetsPartitionResponse {
	t.Helper()
	part := serial.Default[listoffsets.ListOffsetsPartition]() // leader epoch -1, max offsets 1
	part.Timestamp = ts
	req := serial.Default[listoffsets.ListOffsetsRequest]()
	req.ReplicaId = -1 // a consumer
	req.Topics = []listoffsets.ListOffsetsTopic{{Name: dataTopic, Partitions: []listoffsets.ListOffsetsPartition{part}}}
	resp := testkit.Call[listoffsets.ListOffsetsResponse](t, s.nodeConn(t, s.leaders[dataTopic]), v, &req)
	if len(resp.Topics) != 1 || string(resp.Topics[0].Name) != dataTopic || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("response %+v", resp.Topics)
	}
	p := resp.Topics[0].Partitions[0]
	if p.PartitionIndex != 0 || p.ErrorCode != common.None {
		t.Fatalf("timestamp %d: partition %d: %v", ts, p.PartitionIndex, p.ErrorCode)
	}
	return p
}

func (s *suite) testListOffsets(t *testing.T, v int16) {
	const latest, earliest, maxTimestamp = -1, -2, -3
	hwm := int64(len(s.produced))
	if v == 0 { // v0 answers a list of offsets, up to MaxNumOffsets (default 1)
		if p := s.listOffset(t, v, latest); !slices.Equal(p.OldStyleOffsets, []int64{hwm}) || p.Offset != -1 {
			t.Errorf("latest: %v (offset %d), want [%d]", p.OldStyleOffsets, p.Offset, hwm)
		}
		if p := s.listOffset(t, v, earliest); !slices.Equal(p.OldStyleOffsets, []int64{0}) {
			t.Errorf("earliest: %v, want [0]", p.OldStyleOffsets)
		}
		return
	}
	p := s.listOffset(t, v, latest)
	if p.Offset != hwm || p.OldStyleOffsets == nil || len(p.OldStyleOffsets) != 0 { // absent after v0: empty
		t.Errorf("latest: offset %d (old style %v), want %d", p.Offset, p.OldStyleOffsets, hwm)
	}
	if v >= 4 && p.LeaderEpoch != s.epochs[dataTopic] || v < 4 && p.LeaderEpoch != -1 {
		t.Errorf("latest: leader epoch %d at v%d, partition epoch %d", p.LeaderEpoch, v, s.epochs[dataTopic])
	}
	if p := s.listOffset(t, v, earliest); p.Offset != 0 {
		t.Errorf("earliest: offset %d, want 0", p.Offset)
	}
	// By timestamp: the first record at or after it, with that record's timestamp.
	target := s.produced[len(s.produced)-2]
	if p := s.listOffset(t, v, target.Timestamp); p.Offset != target.Offset || p.Timestamp != target.Timestamp {
		t.Errorf("timestamp %d: offset %d at %d, want %d", target.Timestamp, p.Offset, p.Timestamp, target.Offset)
	}
	if v >= 7 { // KIP-734: the record with the largest timestamp
		last := s.produced[len(s.produced)-1]
		if p := s.listOffset(t, v, maxTimestamp); p.Offset != last.Offset || p.Timestamp != last.Timestamp {
			t.Errorf("max timestamp: offset %d at %d, want %d at %d", p.Offset, p.Timestamp, last.Offset, last.Timestamp)
		}
	}
}
