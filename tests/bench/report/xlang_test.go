package main

import (
	"bytes"
	"strings"
	"testing"
)

const jmhJSON = `[
 {"benchmark": "io.kio.xbench.CodecBench.decode", "params": {"fixture": "HeartbeatRequest"},
  "primaryMetric": {"score": 64.25, "scoreUnit": "ns/op"},
  "secondaryMetrics": {"gc.alloc.rate": {"score": 2051.5, "scoreUnit": "MB/sec"},
                       "gc.alloc.rate.norm": {"score": 376.004, "scoreUnit": "B/op"}}},
 {"benchmark": "io.kio.xbench.CopyBench.copy", "params": {"fixture": "FetchResponse"},
  "primaryMetric": {"score": 90000, "scoreUnit": "ns/op"}, "secondaryMetrics": {}}
]`

func TestJMHLines(t *testing.T) {
	got, err := jmhLines([]byte(jmhJSON))
	if err != nil {
		t.Fatal(err)
	}
	want := "BenchmarkHeartbeatRequest/decode/java\t1\t64.250 ns/op\t376 B/op\n" +
		"BenchmarkCopy/FetchResponse/java\t1\t90000.000 ns/op\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for _, bad := range []string{
		`[{"benchmark": "io.kio.xbench.CodecBench.other", "params": {"fixture": "X"}, "primaryMetric": {"score": 1, "scoreUnit": "ns/op"}}]`,
		`[{"benchmark": "io.kio.xbench.CodecBench.decode", "params": {}, "primaryMetric": {"score": 1, "scoreUnit": "ns/op"}}]`,
		`[{"benchmark": "io.kio.xbench.CodecBench.decode", "params": {"fixture": "X"}, "primaryMetric": {"score": 1, "scoreUnit": "us/op"}}]`,
		`{`,
	} {
		if _, err := jmhLines([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// xlangSample is a run of two rounds as the harnesses print it.
const xlangSample = `machine: 2 cores (nproc), Test CPU
note: Java (kafka-clients under JMH) skipped: -skip java
BenchmarkHeartbeatRequest/decode/kio-2     	1000	50.00 ns/op	0 B/op	0 allocs/op
BenchmarkHeartbeatRequest/decode/kmsg-2    	1000	100.0 ns/op	88 B/op	2 allocs/op
BenchmarkHeartbeatRequest/decode/kio-2     	1000	70.00 ns/op	0 B/op	0 allocs/op
BenchmarkHeartbeatRequest/decode/kmsg-2    	1000	120.0 ns/op	88 B/op	2 allocs/op
BenchmarkHeartbeatRequest/decode/kafka-protocol	1000	40.00 ns/op	10.0 MB/s	0 B/op	0 allocs/op
BenchmarkHeartbeatRequest/decode/kafka-protocol	1000	40.00 ns/op	10.0 MB/s	0 B/op	0 allocs/op
BenchmarkHeartbeatRequest/decode/crabka-borrowed	1000	30.00 ns/op	0 B/op	0 allocs/op
BenchmarkHeartbeatRequest/decode/java	1	64.250 ns/op	376 B/op
BenchmarkFetchResponse/decode/kio-2      	1000	300.0 ns/op	224 B/op	2 allocs/op
BenchmarkFetchResponse/decode/crabka	1000	100.0 ns/op	4000000 B/op	2055 allocs/op
BenchmarkFetchResponse/encode-fresh/kio-2	100	300000 ns/op	1073152 B/op	1 allocs/op
BenchmarkFetchResponse/encode-fresh/kmsg-2	100	200000 ns/op	1073528 B/op	12 allocs/op
BenchmarkFetchResponse/encode-fresh/copy-2	100	100000 ns/op	1073152 B/op	1 allocs/op
BenchmarkCopy/ProduceRequest/go-2	100	70000 ns/op	1073152 B/op	1 allocs/op
BenchmarkCopy/FetchResponse/rust	100	50000 ns/op	1070124 B/op	1 allocs/op
`

func TestXlangTable(t *testing.T) {
	x, err := parseXlang([]byte(xlangSample))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	printXlang(&out, x)
	table := out.String()
	for _, want := range []string{
		"Machine: 2 cores (nproc), Test CPU.",
		"- Java (kafka-clients under JMH) skipped: -skip java",
		// Medians (60 and 110), the borrowed variant in brackets, Java's time, kio
		// against kmsg and against the fastest (Rust, 40 ns; not the borrowed decode).
		"| HeartbeatRequest v4 decode | 60 | 110 | — | 40 | — (borrowed 30) | 64.25 | 0.55 | 1.50 (kafka-protocol) |  |",
		// crabka's Fetch decode parses the records: marked, and not the fastest.
		"| FetchResponse v16 (1 MiB of records) decode | 300 | — | — | — | 100 † | — | — | — |  |",
		// A fresh 1 MiB encode against Go's copy.
		"| FetchResponse v16 (1 MiB of records) encode, fresh buffer | 300,000 | 200,000 | — | — | — | — | 1.50 | 1.50 (kmsg) | 3.00 |",
		// The copy row: Go's copy in kio's column, Rust's in kafka-protocol's.
		"| FetchResponse v16 (1 MiB of records) copy of its bytes (Go, Rust, Java) | 100,000 |  |  | 50,000 |  | — |  |  |  |",
		// A run from before Go's copy was a row of BenchmarkProduceRequest.
		"| ProduceRequest v9 (1 MiB of records) copy of its bytes (Go, Rust, Java) | 70,000 |  |  | — |  | — |  |  |  |",
		// Memory: allocations / bytes; JMH counts no allocations, so Java's shows bytes.
		"| HeartbeatRequest v4 decode | 0 / 0 B | 2 / 88 B | — | 0 / 0 B | — (borrowed 0 / 0 B) | — / 376 B |",
		"| FetchResponse v16 (1 MiB of records) decode | 2 / 224 B | — | — | — | 2,055 / 4,000,000 B | — |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks\n%s\n\ntable:\n%s", want, table)
		}
	}
	// -best: each cell's fastest round (50 and 100), the ratios from those.
	x.best = true
	out.Reset()
	printXlang(&out, x)
	if want := "| HeartbeatRequest v4 decode | 50 | 100 | — | 40 | — (borrowed 30) | 64.25 | 0.50 | 1.25 (kafka-protocol) |  |"; !strings.Contains(out.String(), want) {
		t.Errorf("-best table lacks\n%s\n\ntable:\n%s", want, out.String())
	}
	if _, err := parseXlang([]byte("machine: only\n")); err == nil {
		t.Error("a run without results: no error")
	}
}

func TestBaseline(t *testing.T) {
	got := string(renameBaseline([]byte("goos: linux\n" +
		"BenchmarkHeartbeatRequest/decode/kio-2   \t1000\t80.00 ns/op\t0 B/op\t0 allocs/op\n" +
		"BenchmarkHeartbeatRequest/decode/kmsg-2  \t1000\t100.0 ns/op\t88 B/op\t2 allocs/op\n")))
	want := "BenchmarkHeartbeatRequest/decode/kio-baseline   \t1000\t80.00 ns/op\t0 B/op\t0 allocs/op\n"
	if got != want {
		t.Fatalf("renameBaseline: got %q, want %q", got, want)
	}
	x, err := parseXlang([]byte("baseline: 0ae57a9 tests/realkafka: one helper\n" + got +
		"BenchmarkHeartbeatRequest/decode/kio-2\t1000\t60.00 ns/op\t0 B/op\t0 allocs/op\n" +
		"BenchmarkHeartbeatRequest/decode/kmsg-2\t1000\t100.0 ns/op\t88 B/op\t2 allocs/op\n"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	printXlang(&out, x)
	for _, want := range []string{
		"| fixture, op | kio | kio before (0ae57a9) | kmsg (franz-go) |",
		// kio before is a column and the last ratio, never "the fastest".
		"| HeartbeatRequest v4 decode | 60 | 80 | 100 | — | — | — | — | 0.60 | 0.60 (kmsg) |  | 0.75 |",
		"| HeartbeatRequest v4 decode | 0 / 0 B | 0 / 0 B | 2 / 88 B |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks\n%s\n\ntable:\n%s", want, out.String())
		}
	}
}
