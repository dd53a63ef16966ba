package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"

	kgprotocol "github.com/segmentio/kafka-go/protocol"
	kgfetch "github.com/segmentio/kafka-go/protocol/fetch"
	kgproduce "github.com/segmentio/kafka-go/protocol/produce"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema/responseheader"
)

// TestFixturesIdentical checks that the implementations benchmarked side by side handle
// the same bytes: kio's encoding of every fixture equals kmsg's, and where kafka-go can
// encode a fixture at its own version its bytes equal kmsg's at that version.
func TestFixturesIdentical(t *testing.T) {
	f := fixtures()
	kio := []struct {
		name    string
		value   any
		version int16
		kmsg    []byte
	}{
		{"MetadataResponse", f.metadataResponseKio, metadataVersion, f.metadataResponseWire},
		{"MetadataRequest", f.metadataRequestKio, metadataVersion, f.metadataRequestWire},
		{"HeartbeatRequest", f.heartbeatKio, heartbeatVersion, f.heartbeatWire},
		{"FetchResponse", f.fetchResponseKio, fetchVersion, f.fetchResponseWire},
		{"ProduceRequest", f.produceRequestKio, produceVersion, f.produceRequestWire},
	}
	for _, c := range kio {
		t.Run(c.name+"/kio", func(t *testing.T) {
			assertSameBytes(t, kioMarshal(t, c.value, c.version), c.kmsg)
		})
	}

	kafkaGo := []struct {
		name    string
		value   any
		version int16
		kmsg    []byte
	}{
		{"MetadataResponse", *f.metadataResponseKG, metadataVersionKafkaGo, f.metadataResponseWireKG},
		{"MetadataRequest", *f.metadataRequestKG, metadataVersionKafkaGo, f.metadataRequestWireKG},
		{"HeartbeatRequest", *f.heartbeatKG, heartbeatVersionKafkaGo, f.heartbeatWireKG},
		{"ProduceRequest", *rawProduceKafkaGo(bytes.NewReader(sizePrefixed(f.batch[codecNone]))), produceVersionKafkaGo, f.produceRequestWireKG},
	}
	for _, c := range kafkaGo {
		t.Run(c.name+"/kafkago", func(t *testing.T) {
			assertSameBytes(t, kafkaGoMarshal(t, c.value, c.version), c.kmsg)
		})
	}

	// kafka-go cannot write the Fetch fixture from bytes: check that it reads it whole.
	t.Run("FetchResponse/kafkago", func(t *testing.T) {
		var m kgfetch.Response
		if err := kgprotocol.Unmarshal(f.fetchResponseWireKG, fetchVersionKafkaGo, &m); err != nil {
			t.Fatal(err)
		}
		if len(m.Topics) != 1 || len(m.Topics[0].Partitions) != 1 {
			t.Fatalf("kafka-go read %d topics", len(m.Topics))
		}
		assertRecordSet(t, &m.Topics[0].Partitions[0].RecordSet, f.records)
	})
	t.Run("ProduceRequest/kafkago-decode", func(t *testing.T) {
		var m kgproduce.Request
		if err := kgprotocol.Unmarshal(f.produceRequestWireKG, produceVersionKafkaGo, &m); err != nil {
			t.Fatal(err)
		}
		if len(m.Topics) != 1 || len(m.Topics[0].Partitions) != 1 {
			t.Fatalf("kafka-go read %d topics", len(m.Topics))
		}
		assertRecordSet(t, &m.Topics[0].Partitions[0].RecordSet, f.records)
	})
}

// TestBatchFixtures checks the anchors' batch codecs against each other: kafka-go writes
// the uncompressed fixture batch byte for byte as the kmsg harness does, and every
// fixture batch (kmsg harness, each codec) decodes to the fixture records with both.
func TestBatchFixtures(t *testing.T) {
	f := fixtures()
	if n := len(f.batch[codecNone]); n < 1<<20 || n > 1<<20+1<<16 {
		t.Errorf("uncompressed batch is %d bytes, want about 1 MiB", n)
	}
	t.Run("kafkago-writes-same", func(t *testing.T) {
		var buf bytes.Buffer
		if err := kafkaGoWriteBatch(&buf, kafkaGoBuild(f.records), codecNone); err != nil {
			t.Fatal(err)
		}
		assertSameBytes(t, buf.Bytes(), sizePrefixed(f.batch[codecNone]))
	})
	for _, codec := range []int16{codecNone, codecLZ4, codecZstd} {
		t.Run(fmt.Sprintf("codec-%d", codec), func(t *testing.T) {
			batch := f.batch[codec]
			if codec != codecNone && len(batch) >= len(f.batch[codecNone])/2 {
				t.Errorf("compressed batch is %d bytes, uncompressed %d: fixture too random", len(batch), len(f.batch[codecNone]))
			}
			_, recs, err := newKmsgBatchCodec().decodeBatch(batch)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(f.records) {
				t.Fatalf("kmsg harness read %d records, want %d", len(recs), len(f.records))
			}
			for i, r := range recs {
				want := f.records[i]
				if int(r.OffsetDelta) != i || r.TimestampDelta64 != want.Timestamp-f.records[0].Timestamp ||
					!bytes.Equal(r.Key, want.Key) || !bytes.Equal(r.Value, want.Value) {
					t.Fatalf("kmsg harness: record %d differs", i)
				}
			}
			var rs kgprotocol.RecordSet
			if _, err := rs.ReadFrom(bytes.NewBuffer(sizePrefixed(batch))); err != nil {
				t.Fatal(err)
			}
			assertRecordSet(t, &rs, f.records)
		})
	}
}

// assertRecordSet checks that a kafka-go record set holds want.
func assertRecordSet(t *testing.T, rs *kgprotocol.RecordSet, want []benchRecord) {
	t.Helper()
	if rs.Records == nil {
		t.Fatal("kafka-go: no records")
	}
	for i := 0; ; i++ {
		r, err := rs.Records.ReadRecord()
		if i == len(want) {
			if err == nil {
				t.Fatalf("kafka-go: more than %d records", len(want))
			}
			return
		}
		if err != nil {
			t.Fatalf("kafka-go: record %d: %v", i, err)
		}
		key, _ := kgprotocol.ReadAll(r.Key)
		value, _ := kgprotocol.ReadAll(r.Value)
		if r.Offset != int64(i) || r.Time.UnixMilli() != want[i].Timestamp || !bytes.Equal(key, want[i].Key) || !bytes.Equal(value, want[i].Value) {
			t.Fatalf("kafka-go: record %d differs", i)
		}
	}
}

// assertSameBytes fails with the first differing offset.
func assertSameBytes(t *testing.T, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < min(len(got), len(want)) && got[i] == want[i] {
		i++
	}
	t.Fatalf("encodings differ at byte %d (lengths %d and %d): got % x..., want % x...",
		i, len(got), len(want), got[i:min(i+16, len(got))], want[i:min(i+16, len(want))])
}

// TestFrameFixtures checks the frames of BenchmarkReadResponseFrame: kio writes the
// kio/kmsg frames byte for byte, kafka-go writes its Metadata frame byte for byte, and
// each reader reads its frames.
func TestFrameFixtures(t *testing.T) {
	f, frames := fixtures(), newFrameFixtures()
	var framer frame.Framer
	kioFrames := []struct {
		name    string
		key     int16
		version int16
		body    any
		frame   []byte
		kmsg    kmsg.Response
	}{
		{"MetadataResponse", 3, metadataVersion, f.metadataResponseKio, frames.metadata, &kmsg.MetadataResponse{Version: metadataVersion}},
		{"FetchResponse", 1, fetchVersion, f.fetchResponseKio, frames.fetch, &kmsg.FetchResponse{Version: fetchVersion}},
	}
	for _, c := range kioFrames {
		t.Run(c.name, func(t *testing.T) {
			got, err := framer.AppendResponse(nil, c.key, c.version,
				&frame.Response{Header: responseheader.ResponseHeader{CorrelationId: benchCorrelationID}, Body: c.body})
			if err != nil {
				t.Fatal(err)
			}
			assertSameBytes(t, got, c.frame)
			resp, err := framer.ReadResponse(bytes.NewReader(c.frame), c.key, c.version)
			if err != nil {
				t.Fatalf("kio read: %v", err)
			}
			if resp.Header.CorrelationId != benchCorrelationID {
				t.Fatalf("kio read correlation id %d", resp.Header.CorrelationId)
			}
			if id, err := kmsgReadResponse(bytes.NewReader(c.frame), c.kmsg); err != nil || id != benchCorrelationID {
				t.Fatalf("kmsg read: %v, correlation id %d", err, id)
			}
			assertSameBytes(t, c.kmsg.AppendTo(nil), c.frame[9:]) // size, id, tags: 9 bytes
		})
	}
	t.Run("MetadataResponse/kafkago", func(t *testing.T) {
		var buf bytes.Buffer
		if err := kgprotocol.WriteResponse(&buf, metadataVersionKafkaGo, benchCorrelationID, f.metadataResponseKG); err != nil {
			t.Fatal(err)
		}
		assertSameBytes(t, buf.Bytes(), frames.metadataKG)
	})
	for _, c := range []struct {
		name    string
		key     kgprotocol.ApiKey
		version int16
		frame   []byte
	}{
		{"MetadataResponse", kgprotocol.Metadata, metadataVersionKafkaGo, frames.metadataKG},
		{"FetchResponse", kgprotocol.Fetch, fetchVersionKafkaGo, frames.fetchKG},
	} {
		t.Run(c.name+"/kafkago-read", func(t *testing.T) {
			id, msg, err := kgprotocol.ReadResponse(bufio.NewReader(bytes.NewReader(c.frame)), c.key, c.version)
			if err != nil || id != benchCorrelationID || msg == nil {
				t.Fatalf("kafka-go read: %v, correlation id %d", err, id)
			}
		})
	}
}
