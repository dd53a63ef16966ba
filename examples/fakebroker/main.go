// Command fakebroker is a small Kafka broker built on kio/server: one node, topics
// created on first use with one partition each, records kept in memory. Enough for
// kcat -L, -P and -C and for a franz-go (kgo) producer and consumer.
//
//	go run ./examples/fakebroker -listen 127.0.0.1:9092
//	kcat -b 127.0.0.1:9092 -L
//	echo hello | kcat -b 127.0.0.1:9092 -P -t greetings
//	kcat -b 127.0.0.1:9092 -C -t greetings -e
//
// Like Kafka's broker, it answers a request it cannot serve with error codes rather than
// by closing the connection: per partition (CORRUPT_MESSAGE for records that are not
// whole, checksummed v2 batches; UNKNOWN_TOPIC_OR_PARTITION for a partition other than
// 0; OFFSET_OUT_OF_RANGE for a fetch past a log's end), or at the top of the response
// through kio/server, by returning the code as the handler's error
// (FETCH_SESSION_ID_NOT_FOUND for a fetch session it never opened).
package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/crc32"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/initproducerid"
	"github.com/kio-go/kafka-protocol/kio/schema/listoffsets"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/kio/server"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9092", "address to listen on (and advertise)")
	flag.Parse()
	ln, err := net.Listen("tcp", *listen)
	if err == nil {
		fmt.Println("fake broker on", ln.Addr())
		err = (&server.Server{Handler: newBroker(ln.Addr().String())}).Serve(ln)
	}
	fmt.Fprintln(os.Stderr, "fakebroker:", err)
	os.Exit(1)
}

// broker holds each topic's log (partition 0): record batches, offsets assigned.
type broker struct {
	mu     sync.Mutex
	logs   map[string][][]byte
	next   map[string]int64 // the next offset of each topic
	host   string
	port   int32
	notify chan struct{} // closed and replaced on every produce, for waiting fetches
}

// newBroker returns the handlers of a broker advertising addr. Produce and Fetch are
// served up to v12, where topics still go by name (kio/server offers clients only
// these versions).
func newBroker(addr string) *server.Mux {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	b := &broker{logs: map[string][][]byte{}, next: map[string]int64{}, host: host, port: int32(p), notify: make(chan struct{})}
	mux := server.NewMux()
	server.Handle(mux, b.metadata)
	server.HandleVersions(mux, tags.Range{Lo: 3, Hi: 12}, b.produce) // magic 2 record batches only
	server.HandleVersions(mux, tags.Range{Lo: 4, Hi: 12}, b.fetch)
	server.HandleVersions(mux, tags.Range{Lo: 1, Hi: 11}, b.listOffsets)
	server.Handle(mux, b.initProducerID)
	return mux
}

func (b *broker) metadata(_ context.Context, _ *server.Request, req *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var names []string
	for _, t := range req.Topics {
		names = append(names, string(*t.Name))
		b.create(string(*t.Name))
	}
	if len(req.Topics) == 0 {
		for name := range b.logs {
			names = append(names, name)
		}
	}
	cluster := "kio-fake"
	resp := &metadata.MetadataResponse{ClusterId: &cluster, ControllerId: 0,
		Brokers: []metadata.MetadataResponseBroker{{NodeId: 0, Host: b.host, Port: b.port}}}
	for _, name := range names {
		n := common.TopicName(name)
		resp.Topics = append(resp.Topics, metadata.MetadataResponseTopic{Name: &n,
			Partitions: []metadata.MetadataResponsePartition{{LeaderId: 0, LeaderEpoch: -1, ReplicaNodes: []common.BrokerId{0}, IsrNodes: []common.BrokerId{0}}}})
	}
	return resp, nil
}

func (b *broker) produce(_ context.Context, _ *server.Request, req *produce.ProduceRequest) (*produce.ProduceResponse, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	resp := &produce.ProduceResponse{}
	for _, t := range req.TopicData {
		tr := produce.TopicProduceResponse{Name: t.Name}
		for _, p := range t.PartitionData {
			pr := produce.PartitionProduceResponse{Index: p.Index, BaseOffset: -1, LogAppendTimeMs: -1}
			batches, ok := splitBatches(p.Records)
			switch {
			case p.Index != 0:
				pr.ErrorCode = common.UnknownTopicOrPartition
			case !ok:
				pr.ErrorCode = common.CorruptMessage // nothing of it is stored, as in Kafka
			default:
				b.create(string(t.Name))
				pr.BaseOffset = b.next[string(t.Name)]
				b.append(string(t.Name), batches)
			}
			tr.PartitionResponses = append(tr.PartitionResponses, pr)
		}
		resp.Responses = append(resp.Responses, tr)
	}
	close(b.notify)
	b.notify = make(chan struct{})
	return resp, nil
}

func (b *broker) fetch(ctx context.Context, _ *server.Request, req *fetch.FetchRequest) (*fetch.FetchResponse, error) {
	if req.SessionId != 0 { // it opens no sessions (answers SessionId 0): a full fetch each time
		return nil, fmt.Errorf("fetch session %d: %w", req.SessionId, common.FetchSessionIdNotFound)
	}
	deadline := time.After(time.Duration(min(req.MaxWaitMs, 1000)) * time.Millisecond)
	for {
		b.mu.Lock()
		resp, size, failed, notify := &fetch.FetchResponse{}, 0, false, b.notify
		for _, t := range req.Topics {
			tr := fetch.FetchableTopicResponse{Topic: t.Topic}
			for _, p := range t.Partitions {
				pd := serial.Default[fetch.PartitionData]() // PreferredReadReplica -1, no diverging epoch, ...
				pd.PartitionIndex, pd.Records = p.Partition, []byte{}
				end := b.next[string(t.Topic)]
				switch {
				case p.Partition != 0:
					pd.ErrorCode = common.UnknownTopicOrPartition
				case p.FetchOffset < 0 || p.FetchOffset > end:
					pd.ErrorCode = common.OffsetOutOfRange
				}
				if pd.ErrorCode != common.None { // offsets -1 and no records, as Kafka answers
					pd.HighWatermark, failed = -1, true // (the other two are -1 by default)
					tr.Partitions = append(tr.Partitions, pd)
					continue
				}
				pd.HighWatermark, pd.LastStableOffset, pd.LogStartOffset = end, end, 0
				for _, batch := range b.logs[string(t.Topic)] {
					if last := int64(binary.BigEndian.Uint64(batch)) + int64(binary.BigEndian.Uint32(batch[23:])); last >= p.FetchOffset {
						pd.Records = append(pd.Records, batch...)
					}
				}
				size += len(pd.Records)
				tr.Partitions = append(tr.Partitions, pd)
			}
			resp.Responses = append(resp.Responses, tr)
		}
		b.mu.Unlock()
		if size >= int(req.MinBytes) || failed { // an error is answered at once
			return resp, nil
		}
		select { // wait for a produce, up to MaxWaitMs
		case <-notify:
		case <-deadline:
			return resp, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (b *broker) listOffsets(_ context.Context, _ *server.Request, req *listoffsets.ListOffsetsRequest) (*listoffsets.ListOffsetsResponse, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	resp := &listoffsets.ListOffsetsResponse{}
	for _, t := range req.Topics {
		tr := listoffsets.ListOffsetsTopicResponse{Name: t.Name}
		for _, p := range t.Partitions {
			pr := listoffsets.ListOffsetsPartitionResponse{PartitionIndex: p.PartitionIndex, Timestamp: -1, Offset: -1, LeaderEpoch: -1}
			switch {
			case p.PartitionIndex != 0:
				pr.ErrorCode = common.UnknownTopicOrPartition
			case p.Timestamp == -1:
				pr.Offset = b.next[string(t.Name)] // the latest
			default:
				pr.Offset = 0 // the earliest (-2), and for any timestamp, the start
			}
			tr.Partitions = append(tr.Partitions, pr)
		}
		resp.Topics = append(resp.Topics, tr)
	}
	return resp, nil
}

func (b *broker) initProducerID(context.Context, *server.Request, *initproducerid.InitProducerIdRequest) (*initproducerid.InitProducerIdResponse, error) {
	return &initproducerid.InitProducerIdResponse{ProducerId: 1}, nil
}

// create makes an empty topic if there is none by that name.
func (b *broker) create(name string) {
	if _, ok := b.logs[name]; !ok {
		b.logs[name] = nil
	}
}

// splitBatches splits a produced blob into its record batches, or reports false where
// it is not a sequence of whole v2 batches whose CRC-32C holds (which Kafka answers
// with CORRUPT_MESSAGE).
func splitBatches(records []byte) ([][]byte, bool) {
	var batches [][]byte
	for len(records) > 0 {
		if len(records) < 61 {
			return nil, false
		}
		n := 12 + int(binary.BigEndian.Uint32(records[8:]))
		if n > len(records) || n < 61 || records[16] != 2 ||
			crc32.Checksum(records[21:n], castagnoli) != binary.BigEndian.Uint32(records[17:]) {
			return nil, false
		}
		batches = append(batches, records[:n])
		records = records[n:]
	}
	return batches, true
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// append stores a topic's produced record batches, each given its base offset (which
// the batch's CRC does not cover) and counted by its last offset delta.
func (b *broker) append(name string, batches [][]byte) {
	for _, batch := range batches {
		batch = append([]byte(nil), batch...)
		binary.BigEndian.PutUint64(batch, uint64(b.next[name]))
		b.next[name] += int64(binary.BigEndian.Uint32(batch[23:])) + 1
		b.logs[name] = append(b.logs[name], batch)
	}
}
