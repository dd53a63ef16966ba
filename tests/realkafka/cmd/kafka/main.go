// Command kafka starts a real Apache Kafka node (KRaft, broker and controller in one JVM)
// on 127.0.0.1 for trying kio against it, prints its addresses and runs until Ctrl-C,
// then stops it and removes its directory. Java 17 and Maven are needed; the jars come
// from Maven Central on first use.
//
//	go run ./tests/realkafka/cmd/kafka -version 4.4.0
//	go run ./examples/metadata -broker 127.0.0.1:PORT
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kio-go/kafka-protocol/tests/kafkadist"
	"github.com/kio-go/kafka-protocol/tests/realkafka"
)

func main() {
	version := flag.String("version", kafkadist.Kafka4, fmt.Sprintf("Kafka release, one of %v", kafkadist.Releases))
	flag.Parse()
	if err := run(*version); err != nil {
		fmt.Fprintln(os.Stderr, "kafka:", err)
		os.Exit(1)
	}
}

func run(version string) error {
	fmt.Fprintf(os.Stderr, "building the Kafka %s classpath (tests/java/broker)...\n", version)
	cp, err := kafkadist.BuildClasspath("broker", version)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "kio-kafka-"+version+"-")
	if err != nil {
		return err
	}
	b, err := realkafka.StartNode(cp, version, dir)
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	fmt.Printf("Kafka %s (cluster id %s, node %d) is up; Ctrl-C stops it\n", b.Version, b.ClusterID, b.NodeID)
	fmt.Printf("bootstrap (PLAINTEXT):      %s\n", b.Plaintext)
	fmt.Printf("SASL_PLAINTEXT:             %s  (user %s, password %s; PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)\n", b.SASL, realkafka.AdminUser, realkafka.AdminPassword)
	fmt.Printf("SSL:                        %s  (self-signed test certificate below)\n", b.SSL)
	fmt.Printf("controller:                 %s\n", b.Controller)
	fmt.Printf("log:                        %s\n", b.LogFile)
	fmt.Printf("try: go run ./examples/metadata -broker %s\n", b.Plaintext)
	fmt.Printf("%s", b.Cert.CertPEM)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case s := <-sig:
		fmt.Fprintf(os.Stderr, "%v: stopping Kafka %s\n", s, version)
	case <-b.Done():
		fmt.Fprintf(os.Stderr, "Kafka %s exited on its own; its log was %s\n", version, b.LogFile)
	}
	return b.Stop()
}
