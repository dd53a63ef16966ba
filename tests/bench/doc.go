// Package bench compares kio's codec with two anchors on the same messages: franz-go's
// generated kmsg package (v1.15.0) and segmentio/kafka-go's reflective protocol package.
// Everything lives in the _test.go files of this directory; the report command in
// ./report runs the benchmarks and prints a Markdown table pairing them:
//
//	go run ./tests/bench/report
//
// Benchmarks: MetadataResponse v12 (3 brokers, 50 topics of 10 partitions), MetadataRequest
// v12 (50 topics), HeartbeatRequest v4, FetchResponse v16 and ProduceRequest v9 carrying a
// 1 MiB batch (encode into a reused buffer, encode into a fresh one, decode); record
// batches of 1,024 records of 1 KiB, uncompressed, LZ4 and zstd (build and encode,
// decode); and whole response frames read from a net.Pipe through a bufio.Reader.
// kafka-go runs at its highest versions (Metadata v8, Heartbeat v3, Fetch v11, Produce
// v8); the comments on each benchmark say what each implementation's row measures.
//
// Benchmark names are Benchmark<Subject>/<operation>/<implementation>, with the
// implementation one of kio, kmsg and kafkago, so the report can line them up.
// TestFixturesIdentical checks that kio and kmsg encode every fixture to the same bytes,
// so both sides of a comparison do the same work.
//
// The cross-language benchmark adds the Rust crates kafka-protocol and crabka-protocol
// (./rust, a cargo project) and Kafka's Java classes under JMH (./jmh, a Maven project)
// over the same fixture bytes, which TestExportFixtures writes as files
// (<Message>.key<API key>.v<version>.bin); the "copy" rows of the 1 MiB messages
// measure one copy of their bytes, the limit of an encode:
//
//	go run ./tests/bench/report -xlang
package bench
