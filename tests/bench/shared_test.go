package bench

import (
	"sync"
	"testing"

	kgprotocol "github.com/segmentio/kafka-go/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/heartbeat"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/serial"
	kgheartbeat "github.com/segmentio/kafka-go/protocol/heartbeat"
	kgmetadata "github.com/segmentio/kafka-go/protocol/metadata"
)

// fixtureSet holds every fixture value and its encodings, built once per test binary.
type fixtureSet struct {
	records []benchRecord
	// batch is the fixture records as one magic 2 batch per codec, written by the kmsg
	// harness; every decode benchmark reads these same bytes.
	batch map[int16][]byte

	metadataResponseKio  *metadata.MetadataResponse
	metadataResponseKmsg *kmsg.MetadataResponse
	metadataResponseKG   *kgmetadata.Response
	metadataRequestKio   *metadata.MetadataRequest
	metadataRequestKmsg  *kmsg.MetadataRequest
	metadataRequestKG    *kgmetadata.Request
	heartbeatKio         *heartbeat.HeartbeatRequest
	heartbeatKmsg        *kmsg.HeartbeatRequest
	heartbeatKG          *kgheartbeat.Request
	fetchResponseKio     *fetch.FetchResponse
	fetchResponseKmsg    *kmsg.FetchResponse
	produceRequestKio    *produce.ProduceRequest
	produceRequestKmsg   *kmsg.ProduceRequest

	// Wire bytes of each message body: at kio's version (written by kmsg, which
	// TestFixturesIdentical checks kio matches) and at kafka-go's version (written by
	// kmsg too, since kafka-go cannot write every one of them with raw records).
	metadataResponseWire, metadataResponseWireKG []byte
	metadataRequestWire, metadataRequestWireKG   []byte
	heartbeatWire, heartbeatWireKG               []byte
	fetchResponseWire, fetchResponseWireKG       []byte
	produceRequestWire, produceRequestWireKG     []byte
}

var fixtures = sync.OnceValue(func() *fixtureSet {
	f := &fixtureSet{records: fixtureRecords(), batch: map[int16][]byte{}}
	c := newKmsgBatchCodec()
	recs := c.build(f.records)
	for _, codec := range []int16{codecNone, codecLZ4, codecZstd} {
		b, err := c.appendBatch(nil, recs, f.records[0].Timestamp, f.records[len(f.records)-1].Timestamp, codec)
		if err != nil {
			panic(err)
		}
		f.batch[codec] = b
	}
	raw := f.batch[codecNone]

	f.metadataResponseKio, f.metadataResponseKmsg, f.metadataResponseKG = metadataResponseKio(), metadataResponseKmsg(), metadataResponseKafkaGo()
	f.metadataRequestKio, f.metadataRequestKmsg, f.metadataRequestKG = metadataRequestKio(), metadataRequestKmsg(), metadataRequestKafkaGo()
	f.heartbeatKio, f.heartbeatKmsg, f.heartbeatKG = heartbeatKio(), heartbeatKmsg(), heartbeatKafkaGo()
	f.fetchResponseKio, f.fetchResponseKmsg = fetchResponseKio(raw), fetchResponseKmsg(raw)
	f.produceRequestKio, f.produceRequestKmsg = produceRequestKio(raw), produceRequestKmsg(raw)

	f.metadataResponseWire, f.metadataResponseWireKG = kmsgAt(f.metadataResponseKmsg, metadataVersion, metadataVersionKafkaGo)
	f.metadataRequestWire, f.metadataRequestWireKG = kmsgAt(f.metadataRequestKmsg, metadataVersion, metadataVersionKafkaGo)
	f.heartbeatWire, f.heartbeatWireKG = kmsgAt(f.heartbeatKmsg, heartbeatVersion, heartbeatVersionKafkaGo)
	f.fetchResponseWire, f.fetchResponseWireKG = kmsgAt(f.fetchResponseKmsg, fetchVersion, fetchVersionKafkaGo)
	f.produceRequestWire, f.produceRequestWireKG = kmsgAt(f.produceRequestKmsg, produceVersion, produceVersionKafkaGo)
	return f
})

// kmsgMessage is what kmsg's requests and responses have in common here.
type kmsgMessage interface {
	GetVersion() int16
	SetVersion(int16)
	AppendTo([]byte) []byte
}

// kmsgAt encodes m at two versions, leaving its version as it was.
func kmsgAt(m kmsgMessage, v1, v2 int16) ([]byte, []byte) {
	orig := m.GetVersion()
	defer m.SetVersion(orig)
	m.SetVersion(v1)
	a := m.AppendTo(nil)
	m.SetVersion(v2)
	return a, m.AppendTo(nil)
}

// kioMarshal encodes v or fails the test.
func kioMarshal(tb testing.TB, v any, version int16) []byte {
	tb.Helper()
	out, err := serial.Marshal(v, version)
	if err != nil {
		tb.Fatalf("kio: %v", err)
	}
	return out
}

// kafkaGoMarshal encodes v or fails the test. kafka-go's Marshal takes the message
// struct itself, not a pointer to it.
func kafkaGoMarshal(tb testing.TB, v any, version int16) []byte {
	tb.Helper()
	out, err := kgprotocol.Marshal(version, v)
	if err != nil {
		tb.Fatalf("kafka-go: %v", err)
	}
	return out
}

// sink keeps benchmark results alive where b.Loop does not already.
var sink any

// benchEncodeReuse measures appending into one buffer, reused across iterations.
func benchEncodeReuse(b *testing.B, encode func(dst []byte) ([]byte, error)) {
	buf, err := encode(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = encode(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// benchEncodeFresh measures encoding into a buffer of the encoder's own making.
func benchEncodeFresh(b *testing.B, encode func() ([]byte, error)) {
	out, err := encode()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encode(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchDecode measures decoding data into a fresh value per iteration.
func benchDecode(b *testing.B, data []byte, decode func([]byte) error) {
	if err := decode(data); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
