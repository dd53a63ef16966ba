package serial_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// A one-element array whose element holds a one-element array of structs (a Fetch or
// Produce for one partition) decodes with one allocation for both elements
// (pair_alloc.go), to the same values as the general plans, and so do the shapes next
// to it (more or fewer elements at either level), classic and compact.
func TestOneAllocationForATopicAndItsPartition(t *testing.T) {
	var topic string
	inner := func(n int) []pairInner {
		s := make([]pairInner, n)
		for i := range s {
			s[i] = pairInner{B: int64(i) + 7, S: fmt.Sprint("s", i), L: []int32{int32(i), 2}}
		}
		return s
	}
	outer := func(n, m int) []pairOuter {
		s := make([]pairOuter, n)
		for i := range s {
			s[i] = pairOuter{A: int32(i), Topic: topic, ID: [16]byte{byte(i), 1}, Inner: inner(m), Name: fmt.Sprint("t", i)}
		}
		return s
	}
	for version := int16(0); version <= 1; version++ {
		// A string before the inner array: short, empty, and too long for one length
		// byte (the path steps over the first two and gives up on the third).
		for _, topic = range []string{"orders", "", strings.Repeat("t", 200)} {
			for _, shape := range [][2]int{{1, 1}, {1, 0}, {1, 2}, {2, 1}, {0, 0}} {
				name := fmt.Sprintf("v%d/%q/%dx%d", version, topic[:min(len(topic), 8)], shape[0], shape[1])
				in := &pairKinds{Outer: outer(shape[0], shape[1])}
				wire, err := serial.Marshal(in, version)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				var fast, general pairKinds
				if err := serial.Unmarshal(wire, &fast, version); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if err := serial.UnmarshalWith(wire, &general, version, true); err != nil {
					t.Fatalf("%s: general: %v", name, err)
				}
				if !reflect.DeepEqual(fast, general) || !reflect.DeepEqual(&fast, in) {
					t.Fatalf("%s: decoded %+v, general plans %+v, encoded %+v", name, fast, general, in)
				}
				if shape == [2]int{1, 1} && serial.FastPaths && (len(topic) < 127 || version == 0) {
					// Both elements in one object: the inner one right after the outer.
					o, i := uintptr(unsafe.Pointer(&fast.Outer[0])), uintptr(unsafe.Pointer(&fast.Outer[0].Inner[0]))
					if i <= o || i-o >= unsafe.Sizeof(pairOuter{})+unsafe.Alignof(pairInner{}) {
						t.Errorf("%s: the inner element is at %#x, the outer at %#x: not one object", name, i, o)
					}
					if cap(fast.Outer) != 1 || cap(fast.Outer[0].Inner) != 1 {
						t.Errorf("%s: capacities %d and %d, want 1: an append must not write over the neighbour", name, cap(fast.Outer), cap(fast.Outer[0].Inner))
					}
				}
			}
		}
	}
	// A Fetch response of one partition: one allocation, where the general plans (the
	// kio_general build) make two.
	m := serial.Default[fetch.FetchResponse]()
	m.Responses = []fetch.FetchableTopicResponse{{Partitions: []fetch.PartitionData{serial.Default[fetch.PartitionData]()}}}
	m.Responses[0].Partitions[0].Records = []byte("batch")
	wire, err := serial.Marshal(&m, 16)
	if err != nil {
		t.Fatal(err)
	}
	want := 1.0
	if !serial.FastPaths {
		want = 2
	}
	var got fetch.FetchResponse
	if allocs := testing.AllocsPerRun(50, func() {
		got = fetch.FetchResponse{}
		if err := serial.Unmarshal(wire, &got, 16); err != nil {
			t.Fatal(err)
		}
	}); allocs != want {
		t.Errorf("a one-partition FetchResponse decode allocated %v times, want %v", allocs, want)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("decoded %+v, encoded %+v", got, m)
	}
}
