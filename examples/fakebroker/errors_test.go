package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/listoffsets"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// TestErrorCodes: what the fake broker cannot serve it answers with Kafka's error codes,
// per partition or at the top of the response, and the one connection serves on.
func TestErrorCodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, startBroker(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	good, err := records.AppendBatch(nil, records.NewBatch(records.Record{Value: []byte("v")}))
	if err != nil {
		t.Fatal(err)
	}
	badCRC := append([]byte(nil), good...)
	badCRC[len(badCRC)-1] ^= 1
	produced := func(index int32, blob []byte) common.ErrorCode {
		t.Helper()
		req := serial.Default[produce.ProduceRequest]()
		req.Acks, req.TimeoutMs = 1, 1000
		req.TopicData = []produce.TopicProduceData{{Name: "codes", PartitionData: []produce.PartitionProduceData{{Index: index, Records: blob}}}}
		resp, err := client.Call[produce.ProduceResponse](ctx, c, &req)
		if err != nil {
			t.Fatalf("produce: %v", err)
		}
		return resp.Responses[0].PartitionResponses[0].ErrorCode
	}
	for _, p := range []struct {
		name  string
		index int32
		blob  []byte
		want  common.ErrorCode
	}{
		{"a batch", 0, good, common.None},
		{"a batch cut short", 0, good[:len(good)-1], common.CorruptMessage},
		{"a batch and bytes after it", 0, append(append([]byte(nil), good...), 0, 0, 0), common.CorruptMessage},
		{"a bad CRC", 0, badCRC, common.CorruptMessage},
		{"partition 1", 1, good, common.UnknownTopicOrPartition},
		{"another batch", 0, good, common.None},
	} {
		if got := produced(p.index, p.blob); got != p.want {
			t.Errorf("produce %s: %v, want %v", p.name, got, p.want)
		}
	}
	fetched := func(session int32, partition int32, offset int64) *fetch.FetchResponse {
		t.Helper()
		req := serial.Default[fetch.FetchRequest]()
		req.SessionId, req.MaxWaitMs, req.MaxBytes = session, 10, 1<<20
		req.Topics = []fetch.FetchTopic{{Topic: "codes", Partitions: []fetch.FetchPartition{{Partition: partition, FetchOffset: offset, PartitionMaxBytes: 1 << 20}}}}
		resp, err := client.Call[fetch.FetchResponse](ctx, c, &req)
		if err != nil {
			t.Fatalf("fetch: %v", err)
		}
		return resp
	}
	if r := fetched(7, 0, 0); r.ErrorCode != common.FetchSessionIdNotFound || len(r.Responses) != 0 {
		t.Errorf("fetch in session 7: %v, want FETCH_SESSION_ID_NOT_FOUND at the top", r.ErrorCode)
	}
	for _, f := range []struct {
		partition int32
		offset    int64
		want      common.ErrorCode
		records   bool
	}{{0, 0, common.None, true}, {0, 2, common.None, false}, {0, 3, common.OffsetOutOfRange, false}, {1, 0, common.UnknownTopicOrPartition, false}} {
		r := fetched(0, f.partition, f.offset)
		pd := r.Responses[0].Partitions[0]
		if r.ErrorCode != common.None || pd.ErrorCode != f.want || (len(pd.Records) > 0) != f.records {
			t.Errorf("fetch partition %d at %d: %v/%v with %d bytes, want %v", f.partition, f.offset, r.ErrorCode, pd.ErrorCode, len(pd.Records), f.want)
		}
		if f.want != common.None && pd.HighWatermark != -1 {
			t.Errorf("fetch partition %d at %d: high watermark %d beside an error, want -1", f.partition, f.offset, pd.HighWatermark)
		}
	}
	lo, err := client.Call[listoffsets.ListOffsetsResponse](ctx, c, &listoffsets.ListOffsetsRequest{ReplicaId: -1,
		Topics: []listoffsets.ListOffsetsTopic{{Name: "codes", Partitions: []listoffsets.ListOffsetsPartition{{PartitionIndex: 0, Timestamp: -1}, {PartitionIndex: 1, Timestamp: -1}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if ps := lo.Topics[0].Partitions; ps[0].ErrorCode != common.None || ps[0].Offset != 2 || ps[1].ErrorCode != common.UnknownTopicOrPartition {
		t.Errorf("list offsets: %+v, want offset 2 for partition 0 and UNKNOWN_TOPIC_OR_PARTITION for 1", ps)
	}
}

// testKgoOutOfRange: a kgo consumer told to start past the log's end gets
// OFFSET_OUT_OF_RANGE, resets to the start as its ConsumeResetOffset says, and
// consumes everything.
func testKgoOutOfRange(t *testing.T) {
	addr := startBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	producer, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("far"))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	for i := range 3 {
		if err := producer.ProduceSync(ctx, &kgo.Record{Value: fmt.Appendf(nil, "r%d", i)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	consumer, err := kgo.NewClient(kgo.SeedBrokers(addr),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"far": {0: kgo.NewOffset().At(100)}}),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	var got []string
	for len(got) < 3 {
		fs := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %v before %v: kgo never reset from offset 100", got, err)
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, fmt.Sprintf("%d:%s", r.Offset, r.Value)) })
	}
	if fmt.Sprint(got) != "[0:r0 1:r1 2:r2]" {
		t.Errorf("consumed %v after the reset", got)
	}
}
