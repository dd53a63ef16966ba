package serial_test

import (
	"bytes"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC() // the second cycle frees what the first one's finalizers released
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// bigMetadataResponse is a response for topics topics of 86-byte names, each with
// partitions partitions of three replicas.
func bigMetadataResponse(topics, partitions int) *metadata.MetadataResponse {
	m := serial.Default[metadata.MetadataResponse]()
	for t := range topics {
		name := common.TopicName(fmt.Sprintf("%s-%06d", strings.Repeat("events.orders.eu-west-1.", 4)[:79], t))
		topic := serial.Default[metadata.MetadataResponseTopic]()
		topic.Name = &name
		for p := range partitions {
			part := serial.Default[metadata.MetadataResponsePartition]()
			part.PartitionIndex = int32(p)
			part.ReplicaNodes = []common.BrokerId{1, 2, common.BrokerId(3 + p%5)}
			part.IsrNodes = []common.BrokerId{1, 2}
			topic.Partitions = append(topic.Partitions, part)
		}
		m.Topics = append(m.Topics, topic)
	}
	return &m
}

// The memory contract: keeping a decoded string or slice keeps alive no more than the
// array element it belongs to. Keeping one topic name and one replica list from each
// of five decodes of a 2,000-topic response must keep at most 64 KiB alive (a shared
// arena chunk used to pin about 900 KiB).
func TestKeptValuesPinLittle(t *testing.T) {
	const version = 12
	wire, err := serial.Marshal(bigMetadataResponse(2000, 4), version)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(*bigMetadataResponse(1, 1).Topics[0].Name); n != 86 {
		t.Fatalf("topic names are %d bytes, the scenario says 86", n)
	}
	decode := func() *metadata.MetadataResponse {
		var m metadata.MetadataResponse
		if err := serial.Unmarshal(wire, &m, version); err != nil {
			t.Fatal(err)
		}
		return &m
	}
	decode() // plans, hints and the intern table reach their steady state
	before := liveHeap()
	var names []string
	var replicas [][]common.BrokerId
	for i := range 5 {
		m := decode()
		topic := &m.Topics[(i*397)%len(m.Topics)]
		names = append(names, string(*topic.Name))
		replicas = append(replicas, topic.Partitions[i%4].ReplicaNodes)
	}
	retained := int64(liveHeap()) - int64(before)
	// A positive control: the whole decoded response is far larger than the bound,
	// so a kept value pinning it (or a shared chunk of it) would show.
	whole := decode()
	withWhole := int64(liveHeap()) - int64(before)
	runtime.KeepAlive(whole)
	t.Logf("kept 5 names and 5 replica lists: %d bytes retained (a whole decoded response: %d bytes)", retained, withWhole)
	if retained > 64<<10 {
		t.Errorf("5 names and 5 replica lists keep %d bytes alive, want at most 64 KiB", retained)
	}
	if withWhole < 512<<10 {
		t.Errorf("a whole response measured as %d bytes: the measurement cannot see what it must", withWhole)
	}
	for i := range names {
		if len(names[i]) != 86 || len(replicas[i]) != 3 {
			t.Fatalf("kept %q, %v", names[i], replicas[i])
		}
	}
}

// bytesAllocated returns the bytes f allocated, as the runtime counts them, each time
// after before (not counted) has run.
//
// MemStats counts the whole process, so a goroutine left running by an earlier test
// can add to one reading (2 runs in 120 failed so): the least of five readings is f's.
func bytesAllocated(before, f func()) uint64 {
	least := uint64(math.MaxUint64)
	for range 5 {
		before()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		f()
		runtime.ReadMemStats(&m1)
		least = min(least, m1.TotalAlloc-m0.TotalAlloc)
	}
	return least
}

// Marshal allocates at most twice the encoded size plus 4 KiB whatever it encoded
// before (it used to size its buffer from the last message of the type and version:
// 8.4 MB for a 12-byte FetchResponse after an 8 MiB one), and a steady stream of
// messages costs one allocation each.
func TestMarshalAllocatesForWhatItEncodes(t *testing.T) {
	const version = 16
	small := serial.Default[fetch.FetchResponse]()
	big := serial.Default[fetch.FetchResponse]()
	part := serial.Default[fetch.PartitionData]()
	part.Records = make([]byte, 8<<20)
	big.Responses = []fetch.FetchableTopicResponse{{Partitions: []fetch.PartitionData{part}}}
	for range 2 { // the first call compiles the plan
		for i, m := range []*fetch.FetchResponse{&big, &small} {
			other := []*fetch.FetchResponse{&small, &big}[i]
			var out []byte
			n := bytesAllocated(func() { mustMarshal(t, other, version) }, func() {
				var err error
				if out, err = serial.Marshal(m, version); err != nil {
					t.Fatal(err)
				}
			})
			want, err := serial.Append(nil, m, version)
			if err != nil || !bytes.Equal(out, want) {
				t.Fatalf("Marshal and Append differ: %d and %d bytes, %v", len(out), len(want), err)
			}
			t.Logf("%d-byte FetchResponse: Marshal allocated %d bytes", len(out), n)
			if limit := 2*uint64(len(out)) + 4096; n > limit {
				t.Errorf("Marshal of a %d-byte message allocated %d bytes, more than %d", len(out), n, limit)
			}
		}
	}
	if len(mustMarshal(t, &small, version)) != 12 {
		t.Fatalf("the small FetchResponse is not the 12-byte one of the scenario")
	}
	// A steady stream, of a message of many parts: one allocation each.
	md := bigMetadataResponse(50, 10)
	for _, m := range []any{&small, md} {
		v := int16(version)
		if _, ok := m.(*metadata.MetadataResponse); ok {
			v = 12
		}
		// The fewest of five measurements is Marshal's own count: MemStats counts the
		// whole process, and now and then a measurement takes in mallocs of the runtime's
		// (these messages are large, garbage collections frequent): one in 30 under
		// -race read 2 per message, the same before and after Marshal last changed.
		allocs := testing.AllocsPerRun(20, func() { mustMarshal(t, m, v) })
		for range 4 {
			allocs = min(allocs, testing.AllocsPerRun(20, func() { mustMarshal(t, m, v) }))
		}
		if allocs != 1 {
			t.Errorf("Marshal(%T) allocated %v times per message, want 1", m, allocs)
		}
	}
}

func mustMarshal(t *testing.T, v any, version int16) []byte {
	t.Helper()
	b, err := serial.Marshal(v, version)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
