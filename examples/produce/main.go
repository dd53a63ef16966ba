// Command produce writes a few records to a topic and reads them back using kio alone:
// Metadata finds the partition's leader, Produce sends a record batch built with
// kio/records, and Fetch reads it back, each through kio/client at the newest version
// the broker and kio share.
//
// Without -broker it starts an in-process broker (franz-go's kfake) holding the topic:
//
//	go run ./examples/produce
//	go run ./examples/produce -broker localhost:9092 -topic greetings
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

func main() {
	broker := flag.String("broker", "", "host:port of a Kafka broker; empty starts an in-process kfake cluster")
	topic := flag.String("topic", "greetings", "topic to write to, partition 0; it must exist")
	flag.Parse()

	if err := serve(*broker, *topic); err != nil {
		fmt.Fprintln(os.Stderr, "produce:", err)
		os.Exit(1)
	}
}

// serve runs the example against broker, or against a fresh kfake cluster holding the
// topic when broker is empty.
func serve(broker, topic string) error {
	if broker == "" {
		cluster, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(1, topic))
		if err != nil {
			return err
		}
		defer cluster.Close()
		broker = cluster.ListenAddrs()[0]
	}
	return run(os.Stdout, broker, topic)
}

// run produces three records to partition 0 of topic and fetches them back, printing
// both sides to w.
func run(w io.Writer, addr, topic string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := client.Dialer{ClientID: "kio-example"}
	seed, err := d.Dial(ctx, addr)
	if err != nil {
		return err
	}
	defer seed.Close()

	// Metadata: the partition's leader, and the topic id Fetch v13+ asks by.
	mreq := serial.Default[metadata.MetadataRequest]()
	name := common.TopicName(topic)
	mreq.Topics = []metadata.MetadataRequestTopic{{Name: &name}}
	mreq.AllowAutoTopicCreation = false
	md, err := client.Call[metadata.MetadataResponse](ctx, seed, &mreq)
	if err != nil {
		return err
	}
	if len(md.Topics) != 1 {
		return fmt.Errorf("metadata for %s: %d topics answered", topic, len(md.Topics))
	}
	if err := md.Topics[0].ErrorCode.Err(); err != nil {
		return fmt.Errorf("metadata for %s: %w", topic, err)
	}
	t := md.Topics[0]
	leader := common.BrokerId(-1)
	for _, p := range t.Partitions {
		if p.PartitionIndex == 0 {
			leader = p.LeaderId
		}
	}
	var leaderAddr string
	for _, b := range md.Brokers {
		if b.NodeId == leader {
			leaderAddr = net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
		}
	}
	if leaderAddr == "" {
		return fmt.Errorf("no leader known for %s/0", topic)
	}
	c, err := d.Dial(ctx, leaderAddr)
	if err != nil {
		return err
	}
	defer c.Close()

	// Produce: one zstd-compressed batch of three records.
	now := time.Now().UnixMilli()
	batch := records.NewBatch(
		records.Record{Timestamp: now, Key: []byte("en"), Value: []byte("hello")},
		records.Record{Timestamp: now, Key: []byte("fr"), Value: []byte("bonjour")},
		records.Record{Timestamp: now, Key: []byte("ja"), Value: []byte("konnichiwa"),
			Headers: []records.Header{{Key: "script", Value: []byte("romaji")}}},
	)
	batch.Compression = records.CompressionZstd
	raw, err := records.AppendBatch(nil, batch)
	if err != nil {
		return err
	}
	preq := serial.Default[produce.ProduceRequest]()
	preq.Acks = -1 // all in-sync replicas
	preq.TimeoutMs = 5000
	preq.TopicData = []produce.TopicProduceData{{Name: name, TopicId: t.TopicId, PartitionData: []produce.PartitionProduceData{{Index: 0, Records: raw}}}}
	pr, err := client.Call[produce.ProduceResponse](ctx, c, &preq)
	if err != nil {
		return err
	}
	if len(pr.Responses) != 1 || len(pr.Responses[0].PartitionResponses) != 1 {
		return errors.New("produce: no answer for the partition")
	}
	part := pr.Responses[0].PartitionResponses[0]
	if err := part.ErrorCode.Err(); err != nil {
		return fmt.Errorf("produce: %w", err)
	}
	fmt.Fprintf(w, "produced %d records (%d bytes, %v) to %s/0 at offset %d on broker %d\n",
		len(batch.Records), len(raw), batch.Compression, topic, part.BaseOffset, leader)

	// Fetch from the produced offset; the spec defaults fill in the rest.
	fp := serial.Default[fetch.FetchPartition]()
	fp.FetchOffset = part.BaseOffset
	fp.PartitionMaxBytes = 1 << 20
	freq := serial.Default[fetch.FetchRequest]()
	freq.MaxWaitMs, freq.MinBytes = 500, 1
	freq.Topics = []fetch.FetchTopic{{Topic: name, TopicId: t.TopicId, Partitions: []fetch.FetchPartition{fp}}}
	fr, err := client.Call[fetch.FetchResponse](ctx, c, &freq)
	if err != nil {
		return err
	}
	if err := fr.ErrorCode.Err(); err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	if len(fr.Responses) != 1 || len(fr.Responses[0].Partitions) != 1 {
		return errors.New("fetch: no answer for the partition")
	}
	fetched := fr.Responses[0].Partitions[0]
	if err := fetched.ErrorCode.Err(); err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	fmt.Fprintf(w, "fetched %d bytes, high watermark %d:\n", len(fetched.Records), fetched.HighWatermark)
	scan := records.NewScanner(fetched.Records)
	for scan.Next() {
		for _, r := range scan.Batch().Records {
			fmt.Fprintf(w, "  offset %d  key %q  value %q", r.Offset, r.Key, r.Value)
			for _, h := range r.Headers {
				fmt.Fprintf(w, "  header %s=%q", h.Key, h.Value)
			}
			fmt.Fprintln(w)
		}
	}
	return scan.Err()
}
