package bench

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"strings"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/heartbeat"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	kgheartbeat "github.com/segmentio/kafka-go/protocol/heartbeat"
	kgmetadata "github.com/segmentio/kafka-go/protocol/metadata"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Each fixture is built three times, once per implementation, from the same loops over
// the same data, so the three values describe the same message. kafka-go's protocol
// package stops at older versions (Metadata v8, Fetch v11, Produce v8), so its fixtures
// are encoded at those versions: the wire bytes differ slightly (no tagged fields, no
// topic ids, non-compact lengths), which its rows in the report must be read with.

// Versions of the fixtures.
const (
	metadataVersion        = 12
	metadataVersionKafkaGo = 8
	heartbeatVersion       = 4
	// kafka-go's protocol.Marshal and Unmarshal do not apply flexible encoding to a
	// standalone body (only its framed WriteRequest/ReadResponse do), so its Heartbeat
	// rows use v3, the last version before flexible v4: the same fields, non-compact.
	heartbeatVersionKafkaGo = 3
	fetchVersion            = 16
	fetchVersionKafkaGo     = 11
	produceVersion          = 9
	produceVersionKafkaGo   = 8
)

// Shape of the fixtures.
const (
	clusterBrokers      = 3
	clusterTopics       = 50
	partitionsPerTopic  = 10
	replicationFactor   = 3
	batchRecords        = 1024
	recordValueSize     = 1024
	recordBaseTimestamp = 1_735_689_600_000 // 2025-01-01T00:00:00Z in milliseconds
)

func brokerHost(id int) string    { return fmt.Sprintf("broker-%d.kafka.internal", id) }
func brokerRack(id int) string    { return fmt.Sprintf("eu-west-1%c", 'a'+rune(id-1)) }
func topicName(t int) string      { return fmt.Sprintf("orders.events.topic-%03d", t) }
func clusterID() string           { return "kio-bench-cluster-Xy9Qw2" }
func leaderOf(t, p int) int32     { return int32((t+p)%clusterBrokers + 1) }
func replicasOf(t, p int) []int32 { return rotatedBrokers(int(leaderOf(t, p))) }

// rotatedBrokers lists replicationFactor broker ids starting from first.
func rotatedBrokers(first int) []int32 {
	ids := make([]int32, replicationFactor)
	for i := range ids {
		ids[i] = int32((first-1+i)%clusterBrokers + 1)
	}
	return ids
}

// topicID is a fixed, distinct, non-zero id per topic.
func topicID(t int) [16]byte {
	var id [16]byte
	binary.BigEndian.PutUint64(id[:], 0x6b696f2d62656e63) // "kio-benc"
	binary.BigEndian.PutUint64(id[8:], uint64(t+1)*0x9e3779b97f4a7c15)
	return id
}

func ptr[T any](v T) *T { return &v }

// MetadataResponse: 3 brokers, 50 topics of 10 partitions, 3 replicas all in sync.

func metadataResponseKio() *metadata.MetadataResponse {
	m := &metadata.MetadataResponse{
		ClusterId:                   ptr(clusterID()),
		ControllerId:                1,
		ClusterAuthorizedOperations: -2147483648,
	}
	for id := 1; id <= clusterBrokers; id++ {
		m.Brokers = append(m.Brokers, metadata.MetadataResponseBroker{
			NodeId: common.BrokerId(id), Host: brokerHost(id), Port: 9092, Rack: ptr(brokerRack(id)),
		})
	}
	for t := range clusterTopics {
		topic := metadata.MetadataResponseTopic{
			Name:                      ptr(common.TopicName(topicName(t))),
			TopicId:                   kio.UUID(topicID(t)),
			TopicAuthorizedOperations: -2147483648,
		}
		for p := range partitionsPerTopic {
			replicas := replicasOf(t, p)
			nodes := make([]common.BrokerId, len(replicas))
			for i, r := range replicas {
				nodes[i] = common.BrokerId(r)
			}
			topic.Partitions = append(topic.Partitions, metadata.MetadataResponsePartition{
				PartitionIndex:  int32(p),
				LeaderId:        common.BrokerId(leaderOf(t, p)),
				LeaderEpoch:     7,
				ReplicaNodes:    nodes,
				IsrNodes:        append([]common.BrokerId(nil), nodes...),
				OfflineReplicas: []common.BrokerId{},
			})
		}
		m.Topics = append(m.Topics, topic)
	}
	return m
}

func metadataResponseKmsg() *kmsg.MetadataResponse {
	m := &kmsg.MetadataResponse{
		Version:              metadataVersion,
		ClusterID:            ptr(clusterID()),
		ControllerID:         1,
		AuthorizedOperations: -2147483648,
	}
	for id := 1; id <= clusterBrokers; id++ {
		m.Brokers = append(m.Brokers, kmsg.MetadataResponseBroker{
			NodeID: int32(id), Host: brokerHost(id), Port: 9092, Rack: ptr(brokerRack(id)),
		})
	}
	for t := range clusterTopics {
		topic := kmsg.MetadataResponseTopic{
			Topic:                ptr(topicName(t)),
			TopicID:              topicID(t),
			AuthorizedOperations: -2147483648,
		}
		for p := range partitionsPerTopic {
			replicas := replicasOf(t, p)
			topic.Partitions = append(topic.Partitions, kmsg.MetadataResponseTopicPartition{
				Partition:       int32(p),
				Leader:          leaderOf(t, p),
				LeaderEpoch:     7,
				Replicas:        replicas,
				ISR:             append([]int32(nil), replicas...),
				OfflineReplicas: []int32{},
			})
		}
		m.Topics = append(m.Topics, topic)
	}
	return m
}

func metadataResponseKafkaGo() *kgmetadata.Response {
	m := &kgmetadata.Response{
		ClusterID:                   clusterID(),
		ControllerID:                1,
		ClusterAuthorizedOperations: -2147483648,
	}
	for id := 1; id <= clusterBrokers; id++ {
		m.Brokers = append(m.Brokers, kgmetadata.ResponseBroker{
			NodeID: int32(id), Host: brokerHost(id), Port: 9092, Rack: brokerRack(id),
		})
	}
	for t := range clusterTopics {
		topic := kgmetadata.ResponseTopic{Name: topicName(t), TopicAuthorizedOperations: -2147483648}
		for p := range partitionsPerTopic {
			replicas := replicasOf(t, p)
			topic.Partitions = append(topic.Partitions, kgmetadata.ResponsePartition{
				PartitionIndex:  int32(p),
				LeaderID:        leaderOf(t, p),
				LeaderEpoch:     7,
				ReplicaNodes:    replicas,
				IsrNodes:        append([]int32(nil), replicas...),
				OfflineReplicas: []int32{},
			})
		}
		m.Topics = append(m.Topics, topic)
	}
	return m
}

// MetadataRequest: the 50 topics by name.

func metadataRequestKio() *metadata.MetadataRequest {
	m := &metadata.MetadataRequest{AllowAutoTopicCreation: true}
	for t := range clusterTopics {
		m.Topics = append(m.Topics, metadata.MetadataRequestTopic{Name: ptr(common.TopicName(topicName(t)))})
	}
	return m
}

func metadataRequestKmsg() *kmsg.MetadataRequest {
	m := &kmsg.MetadataRequest{Version: metadataVersion, AllowAutoTopicCreation: true}
	for t := range clusterTopics {
		m.Topics = append(m.Topics, kmsg.MetadataRequestTopic{Topic: ptr(topicName(t))})
	}
	return m
}

func metadataRequestKafkaGo() *kgmetadata.Request {
	m := &kgmetadata.Request{AllowAutoTopicCreation: true}
	for t := range clusterTopics {
		m.TopicNames = append(m.TopicNames, topicName(t))
	}
	return m
}

// Heartbeat: a tiny request, so per-message fixed costs dominate.

const (
	heartbeatGroup  = "orders-consumer-group"
	heartbeatMember = "consumer-orders-1-5f2c9a3e-0b7d-4c1e-9a6f-2d8e4b1c7a90"
)

func heartbeatKio() *heartbeat.HeartbeatRequest {
	return &heartbeat.HeartbeatRequest{GroupId: heartbeatGroup, GenerationId: 42, MemberId: heartbeatMember}
}

func heartbeatKmsg() *kmsg.HeartbeatRequest {
	return &kmsg.HeartbeatRequest{Version: heartbeatVersion, Group: heartbeatGroup, Generation: 42, MemberID: heartbeatMember}
}

func heartbeatKafkaGo() *kgheartbeat.Request {
	return &kgheartbeat.Request{GroupID: heartbeatGroup, GenerationID: 42, MemberID: heartbeatMember}
}

// Records: 1,024 records with a 10-byte key and a 1 KiB value of JSON-like text, so the
// codecs have something realistic to compress (roughly 3:1 to 5:1).

// benchRecord is one record of the fixture batch, independent of any implementation.
type benchRecord struct {
	Timestamp int64
	Key       []byte
	Value     []byte
}

// fixtureRecords returns the records of the fixture batch; the same seed gives the same
// records every run.
func fixtureRecords() []benchRecord {
	words := []string{
		"order", "customer", "item", "quantity", "price", "currency", "EUR", "USD", "shipped",
		"pending", "warehouse", "berlin", "paris", "madrid", "status", "created", "updated",
		"sku", "discount", "express", "standard", "payment", "card", "invoice", "true", "false",
	}
	rng := rand.New(rand.NewPCG(20250101, 7))
	recs := make([]benchRecord, batchRecords)
	for i := range recs {
		var sb strings.Builder
		sb.Grow(recordValueSize + 32)
		fmt.Fprintf(&sb, `{"id":%d,"seq":%d`, rng.Uint64(), i)
		for sb.Len() < recordValueSize {
			fmt.Fprintf(&sb, `,"%s":"%s-%d"`, words[rng.IntN(len(words))], words[rng.IntN(len(words))], rng.IntN(100000))
		}
		value := []byte(sb.String())[:recordValueSize]
		value[recordValueSize-1] = '}'
		recs[i] = benchRecord{
			Timestamp: recordBaseTimestamp + int64(i)*3,
			Key:       fmt.Appendf(nil, "key-%06d", i),
			Value:     value,
		}
	}
	return recs
}

// FetchResponse: one topic, one partition, carrying one uncompressed batch of the
// fixture records (about 1 MiB).

func fetchResponseKio(batch []byte) *fetch.FetchResponse {
	return &fetch.FetchResponse{
		Responses: []fetch.FetchableTopicResponse{{
			Topic:   common.TopicName(topicName(0)),
			TopicId: kio.UUID(topicID(0)),
			Partitions: []fetch.PartitionData{{
				HighWatermark:        batchRecords,
				LastStableOffset:     batchRecords,
				LogStartOffset:       0,
				DivergingEpoch:       fetch.EpochEndOffset{Epoch: -1, EndOffset: -1},
				CurrentLeader:        fetch.LeaderIdAndEpoch{LeaderId: -1, LeaderEpoch: -1},
				SnapshotId:           fetch.SnapshotId{EndOffset: -1, Epoch: -1},
				PreferredReadReplica: -1,
				Records:              batch,
			}},
		}},
	}
}

func fetchResponseKmsg(batch []byte) *kmsg.FetchResponse {
	p := kmsg.NewFetchResponseTopicPartition() // the tagged structs' defaults (-1)
	p.HighWatermark = batchRecords
	p.LastStableOffset = batchRecords
	p.LogStartOffset = 0
	p.PreferredReadReplica = -1
	p.RecordBatches = batch
	return &kmsg.FetchResponse{
		Version: fetchVersion,
		Topics: []kmsg.FetchResponseTopic{{
			Topic:      topicName(0),
			TopicID:    topicID(0),
			Partitions: []kmsg.FetchResponseTopicPartition{p},
		}},
	}
}

// kafka-go's fetch.Response holds records as a protocol.RecordSet, which it decodes into
// records and re-encodes from records: it is only a decode target, filled from the kmsg
// bytes at v11 (see BenchmarkFetchResponse).

// ProduceRequest: one topic, one partition, the same batch.

func produceRequestKio(batch []byte) *produce.ProduceRequest {
	return &produce.ProduceRequest{
		Acks:      -1,
		TimeoutMs: 30000,
		TopicData: []produce.TopicProduceData{{
			Name:          common.TopicName(topicName(0)),
			PartitionData: []produce.PartitionProduceData{{Index: 0, Records: batch}},
		}},
	}
}

func produceRequestKmsg(batch []byte) *kmsg.ProduceRequest {
	return &kmsg.ProduceRequest{
		Version:       produceVersion,
		Acks:          -1,
		TimeoutMillis: 30000,
		Topics: []kmsg.ProduceRequestTopic{{
			Topic:      topicName(0),
			Partitions: []kmsg.ProduceRequestTopicPartition{{Partition: 0, Records: batch}},
		}},
	}
}

// kafka-go's produce.Request is likewise only a decode target; encoding uses
// rawproduce.Request, the one kafka-go message that carries records as bytes (see
// BenchmarkProduceRequest).

// castagnoli is the CRC-32C table record batches are checksummed with.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)
