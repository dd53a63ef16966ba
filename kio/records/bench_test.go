package records

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// benchBatch is 1,024 records of 1 KiB values (JSON-like text with random fields, so
// codecs compress it a few times, not a thousand) and 16-byte keys.
func benchBatch(codec Compression) (*Batch, []byte) {
	rng := rand.New(rand.NewSource(7))
	recs := make([]Record, 1024)
	for i := range recs {
		v := make([]byte, 0, 1024)
		for len(v) < 1024 {
			v = fmt.Appendf(v, `{"id":%d,"user":"u%05d","score":%d,"ok":%t},`, rng.Int63(), rng.Intn(100000), rng.Intn(1000), rng.Intn(2) == 0)
		}
		recs[i] = Record{Timestamp: 1700000000000 + int64(i), Key: fmt.Appendf(nil, "key-%012d", i), Value: v[:1024]}
	}
	b := NewBatch(recs...)
	b.Compression = codec
	enc, err := AppendBatch(nil, b)
	if err != nil {
		panic(err)
	}
	return b, enc
}

// benchCodecs runs op as a sub-benchmark per codec, on benchBatch's batch compressed
// with it and its encoding, counting 1 MiB and the allocations per operation.
func benchCodecs(b *testing.B, op func(b *testing.B, batch *Batch, enc []byte)) {
	for _, codec := range allCodecs {
		batch, enc := benchBatch(codec)
		b.Run(codec.String(), func(b *testing.B) {
			b.SetBytes(1024 * 1024)
			b.ReportAllocs()
			op(b, batch, enc)
		})
	}
}

// BenchmarkDecode decodes one batch of 1,024 × 1 KiB records into a reused Batch.
func BenchmarkDecode(b *testing.B) {
	benchCodecs(b, func(b *testing.B, _ *Batch, enc []byte) {
		var batch Batch
		for b.Loop() {
			if _, err := DecodeBatch(enc, &batch); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncode appends one batch of 1,024 × 1 KiB records to a reused buffer.
func BenchmarkEncode(b *testing.B) {
	benchCodecs(b, func(b *testing.B, batch *Batch, enc []byte) {
		buf := make([]byte, 0, 2*len(enc))
		for b.Loop() {
			var err error
			if buf, err = AppendBatch(buf[:0], batch); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// serialRecord and serialHeader describe the magic 2 record layout with kafka tags, for
// comparing kio/serial with the hand-written parseRecords. The format's varint-counted
// header array has no tag form, so the header count is a plain field and headers are
// decoded one by one.
type serialRecord struct {
	_              struct{} `kafka:"data"`
	Length         int32    `kafka:"type=varint"`
	Attributes     int8
	TimestampDelta int64  `kafka:"type=varlong"`
	OffsetDelta    int32  `kafka:"type=varint"`
	Key            []byte `kafka:"type=varbytes,nullable=0+"`
	Value          []byte `kafka:"type=varbytes,nullable=0+"`
	HeaderCount    int32  `kafka:"type=varint"`
}

type serialHeader struct {
	_     struct{} `kafka:"data"`
	Key   string   `kafka:"type=varstring"`
	Value []byte   `kafka:"type=varbytes,nullable=0+"`
}

func decodeRecordsSerial(body []byte, count int, b *Batch) error {
	if cap(b.Records) < count {
		b.Records = make([]Record, count)
	}
	b.Records = b.Records[:count]
	var sr serialRecord
	p := 0
	for i := range b.Records {
		n, err := serial.UnmarshalPrefix(body[p:], &sr, 0)
		if err != nil {
			return err
		}
		p += n
		r := &b.Records[i]
		*r = Record{Offset: b.BaseOffset + int64(sr.OffsetDelta), Timestamp: b.BaseTimestamp + sr.TimestampDelta,
			Key: sr.Key, Value: sr.Value, Attributes: sr.Attributes}
		for h := int32(0); h < sr.HeaderCount; h++ {
			var sh serialHeader
			n, err := serial.UnmarshalPrefix(body[p:], &sh, 0)
			if err != nil {
				return err
			}
			p += n
			r.Headers = append(r.Headers, Header{Key: sh.Key, Value: sh.Value})
		}
	}
	return nil
}

// BenchmarkRecordsHandVsSerial parses the records of an uncompressed 1,024 × 1 KiB
// batch, by hand (parseRecords) and through kio/serial with the tagged structs above.
func BenchmarkRecordsHandVsSerial(b *testing.B) {
	_, enc := benchBatch(CompressionNone)
	body := enc[v2HeaderSize:]
	b.Run("hand", func(b *testing.B) {
		b.SetBytes(1024 * 1024)
		b.ReportAllocs()
		var batch Batch
		for b.Loop() {
			if err := parseRecords(body, 1024, false, &batch); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("serial", func(b *testing.B) {
		b.SetBytes(1024 * 1024)
		b.ReportAllocs()
		var batch Batch
		for b.Loop() {
			if err := decodeRecordsSerial(body, 1024, &batch); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkKmsgUncompressed is a reference point: franz-go's kmsg parsing the same
// uncompressed batch (batch header, then each record).
func BenchmarkKmsgUncompressed(b *testing.B) {
	_, enc := benchBatch(CompressionNone)
	b.SetBytes(1024 * 1024)
	b.ReportAllocs()
	recs := make([]kmsg.Record, 1024)
	for b.Loop() {
		var rb kmsg.RecordBatch
		if err := rb.ReadFrom(enc); err != nil {
			b.Fatal(err)
		}
		src := rb.Records
		for i := range recs {
			l, n := binary.Varint(src)
			if err := recs[i].ReadFrom(src[:n+int(l)]); err != nil {
				b.Fatal(err)
			}
			src = src[n+int(l):]
		}
	}
}

// BenchmarkDecodeHeaders decodes 1,024 small records with three headers each: one
// []Header and one key string per batch, whatever the header count.
func BenchmarkDecodeHeaders(b *testing.B) {
	recs := make([]Record, 1024)
	for i := range recs {
		recs[i] = Record{Timestamp: int64(i), Value: []byte("v"), Headers: []Header{
			{Key: "traceparent", Value: []byte("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")},
			{Key: "content-type", Value: []byte("application/json")},
			{Key: "retry", Value: nil},
		}}
	}
	enc, err := AppendBatch(nil, NewBatch(recs...))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	var batch Batch
	for b.Loop() {
		if _, err := DecodeBatch(enc, &batch); err != nil {
			b.Fatal(err)
		}
	}
}
