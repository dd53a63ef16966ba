package frame_test

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
)

// TestProduceAcksMatchesDecode: the acks ProduceAcks reads by hand are the ones the
// full decode finds, for every Produce version, with and without client and
// transactional ids, with a tagged field in a flexible header, and with timeouts whose
// first byte would read as a tag count (ExpectsResponseFrame once read a flexible
// Produce's prefix as a struct, taking TimeoutMs' first byte for its tagged fields);
// every truncation before the acks is an error, not a panic or a wrong answer; and
// ExpectsResponseFrame says a response comes exactly when acks is not 0.
func TestProduceAcksMatchesDecode(t *testing.T) {
	var framer frame.Framer
	api, _ := schema.Lookup(produce.APIKey)
	cases := 0
	for version := api.Versions.Lo; version <= api.Versions.Hi; version++ {
		flexible := api.Flexible.Contains(version)
		for _, clientID := range []*string{nil, ptr(""), ptr("client-7")} {
			for _, txn := range []*common.TransactionalId{nil, ptr(common.TransactionalId("")), ptr(common.TransactionalId("txn"))} {
				if version < 3 && txn != nil {
					continue
				}
				for _, acks := range []int16{-1, 0, 1} {
					for _, tt := range []struct {
						tagged  bool
						timeout int32
					}{{false, 1000}, {true, 1000}, {false, 0x7f000000}, {true, 0x7f000000}} {
						tagged, timeout := tt.tagged, tt.timeout
						if tagged && !flexible {
							continue
						}
						name := fmt.Sprintf("v%d client %v txn %v acks %d tagged %v timeout %#x", version, clientID != nil, txn != nil, acks, tagged, timeout)
						body := &produce.ProduceRequest{TransactionalId: txn, Acks: acks, TimeoutMs: timeout,
							TopicData: []produce.TopicProduceData{{Name: "t", PartitionData: []produce.PartitionProduceData{{Index: 0}}}}}
						req, err := frame.NewRequest(body, version, 9, clientID)
						if err != nil {
							t.Fatal(err)
						}
						raw, err := framer.AppendRequest(nil, req)
						if err != nil {
							t.Fatal(err)
						}
						if tagged { // one unknown tagged field in the header, as a newer client may send
							at := 4 + 8 + 2
							if clientID != nil {
								at += len(*clientID)
							}
							if raw[at] != 0 {
								t.Fatalf("%s: no empty tagged fields at %d", name, at)
							}
							raw = slices.Concat(raw[:at], []byte{1, 0x7f, 3, 'x', 'y', 'z'}, raw[at+1:])
							binary.BigEndian.PutUint32(raw, uint32(len(raw)-4))
						}
						parsed, err := framer.ParseRequest(raw)
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						want := parsed.Body.(*produce.ProduceRequest).Acks
						got, err := frame.ProduceAcks(raw)
						if err != nil || got != want || got != acks {
							t.Fatalf("%s: ProduceAcks %d, %v; decoded %d", name, got, err, want)
						}
						if expect, err := frame.ExpectsResponseFrame(raw); err != nil || expect != (acks != 0) {
							t.Fatalf("%s: ExpectsResponseFrame %v, %v", name, expect, err)
						}
						// Cut anywhere: an error until the acks are whole, the acks after.
						acksEnd := -1
						for cut := 4; cut <= len(raw); cut++ {
							got, err := frame.ProduceAcks(raw[:cut])
							switch {
							case err == nil && acksEnd < 0:
								acksEnd = cut
								if int16(binary.BigEndian.Uint16(raw[cut-2:])) != acks {
									t.Fatalf("%s: the acks end at %d, where the bytes before are not %d", name, cut, acks)
								}
							case err != nil && acksEnd >= 0:
								t.Fatalf("%s: cut at %d after the acks (%d): %v", name, cut, acksEnd, err)
							}
							if err == nil && got != acks {
								t.Fatalf("%s: cut at %d: acks %d, want %d", name, cut, got, acks)
							}
						}
						if acksEnd < 4+8+2+2 {
							t.Fatalf("%s: acks read from %d bytes, inside the header", name, acksEnd)
						}
						cases++
					}
				}
			}
		}
	}
	t.Logf("%d Produce frames", cases)
}
