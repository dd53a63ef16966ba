package main

import (
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/schema/responseheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// TestDecodeSpeedAgainstTshark (KIO_BENCH_TSHARK=1; BENCHMARKS.md): the same capture of
// produce, fetch and metadata traffic at versions tshark 4.0 dissects (Produce v8,
// Fetch v11, Metadata v9, so it does its whole work) read by kio decode and by
// `tshark -T json`, both writing to /dev/null, rounds interleaved; MB/s of capture
// and the ratio. kio runs twice: Kafka's form (records as their size) and -records
// (every batch and record decoded, as tshark dissects them).
func TestDecodeSpeedAgainstTshark(t *testing.T) {
	if os.Getenv("KIO_BENCH_TSHARK") != "1" {
		t.Skip("a benchmark against tshark: KIO_BENCH_TSHARK=1 runs it")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed")
	}
	mb := 32
	if n, err := strconv.Atoi(os.Getenv("KIO_BENCH_TSHARK_MB")); err == nil && n > 0 {
		mb = n
	}
	pcap := filepath.Join(t.TempDir(), "traffic.pcap")
	f, err := os.Create(pcap)
	if err != nil {
		t.Fatal(err)
	}
	frames := writeTraffic(t, f, int64(mb)<<20)
	f.Close()
	st, _ := os.Stat(pcap)
	size := float64(st.Size()) / 1e6
	devnull, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	defer devnull.Close()
	timeKio := func(args ...string) time.Duration {
		in, _ := os.Open(pcap)
		defer in.Close()
		start := time.Now()
		if err := runDecode(args, in, devnull, io.Discard); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	timeTshark := func() time.Duration {
		start := time.Now()
		cmd := exec.Command("tshark", "-r", pcap, "-T", "json", "-d", "tcp.port==9092,kafka")
		cmd.Stdout = devnull
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	var kio, kioRecords, tshark []time.Duration
	for range 3 {
		kio = append(kio, timeKio())
		kioRecords = append(kioRecords, timeKio("-records"))
		tshark = append(tshark, timeTshark())
	}
	med := func(d []time.Duration) time.Duration {
		s := append([]time.Duration(nil), d...)
		for i := range s {
			for j := i + 1; j < len(s); j++ {
				if s[j] < s[i] {
					s[i], s[j] = s[j], s[i]
				}
			}
		}
		return s[len(s)/2]
	}
	rate := func(d time.Duration) float64 { return size / d.Seconds() }
	t.Logf("capture: %.1f MB, %d frames; medians of 3 interleaved rounds: kio decode %v (%.0f MB/s), kio decode -records %v (%.0f MB/s), tshark -T json %v (%.1f MB/s); kio/tshark rate: %.0fx, with -records %.0fx",
		size, frames, med(kio), rate(med(kio)), med(kioRecords), rate(med(kioRecords)), med(tshark), rate(med(tshark)),
		rate(med(kio))/rate(med(tshark)), rate(med(kioRecords))/rate(med(tshark)))
}

// writeTraffic writes a capture of about size bytes: producers sending batches of 50
// records of 200-byte values, consumers fetching them, clients asking for metadata.
func writeTraffic(t *testing.T, w io.Writer, size int64) int {
	r := rand.New(rand.NewSource(9))
	var cw countingBytes
	b := newPcap(io.MultiWriter(w, &cw), 65000)
	var conns []*tcpConn
	for i := range 4 {
		conns = append(conns, b.connect(endpoint{net.IPv4(10, 0, 0, byte(i+1)), uint16(41000 + i)}, endpoint{net.IPv4(10, 0, 1, 1), 9092}))
	}
	batch := func() []byte {
		recs := make([]records.Record, 50)
		for i := range recs {
			v := make([]byte, 200)
			for j := range v {
				v[j] = 'a' + byte(r.Intn(26))
			}
			recs[i] = records.Record{Timestamp: 1_735_689_600_000 + int64(i), Key: []byte(fmt.Sprint("key-", i)), Value: v}
		}
		raw, err := records.AppendBatch(nil, records.NewBatch(recs...))
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	id := "bench-client"
	frames := 0
	send := func(c *tcpConn, key, version int16, corr int32, req, resp any) {
		api, _ := schema.Lookup(key)
		hdr, _ := serial.Marshal(&requestheader.RequestHeader{RequestApiKey: key, RequestApiVersion: version, CorrelationId: corr, ClientId: &id}, api.RequestHeaderVersion(version))
		rh, _ := serial.Marshal(&responseheader.ResponseHeader{CorrelationId: corr}, api.ResponseHeaderVersion(version))
		c.send(true, frameOf(hdr, mustMarshal(t, req, version)))
		c.send(false, frameOf(rh, mustMarshal(t, resp, version)))
		frames += 2
	}
	for i := int32(0); cw.n < size; i++ {
		c := conns[int(i)%len(conns)]
		topic := fmt.Sprintf("orders-%d", i%8)
		switch i % 4 {
		case 0, 1: // produce
			req := serial.Default[produce.ProduceRequest]()
			req.Acks, req.TimeoutMs = -1, 30000
			req.TopicData = []produce.TopicProduceData{{Name: common.TopicName(topic), PartitionData: []produce.PartitionProduceData{{Index: i % 3, Records: batch()}, {Index: (i + 1) % 3, Records: batch()}}}}
			resp := serial.Default[produce.ProduceResponse]()
			resp.Responses = []produce.TopicProduceResponse{{Name: common.TopicName(topic), PartitionResponses: []produce.PartitionProduceResponse{{Index: i % 3, BaseOffset: int64(i) * 50}, {Index: (i + 1) % 3, BaseOffset: int64(i) * 50}}}}
			send(c, 0, 8, i, &req, &resp)
		case 2: // fetch
			req := serial.Default[fetch.FetchRequest]()
			req.ReplicaId, req.MaxWaitMs, req.MinBytes, req.MaxBytes = -1, 500, 1, 52428800
			req.Topics = []fetch.FetchTopic{{Topic: common.TopicName(topic), Partitions: []fetch.FetchPartition{{Partition: 0, FetchOffset: int64(i), PartitionMaxBytes: 1048576}}}}
			resp := serial.Default[fetch.FetchResponse]()
			resp.Responses = []fetch.FetchableTopicResponse{{Topic: common.TopicName(topic), Partitions: []fetch.PartitionData{{PartitionIndex: 0, HighWatermark: int64(i) * 100, Records: append(batch(), batch()...)}}}}
			send(c, 1, 11, i, &req, &resp)
		default: // metadata
			req := serial.Default[metadata.MetadataRequest]()
			name := common.TopicName(topic)
			req.Topics = []metadata.MetadataRequestTopic{{Name: &name}}
			resp := serial.Default[metadata.MetadataResponse]()
			host := "broker-1"
			resp.Brokers = []metadata.MetadataResponseBroker{{NodeId: 1, Host: host, Port: 9092}}
			resp.Topics = []metadata.MetadataResponseTopic{{Name: &name, Partitions: []metadata.MetadataResponsePartition{{PartitionIndex: 0, LeaderId: 1, ReplicaNodes: []common.BrokerId{1}, IsrNodes: []common.BrokerId{1}}}}}
			send(c, 3, 9, i, &req, &resp)
		}
	}
	return frames
}

type countingBytes struct{ n int64 }

func (c *countingBytes) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
