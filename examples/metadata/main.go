// Command metadata asks a Kafka broker for its cluster metadata with kio/client: it
// connects (TLS and SASL if asked), negotiates versions, sends one MetadataRequest and
// prints the decoded MetadataResponse.
//
// Without -broker it starts an in-process broker (franz-go's kfake) with two topics, so
// it runs anywhere:
//
//	go run ./examples/metadata
//	go run ./examples/metadata -version 0 -topics orders
//	go run ./examples/metadata -broker localhost:9092
//	go run ./examples/metadata -broker localhost:9094 -tls -tls-ca ca.pem \
//		-sasl-mechanism SCRAM-SHA-512 -user alice -password alice-secret
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

func main() {
	broker := flag.String("broker", "", "host:port of a Kafka broker; empty starts an in-process kfake cluster")
	version := flag.Int("version", -1, "Metadata API version to send; -1 for the newest the broker and kio share")
	topics := flag.String("topics", "", "comma-separated topics to describe; empty asks for every topic")
	mechanism := flag.String("sasl-mechanism", "", "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; empty for none")
	user := flag.String("user", "", "SASL user name")
	password := flag.String("password", "", "SASL password")
	useTLS := flag.Bool("tls", false, "connect with TLS")
	caFile := flag.String("tls-ca", "", "PEM file of the CA certificates to trust (with -tls); empty for the system's")
	insecure := flag.Bool("tls-insecure", false, "do not verify the broker's certificate (with -tls)")
	flag.Parse()

	d, err := dialer(*mechanism, *user, *password, *useTLS, *caFile, *insecure)
	if err == nil {
		var names []string
		if *topics != "" {
			names = strings.Split(*topics, ",")
		}
		err = serve(d, *broker, *version, names)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "metadata:", err)
		os.Exit(1)
	}
}

// dialer makes the client options the flags ask for.
func dialer(mechanism, user, password string, useTLS bool, caFile string, insecure bool) (*client.Dialer, error) {
	d := &client.Dialer{ClientID: "kio-example", Timeout: 10 * time.Second}
	if mechanism != "" {
		m, err := sasl.ByName(mechanism, user, password)
		if err != nil {
			return nil, err
		}
		d.SASL = m
	}
	if !useTLS {
		if caFile != "" || insecure {
			return nil, errors.New("-tls-ca and -tls-insecure need -tls")
		}
		return d, nil
	}
	d.TLS = &tls.Config{InsecureSkipVerify: insecure}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		d.TLS.RootCAs = x509.NewCertPool()
		if !d.TLS.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate", caFile)
		}
	}
	return d, nil
}

// serve runs the example against broker, or against a fresh kfake cluster when broker
// is empty.
func serve(d *client.Dialer, broker string, version int, topics []string) error {
	if version < -1 || version > math.MaxInt16 {
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
	return run(os.Stdout, d, broker, int16(version), topics)
}

// run sends a MetadataRequest (at version, or negotiated for -1) to the broker at addr,
// for the given topics or for every topic when there are none, and prints the answer.
func run(w io.Writer, d *client.Dialer, addr string, version int16, topics []string) error {
	if api, _ := schema.Lookup(metadata.APIKey); version >= 0 && !api.Versions.Contains(version) {
		return fmt.Errorf("%v has versions %v, not %d", api, api.Versions, version)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := d.Dial(ctx, addr)
	if err != nil {
		return err
	}
	defer conn.Close()

	// Spec defaults (AllowAutoTopicCreation true, ...). The spec's default topic list
	// is empty (no topic); nil (null) asks for every topic. v0 has no null list and
	// sends it empty, which Kafka also reads as every topic (kfake answers no topics).
	body := serial.Default[metadata.MetadataRequest]()
	body.Topics = nil
	for _, t := range topics {
		name := common.TopicName(t)
		body.Topics = append(body.Topics, metadata.MetadataRequestTopic{Name: &name})
	}
	if version < 0 {
		version, _ = conn.Version(metadata.APIKey)
	}
	resp, err := conn.CallVersion(ctx, &body, version)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Metadata v%d from %s\n\n", version, addr)
	return printMetadata(w, resp.(*metadata.MetadataResponse))
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
