// Command metadata asks a Kafka broker for its cluster metadata using kio alone: a TCP
// connection, kio's framing (frame.Framer) and kio's generated structs. It sends one
// MetadataRequest and prints the decoded MetadataResponse.
//
// Without -broker it starts an in-process broker (franz-go's kfake) with two topics, so
// it runs anywhere:
//
//	go run ./examples/metadata
//	go run ./examples/metadata -version 0 -topics orders
//	go run ./examples/metadata -broker localhost:9092 -version 9
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

func main() {
	broker := flag.String("broker", "", "host:port of a Kafka broker; empty starts an in-process kfake cluster")
	version := flag.Int("version", 12, "Metadata API version to send")
	topics := flag.String("topics", "", "comma-separated topics to describe; empty asks for every topic")
	flag.Parse()

	var names []string
	if *topics != "" {
		names = strings.Split(*topics, ",")
	}
	if err := serve(*broker, *version, names); err != nil {
		fmt.Fprintln(os.Stderr, "metadata:", err)
		os.Exit(1)
	}
}

// serve runs the example against broker, or against a fresh kfake cluster when broker
// is empty.
func serve(broker string, version int, topics []string) error {
	if version < 0 || version > math.MaxInt16 {
		return fmt.Errorf("version %d out of range", version)
	}
	if broker == "" {
		cluster, err := kfake.NewCluster(
			kfake.NumBrokers(3),
			kfake.SeedTopics(3, "orders"),
			kfake.SeedTopics(1, "payments"),
		)
		if err != nil {
			return err
		}
		defer cluster.Close()
		broker = cluster.ListenAddrs()[0]
	}
	return run(os.Stdout, broker, int16(version), topics)
}

// run sends a MetadataRequest at version to the broker at addr, for the given topics or
// for every topic when there are none, and prints the response to w.
func run(w io.Writer, addr string, version int16, topics []string) error {
	api, _ := schema.Lookup(metadata.APIKey)
	if !api.Versions.Contains(version) {
		return fmt.Errorf("%v has versions %v, not %d", api, api.Versions, version)
	}

	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}

	// Spec defaults (AllowAutoTopicCreation true, ...). The spec's default topic list
	// is empty (no topic); nil (null) asks for every topic. v0 has no null list and
	// sends it empty, which Kafka also reads as every topic (kfake answers no topics).
	body := serial.Default[metadata.MetadataRequest]()
	body.Topics = nil
	for _, t := range topics {
		name := common.TopicName(t)
		body.Topics = append(body.Topics, metadata.MetadataRequestTopic{Name: &name})
	}
	// The header names the body's API, this version, a correlation id and a client id.
	clientID := "kio-example"
	req, err := frame.NewRequest(&body, version, 1, &clientID)
	if err != nil {
		return err
	}
	var framer frame.Framer
	if err := framer.WriteRequest(conn, req); err != nil {
		return err
	}
	// A response frame carries only the correlation id: the reader names the API and
	// version of the request it answers.
	resp, err := framer.ReadResponse(conn, api.Key, version)
	if err != nil {
		return err
	}
	if resp.Header.CorrelationId != req.Header.CorrelationId {
		return fmt.Errorf("response to request %d, want %d", resp.Header.CorrelationId, req.Header.CorrelationId)
	}
	fmt.Fprintf(w, "Metadata v%d from %s\n\n", version, addr)
	return printMetadata(w, resp.Body.(*metadata.MetadataResponse))
}

// printMetadata writes the response as three tables: cluster, brokers, and topic partitions.
// Fields the version does not carry show their spec defaults (controller -1, no
// cluster id, zero topic ids).
func printMetadata(w io.Writer, m *metadata.MetadataResponse) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "CLUSTER\tCONTROLLER\n%s\t%d\n\n", orNull(m.ClusterId), m.ControllerId)

	fmt.Fprintln(tw, "BROKER\tHOST\tPORT\tRACK")
	slices.SortFunc(m.Brokers, func(a, b metadata.MetadataResponseBroker) int { return int(a.NodeId - b.NodeId) })
	for _, b := range m.Brokers {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\n", b.NodeId, b.Host, b.Port, orNull(b.Rack))
	}

	fmt.Fprintln(tw, "\nTOPIC\tID\tPARTITION\tLEADER\tEPOCH\tREPLICAS\tISR\tERROR")
	slices.SortFunc(m.Topics, func(a, b metadata.MetadataResponseTopic) int {
		return strings.Compare(string(orNull(a.Name)), string(orNull(b.Name)))
	})
	for _, t := range m.Topics {
		name := orNull(t.Name)
		if t.IsInternal {
			name += " (internal)"
		}
		if len(t.Partitions) == 0 {
			fmt.Fprintf(tw, "%s\t%v\t-\t-\t-\t-\t-\t%s\n", name, t.TopicId, t.ErrorCode.String())
		}
		slices.SortFunc(t.Partitions, func(a, b metadata.MetadataResponsePartition) int { return int(a.PartitionIndex - b.PartitionIndex) })
		for _, p := range t.Partitions {
			fmt.Fprintf(tw, "%s\t%v\t%d\t%d\t%d\t%v\t%v\t%s\n",
				name, t.TopicId, p.PartitionIndex, p.LeaderId, p.LeaderEpoch, p.ReplicaNodes, p.IsrNodes, p.ErrorCode.String())
		}
	}
	return tw.Flush()
}

// orNull returns *s, or "null" for a null string.
func orNull[S ~string](s *S) S {
	if s == nil {
		return "null"
	}
	return *s
}
