package bench

import (
	"bytes"
	"runtime"
	"testing"

	kgprotocol "github.com/segmentio/kafka-go/protocol"

	"github.com/kio-go/kafka-protocol/kio/records"
)

// Record batch benchmarks: 1,024 records of 1 KiB, uncompressed, LZ4 and zstd.
//
//	decode-<codec>  decode one batch into a fresh set of records: header, CRC-32C check,
//	                decompression, every record (kio records.DecodeBatch, the kmsg harness
//	                of batch_anchors_test.go, kafka-go RecordSet.ReadFrom plus walking
//	                its records). All read the same bytes, written by the kmsg harness.
//	encode-<codec>  build the records from the fixture data and write one batch into a
//	                reused buffer (kio records.NewBatch + AppendBatch, the kmsg harness,
//	                kafka-go RecordSet.WriteTo). kio and kmsg reuse their record slices;
//	                kafka-go's records hold key and value as protocol.Bytes, one
//	                allocation each, which is inherent to its API.
//
// SetBytes is the uncompressed batch size throughout, so MB/s compares record throughput.
// kafka-go compresses with its own settings; kio and the kmsg harness with the same ones.

var benchCodecs = []struct {
	name  string
	codec int16
	kio   records.Compression
}{
	{"none", codecNone, records.CompressionNone},
	{"lz4", codecLZ4, records.CompressionLZ4},
	{"zstd", codecZstd, records.CompressionZstd},
}

// benchBatch runs step untimed first, so that the buffers, pools and codec state each
// implementation keeps between batches exist: kio creates its compressors on first use
// (its zstd encoder holds GOMAXPROCS states, taken in turn, each allocating a ~16 MiB
// history on first use), the kmsg harness up front. Then it measures step.
func benchBatch(b *testing.B, size int64, step func() error) {
	for range runtime.GOMAXPROCS(0) + 1 {
		if err := step(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if err := step(); err != nil {
			b.Fatal(err)
		}
	}
}

// kioBuild fills dst with the fixture records as kio records.
func kioBuild(dst []records.Record, recs []benchRecord) []records.Record {
	dst = dst[:0]
	for _, r := range recs {
		dst = append(dst, records.Record{Timestamp: r.Timestamp, Key: r.Key, Value: r.Value})
	}
	return dst
}

func BenchmarkRecordBatch(b *testing.B) {
	f := fixtures()
	size := int64(len(f.batch[codecNone]))
	for _, c := range benchCodecs {
		data := f.batch[c.codec]
		b.Run("decode-"+c.name+"/kio", func(b *testing.B) {
			benchBatch(b, size, func() error {
				var batch records.Batch
				_, err := records.DecodeBatch(data, &batch)
				sink = batch.Records
				return err
			})
		})
		b.Run("decode-"+c.name+"/kmsg", func(b *testing.B) {
			h := newKmsgBatchCodec()
			benchBatch(b, size, func() error {
				_, recs, err := h.decodeBatch(data)
				sink = recs
				return err
			})
		})
		b.Run("decode-"+c.name+"/kafkago", func(b *testing.B) {
			prefixed := sizePrefixed(data)
			benchBatch(b, size, func() error {
				_, err := kafkaGoReadBatch(prefixed)
				return err
			})
		})
	}
	for _, c := range benchCodecs {
		b.Run("encode-"+c.name+"/kio", func(b *testing.B) {
			var recs []records.Record
			var buf []byte
			benchBatch(b, size, func() error {
				recs = kioBuild(recs, f.records)
				batch := records.NewBatch(recs...)
				batch.Compression = c.kio
				var err error
				buf, err = records.AppendBatch(buf[:0], batch)
				return err
			})
		})
		b.Run("encode-"+c.name+"/kmsg", func(b *testing.B) {
			h := newKmsgBatchCodec()
			first, last := f.records[0].Timestamp, f.records[len(f.records)-1].Timestamp
			var buf []byte
			benchBatch(b, size, func() error {
				var err error
				buf, err = h.appendBatch(buf[:0], h.build(f.records), first, last, c.codec)
				return err
			})
		})
		b.Run("encode-"+c.name+"/kafkago", func(b *testing.B) {
			var buf bytes.Buffer
			benchBatch(b, size, func() error {
				buf.Reset()
				return kafkaGoWriteBatch(&buf, kafkaGoBuild(f.records), c.codec)
			})
		})
	}
}

// TestKioBatches checks kio/records against the fixture batches: it writes the
// uncompressed batch byte for byte as the kmsg harness does, reads every fixture batch
// back to the fixture records, and its compressed batches read back through both anchors.
func TestKioBatches(t *testing.T) {
	f := fixtures()
	for _, c := range benchCodecs {
		t.Run(c.name, func(t *testing.T) {
			batch := records.NewBatch(kioBuild(nil, f.records)...)
			batch.Compression = c.kio
			written, err := records.AppendBatch(nil, batch)
			if err != nil {
				t.Fatal(err)
			}
			if c.codec == codecNone {
				assertSameBytes(t, written, f.batch[codecNone])
			}
			for _, data := range [][]byte{f.batch[c.codec], written} {
				var got records.Batch
				n, err := records.DecodeBatch(data, &got)
				if err != nil {
					t.Fatal(err)
				}
				if n != len(data) || got.Compression != c.kio {
					t.Fatalf("kio read %d of %d bytes, codec %v", n, len(data), got.Compression)
				}
				assertKioRecords(t, got.Records, f.records)
			}
			_, recs, err := newKmsgBatchCodec().decodeBatch(written)
			if err != nil || len(recs) != len(f.records) {
				t.Fatalf("kmsg harness reading kio's batch: %v, %d records", err, len(recs))
			}
			var rs kgprotocol.RecordSet
			if _, err := rs.ReadFrom(bytes.NewBuffer(sizePrefixed(written))); err != nil {
				t.Fatal(err)
			}
			assertRecordSet(t, &rs, f.records)
		})
	}
}

func assertKioRecords(t *testing.T, got []records.Record, want []benchRecord) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("kio read %d records, want %d", len(got), len(want))
	}
	for i, r := range got {
		if r.Offset != int64(i) || r.Timestamp != want[i].Timestamp || !bytes.Equal(r.Key, want[i].Key) || !bytes.Equal(r.Value, want[i].Value) {
			t.Fatalf("kio: record %d differs", i)
		}
	}
}
