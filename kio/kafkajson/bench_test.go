package kafkajson_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/kafkajson"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The fixture of tests/bench's MetadataResponse rows: 3 brokers, 50 topics of 10
// partitions with 3 replicas, built once for kio and once for kmsg from the same loops.
func metadataFixtures() (*metadata.MetadataResponse, *kmsg.MetadataResponse) {
	k := serial.Default[metadata.MetadataResponse]()
	m := kmsg.NewPtrMetadataResponse()
	m.Version = 12
	cluster := "kio-bench-cluster-Xy9Qw2"
	k.ClusterId, m.ClusterID = &cluster, &cluster
	k.ControllerId, m.ControllerID = 1, 1
	for b := int32(1); b <= 3; b++ {
		host, rack := fmt.Sprintf("broker-%d.kafka.internal", b), fmt.Sprintf("eu-west-1%c", 'a'+rune(b-1))
		k.Brokers = append(k.Brokers, metadata.MetadataResponseBroker{NodeId: common.BrokerId(b), Host: host, Port: 9092, Rack: &rack})
		mb := kmsg.NewMetadataResponseBroker()
		mb.NodeID, mb.Host, mb.Port, mb.Rack = b, host, 9092, &rack
		m.Brokers = append(m.Brokers, mb)
	}
	for t := range 50 {
		name := common.TopicName(fmt.Sprintf("orders.events.topic-%03d", t))
		sname := string(name)
		var id kio.UUID
		id[0], id[15] = byte(t), 1
		kt := metadata.MetadataResponseTopic{Name: &name, TopicId: id, TopicAuthorizedOperations: -2147483648}
		mt := kmsg.NewMetadataResponseTopic()
		mt.Topic, mt.TopicID = &sname, id
		for p := range 10 {
			leader := int32((t+p)%3 + 1)
			replicas := []int32{leader, leader%3 + 1, (leader+1)%3 + 1}
			kp := metadata.MetadataResponsePartition{PartitionIndex: int32(p), LeaderId: common.BrokerId(leader), LeaderEpoch: 7}
			for _, r := range replicas {
				kp.ReplicaNodes = append(kp.ReplicaNodes, common.BrokerId(r))
				kp.IsrNodes = append(kp.IsrNodes, common.BrokerId(r))
			}
			kp.OfflineReplicas = []common.BrokerId{}
			kt.Partitions = append(kt.Partitions, kp)
			mp := kmsg.NewMetadataResponseTopicPartition()
			mp.Partition, mp.Leader, mp.LeaderEpoch = int32(p), leader, 7
			mp.Replicas, mp.ISR, mp.OfflineReplicas = replicas, replicas, []int32{}
			mt.Partitions = append(mt.Partitions, mp)
		}
		k.Topics = append(k.Topics, kt)
		m.Topics = append(m.Topics, mt)
	}
	return &k, m
}

// BenchmarkMetadataResponseJSON: kio's JSON form of a MetadataResponse v12 against
// encoding/json marshalling kmsg's struct of the same message (BENCHMARKS.md).
func BenchmarkMetadataResponseJSON(b *testing.B) {
	k, m := metadataFixtures()
	b.Run("kafkajson-append", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			var err error
			var o kafkajson.Options
			if buf, err = o.Append(buf[:0], k, 12); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("kafkajson-marshal", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			out, err := kafkajson.Marshal(k, 12)
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.SetBytes(int64(n))
	})
	b.Run("encoding-json-kmsg", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			out, err := json.Marshal(m)
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.SetBytes(int64(n))
	})
}

// TestMetadataFixturesAgree: the two fixtures are one message (kmsg's bytes are kio's).
func TestMetadataFixturesAgree(t *testing.T) {
	k, m := metadataFixtures()
	kb, err := serial.Marshal(k, 12)
	if err != nil {
		t.Fatal(err)
	}
	if mb := m.AppendTo(nil); string(mb) != string(kb) {
		t.Fatalf("kio and kmsg fixtures differ:\n%x\n%x", kb, mb)
	}
}

// TestMetadataResponseJSONPaired (KIO_BENCH_JSON=1) times kio's JSON and encoding/json of
// kmsg's struct alternately, one call each in turn, so that a loaded machine slows both
// alike; it prints the ratio of the summed times (BENCHMARKS.md).
func TestMetadataResponseJSONPaired(t *testing.T) {
	if os.Getenv("KIO_BENCH_JSON") != "1" {
		t.Skip("a benchmark: KIO_BENCH_JSON=1 runs it")
	}
	k, m := metadataFixtures()
	var buf []byte
	var o kafkajson.Options
	var kioAppend, kioMarshal, std time.Duration
	var kioSize, stdSize int
	for range 3000 {
		start := time.Now()
		buf, _ = o.Append(buf[:0], k, 12)
		kioAppend += time.Since(start)
		start = time.Now()
		out, _ := kafkajson.Marshal(k, 12)
		kioMarshal += time.Since(start)
		kioSize = len(out)
		start = time.Now()
		out, _ = json.Marshal(m)
		std += time.Since(start)
		stdSize = len(out)
	}
	n := time.Duration(3000)
	t.Logf("MetadataResponse v12 (3 brokers, 50 topics x 10 partitions), 3000 calls each, alternating: kafkajson Append into a reused buffer %v/op, kafkajson.Marshal %v/op (%d bytes), encoding/json.Marshal of kmsg's struct %v/op (%d bytes); ratios %.2f and %.2f",
		kioAppend/n, kioMarshal/n, kioSize, std/n, stdSize, float64(kioAppend)/float64(std), float64(kioMarshal)/float64(std))
}
