package main

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/internal/testenv"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// startBroker serves the fake broker on loopback.
func startBroker(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &server.Server{Handler: newBroker(ln.Addr().String())}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// testKgoProduceConsume: franz-go's client produces (idempotently, its default) and
// consumes back through the fake broker.
func testKgoProduceConsume(t *testing.T) {
	addr := startBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("greetings"),
		kgo.ConsumeTopics("greetings"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var want []string
	for i := range 3 { // three produce requests, so three batches with offsets assigned
		for j := range 5 {
			v := fmt.Sprintf("record %d.%d", i, j)
			want = append(want, v)
			cl.Produce(ctx, &kgo.Record{Value: []byte(v)}, nil)
		}
		if err := cl.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	var offsets []int64
	for len(got) < len(want) {
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			got = append(got, string(r.Value))
			offsets = append(offsets, r.Offset)
		})
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("consumed %v, want %v", got, want)
	}
	for i, o := range offsets {
		if o != int64(i) {
			t.Fatalf("offsets %v, want 0..%d", offsets, len(want)-1)
		}
	}
}

// testKcat: kcat (librdkafka) lists, produces and consumes.
func testKcat(t *testing.T) {
	testenv.RequireTools(t, "kcat")
	kcat, _ := exec.LookPath("kcat")
	addr := startBroker(t)
	run := func(stdin string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, kcat, append([]string{"-b", addr}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kcat %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("one\ntwo\nthree\n", "-P", "-t", "lines")
	run("four\n", "-P", "-t", "lines")
	if out := run("", "-L"); !strings.Contains(out, `topic "lines" with 1 partitions`) || !strings.Contains(out, "1 brokers") {
		t.Errorf("kcat -L:\n%s", out)
	}
	out := run("", "-C", "-t", "lines", "-e", "-f", "%o:%s\n")
	if want := "0:one\n1:two\n2:three\n3:four\n"; !strings.Contains(out, want) {
		t.Errorf("kcat -C:\n%s\nwant %q", out, want)
	}
}

// TestRealClients runs franz-go's kgo and librdkafka's kcat against the fake broker, with
// and without SASL, and a kgo consumer through an error code, and reports one line.
func TestRealClients(t *testing.T) {
	t.Run("kgo", testKgoProduceConsume)
	t.Run("kgo-offset-out-of-range", testKgoOutOfRange)
	t.Run("kgo-KIP-511", testKgoKIP511)
	t.Run("kgo-SCRAM-SHA-512", testKgoSCRAM)
	t.Run("kcat", testKcat)
	t.Run("kcat-SCRAM-SHA-256", testKcatSCRAM)
	if _, err := exec.LookPath("kcat"); err == nil && !t.Failed() { // (the kcat subtests skip without it)
		testenv.Report(t, "fakebroker on kio/server: kgo produce+consume, SCRAM-SHA-512, KIP-511 retry, reset after OFFSET_OUT_OF_RANGE; kcat -L -P -C, SCRAM-SHA-256")
	}
}
