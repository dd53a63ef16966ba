package bench

import (
	"bytes"
	"testing"

	kgprotocol "github.com/segmentio/kafka-go/protocol"
	kgfetch "github.com/segmentio/kafka-go/protocol/fetch"
	kgheartbeat "github.com/segmentio/kafka-go/protocol/heartbeat"
	kgmetadata "github.com/segmentio/kafka-go/protocol/metadata"
	kgproduce "github.com/segmentio/kafka-go/protocol/produce"
	"github.com/segmentio/kafka-go/protocol/rawproduce"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/heartbeat"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// Message body benchmarks. Operations (the 1 MiB Fetch and Produce also have "copy" rows,
// the limit of an encode: one copy of the encoded bytes):
//
//	encode-reuse  append the body to a buffer reused across iterations (kio serial.Append,
//	              kmsg AppendTo). kafka-go has no append-to-buffer API, so no row.
//	encode-fresh  encode into a new buffer each time (kio serial.Marshal, kmsg
//	              AppendTo(nil), kafka-go protocol.Marshal).
//	decode        decode the body into a new value each time (kio serial.Unmarshal, kmsg
//	              ReadFrom, kafka-go protocol.Unmarshal).
//
// kafka-go runs at its highest version of each API (see fixtures_test.go), so its rows
// handle slightly different bytes. kmsg's ReadFrom copies strings (UnsafeReadFrom would
// alias them) and aliases []byte fields, as kio's Unmarshal does.

func BenchmarkMetadataResponse(b *testing.B) {
	f := fixtures()
	b.Run("encode-reuse/kio", func(b *testing.B) {
		benchEncodeReuse(b, func(dst []byte) ([]byte, error) { return serial.Append(dst, f.metadataResponseKio, metadataVersion) })
	})
	b.Run("encode-reuse/kmsg", func(b *testing.B) {
		benchEncodeReuse(b, func(dst []byte) ([]byte, error) { return f.metadataResponseKmsg.AppendTo(dst), nil })
	})
	b.Run("encode-fresh/kio", func(b *testing.B) {
		benchEncodeFresh(b, func() ([]byte, error) { return serial.Marshal(f.metadataResponseKio, metadataVersion) })
	})
	b.Run("encode-fresh/kmsg", func(b *testing.B) {
		benchEncodeFresh(b, func() ([]byte, error) { return f.metadataResponseKmsg.AppendTo(nil), nil })
	})
	b.Run("encode-fresh/kafkago", func(b *testing.B) {
		var msg any = *f.metadataResponseKG // boxed once: Marshal takes the struct by value
		benchEncodeFresh(b, func() ([]byte, error) { return kgprotocol.Marshal(metadataVersionKafkaGo, msg) })
	})
	b.Run("decode/kio", func(b *testing.B) {
		benchDecode(b, f.metadataResponseWire, func(data []byte) error {
			return serial.Unmarshal(data, new(metadata.MetadataResponse), metadataVersion)
		})
	})
	b.Run("decode/kmsg", func(b *testing.B) {
		benchDecode(b, f.metadataResponseWire, func(data []byte) error {
			m := new(kmsg.MetadataResponse)
			m.Version = metadataVersion
			return m.ReadFrom(data)
		})
	})
	b.Run("decode/kafkago", func(b *testing.B) {
		benchDecode(b, f.metadataResponseWireKG, func(data []byte) error {
			return kgprotocol.Unmarshal(data, metadataVersionKafkaGo, new(kgmetadata.Response))
		})
	})
}

func BenchmarkMetadataRequest(b *testing.B) {
	f := fixtures()
	b.Run("encode-reuse/kio", func(b *testing.B) {
		benchEncodeReuse(b, func(dst []byte) ([]byte, error) { return serial.Append(dst, f.metadataRequestKio, metadataVersion) })
	})
	b.Run("encode-reuse/kmsg", func(b *testing.B) {
		benchEncodeReuse(b, func(dst []byte) ([]byte, error) { return f.metadataRequestKmsg.AppendTo(dst), nil })
	})
	b.Run("encode-fresh/kio", func(b *testing.B) {
		benchEncodeFresh(b, func() ([]byte, error) { return serial.Marshal(f.metadataRequestKio, metadataVersion) })
	})
	b.Run("encode-fresh/kmsg", func(b *testing.B) {
		benchEncodeFresh(b, func() ([]byte, error) { return f.metadataRequestKmsg.AppendTo(nil), nil })
	})
	b.Run("encode-fresh/kafkago", func(b *testing.B) {
		var msg any = *f.metadataRequestKG
		benchEncodeFresh(b, func() ([]byte, error) { return kgprotocol.Marshal(metadataVersionKafkaGo, msg) })
	})
	b.Run("decode/kio", func(b *testing.B) {
		benchDecode(b, f.metadataRequestWire, func(data []byte) error {
			return serial.Unmarshal(data, new(metadata.MetadataRequest), metadataVersion)
		})
	})
	b.Run("decode/kmsg", func(b *testing.B) {
		benchDecode(b, f.metadataRequestWire, func(data []byte) error {
			m := new(kmsg.MetadataRequest)
			m.Version = metadataVersion
			return m.ReadFrom(data)
		})
	})
	b.Run("decode/kafkago", func(b *testing.B) {
		benchDecode(b, f.metadataRequestWireKG, func(data []byte) error {
			return kgprotocol.Unmarshal(data, metadataVersionKafkaGo, new(kgmetadata.Request))
		})
	})
}

func BenchmarkHeartbeatRequest(b *testing.B) {
	f := fixtures()
	b.Run("encode-reuse/kio", func(b *testing.B) {
		benchEncodeReuse(b, func(dst []byte) ([]byte, error) { return serial.Append(dst, f.heartbeatKio, heartbeatVersion) })
	})
	b.Run("encode-reuse/kmsg", func(b *testing.B) {
		benchEncodeReuse(b, func(dst []byte) ([]byte, error) { return f.heartbeatKmsg.AppendTo(dst), nil })
	})
	b.Run("encode-fresh/kio", func(b *testing.B) {
		benchEncodeFresh(b, func() ([]byte, error) { return serial.Marshal(f.heartbeatKio, heartbeatVersion) })
	})
	b.Run("encode-fresh/kmsg", func(b *testing.B) {
		benchEncodeFresh(b, func() ([]byte, error) { return f.heartbeatKmsg.AppendTo(nil), nil })
	})
	b.Run("encode-fresh/kafkago", func(b *testing.B) {
		var msg any = *f.heartbeatKG
		benchEncodeFresh(b, func() ([]byte, error) { return kgprotocol.Marshal(heartbeatVersionKafkaGo, msg) })
	})
	b.Run("decode/kio", func(b *testing.B) {
		benchDecode(b, f.heartbeatWire, func(data []byte) error {
			return serial.Unmarshal(data, new(heartbeat.HeartbeatRequest), heartbeatVersion)
		})
	})
	b.Run("decode/kmsg", func(b *testing.B) {
		benchDecode(b, f.heartbeatWire, func(data []byte) error {
			m := new(kmsg.HeartbeatRequest)
			m.Version = heartbeatVersion
			return m.ReadFrom(data)
		})
	})
	b.Run("decode/kafkago", func(b *testing.B) {
		benchDecode(b, f.heartbeatWireKG, func(data []byte) error {
			return kgprotocol.Unmarshal(data, heartbeatVersionKafkaGo, new(kgheartbeat.Request))
		})
	})
}

// BenchmarkFetchResponse carries one ~1 MiB batch. kio and kmsg treat the records as
// opaque bytes (decode aliases them), so their rows measure the message around the batch
// plus one copy of it when encoding. kafka-go's fetch.Response holds records as a
// protocol.RecordSet: its decode row also parses the batch into records (copying it into
// kafka-go's buffers), and it cannot encode a batch from bytes, so it has no encode rows.
func BenchmarkFetchResponse(b *testing.B) {
	f := fixtures()
	benchCopyRows(b, f.fetchResponseWire)
	b.Run("encode-reuse/kio", func(b *testing.B) {
		benchEncodeReuse(b, func(dst []byte) ([]byte, error) { return serial.Append(dst, f.fetchResponseKio, fetchVersion) })
	})
	b.Run("encode-reuse/kmsg", func(b *testing.B) {
		benchEncodeReuse(b, func(dst []byte) ([]byte, error) { return f.fetchResponseKmsg.AppendTo(dst), nil })
	})
	b.Run("encode-fresh/kio", func(b *testing.B) {
		benchEncodeFresh(b, func() ([]byte, error) { return serial.Marshal(f.fetchResponseKio, fetchVersion) })
	})
	b.Run("encode-fresh/kmsg", func(b *testing.B) {
		benchEncodeFresh(b, func() ([]byte, error) { return f.fetchResponseKmsg.AppendTo(nil), nil })
	})
	b.Run("decode/kio", func(b *testing.B) {
		benchDecode(b, f.fetchResponseWire, func(data []byte) error {
			return serial.Unmarshal(data, new(fetch.FetchResponse), fetchVersion)
		})
	})
	b.Run("decode/kmsg", func(b *testing.B) {
		benchDecode(b, f.fetchResponseWire, func(data []byte) error {
			m := new(kmsg.FetchResponse)
			m.Version = fetchVersion
			return m.ReadFrom(data)
		})
	})
	b.Run("decode/kafkago", func(b *testing.B) {
		benchDecode(b, f.fetchResponseWireKG, func(data []byte) error {
			return kgprotocol.Unmarshal(data, fetchVersionKafkaGo, new(kgfetch.Response))
		})
	})
}

// BenchmarkProduceRequest carries the same batch. kafka-go encodes it from bytes with
// rawproduce.Request (its records are an io.Reader over the size-prefixed batch, rewound
// each iteration since encoding consumes it); its decode target produce.Request
// parses the batch into records, like its Fetch decode.
func BenchmarkProduceRequest(b *testing.B) {
	f := fixtures()
	benchCopyRows(b, f.produceRequestWire)
	b.Run("encode-reuse/kio", func(b *testing.B) {
		benchEncodeReuse(b, func(dst []byte) ([]byte, error) { return serial.Append(dst, f.produceRequestKio, produceVersion) })
	})
	b.Run("encode-reuse/kmsg", func(b *testing.B) {
		benchEncodeReuse(b, func(dst []byte) ([]byte, error) { return f.produceRequestKmsg.AppendTo(dst), nil })
	})
	b.Run("encode-fresh/kio", func(b *testing.B) {
		benchEncodeFresh(b, func() ([]byte, error) { return serial.Marshal(f.produceRequestKio, produceVersion) })
	})
	b.Run("encode-fresh/kmsg", func(b *testing.B) {
		benchEncodeFresh(b, func() ([]byte, error) { return f.produceRequestKmsg.AppendTo(nil), nil })
	})
	b.Run("encode-fresh/kafkago", func(b *testing.B) {
		prefixed := sizePrefixed(f.batch[codecNone])
		records := bytes.NewReader(prefixed)
		var req any = *rawProduceKafkaGo(records)
		benchEncodeFresh(b, func() ([]byte, error) {
			records.Reset(prefixed)
			return kgprotocol.Marshal(produceVersionKafkaGo, req)
		})
	})
	b.Run("decode/kio", func(b *testing.B) {
		benchDecode(b, f.produceRequestWire, func(data []byte) error {
			return serial.Unmarshal(data, new(produce.ProduceRequest), produceVersion)
		})
	})
	b.Run("decode/kmsg", func(b *testing.B) {
		benchDecode(b, f.produceRequestWire, func(data []byte) error {
			m := new(kmsg.ProduceRequest)
			m.Version = produceVersion
			return m.ReadFrom(data)
		})
	})
	b.Run("decode/kafkago", func(b *testing.B) {
		benchDecode(b, f.produceRequestWireKG, func(data []byte) error {
			return kgprotocol.Unmarshal(data, produceVersionKafkaGo, new(kgproduce.Request))
		})
	})
}

// benchCopyRows runs the rows of the limit of an encode of wire: one copy of the
// encoded bytes (issue 20), into a reused buffer and into a fresh one (append of a nil
// slice: one allocation, not zeroed first, the cheapest fresh buffer Go has). "copy" is
// no codec, only the yardstick.
func benchCopyRows(b *testing.B, wire []byte) {
	b.Run("encode-reuse/copy", func(b *testing.B) {
		dst := make([]byte, len(wire))
		benchEncodeReuse(b, func([]byte) ([]byte, error) { return dst[:copy(dst, wire)], nil })
	})
	b.Run("encode-fresh/copy", func(b *testing.B) {
		benchEncodeFresh(b, func() ([]byte, error) { return append([]byte(nil), wire...), nil })
	})
}

// rawProduceKafkaGo is the Produce fixture as kafka-go's raw-records request, reading
// its records (the size-prefixed batch) from records.
func rawProduceKafkaGo(records *bytes.Reader) *rawproduce.Request {
	return &rawproduce.Request{
		Acks:    -1,
		Timeout: 30000,
		Topics: []rawproduce.RequestTopic{{
			Topic: topicName(0),
			Partitions: []rawproduce.RequestPartition{{
				Partition: 0,
				RecordSet: kgprotocol.RawRecordSet{Reader: records},
			}},
		}},
	}
}
