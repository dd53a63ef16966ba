package proxy

import (
	"math/rand/v2"
	"testing"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
)

// skimCase is a response body of the API key at the version, and whether it carries
// NodeEndpoints.
type skimCase struct {
	key, version int16
	body         any
	endpoints    bool
}

// skimCases returns Produce and Fetch responses at every version the skim walks, with
// and without NodeEndpoints, with the other tagged fields (CurrentLeader, which is tag
// 0 of a partition, DivergingEpoch) and the optional arrays set.
func skimCases() []skimCase {
	msg := "boom"
	var out []skimCase
	for v := int16(10); v <= 13; v++ {
		for _, ep := range []bool{false, true} {
			r := &produce.ProduceResponse{ThrottleTimeMs: 7, Responses: []produce.TopicProduceResponse{{
				Name: "topic", TopicId: kio.UUID{1, 2, 3},
				PartitionResponses: []produce.PartitionProduceResponse{
					{Index: 0, BaseOffset: 42, LogAppendTimeMs: -1, LogStartOffset: 3},
					{Index: 1, ErrorCode: 6, ErrorMessage: &msg, CurrentLeader: produce.LeaderIdAndEpoch{LeaderId: 2, LeaderEpoch: 5},
						RecordErrors: []produce.BatchIndexAndErrorMessage{{BatchIndex: 1, BatchIndexErrorMessage: &msg}}},
				}}}}
			if ep {
				r.NodeEndpoints = []produce.NodeEndpoint{{NodeId: 2, Host: "b2", Port: 9092}}
			}
			out = append(out, skimCase{produce.APIKey, v, r, ep})
		}
	}
	for v := int16(16); v <= 18; v++ {
		for _, ep := range []bool{false, true} {
			r := &fetch.FetchResponse{ThrottleTimeMs: 1, SessionId: 9, Responses: []fetch.FetchableTopicResponse{{
				TopicId: kio.UUID{4},
				Partitions: []fetch.PartitionData{
					{PartitionIndex: 0, HighWatermark: 10, Records: make([]byte, 300), AbortedTransactions: []fetch.AbortedTransaction{{ProducerId: 1, FirstOffset: 2}}},
					{PartitionIndex: 1, ErrorCode: 6, CurrentLeader: fetch.LeaderIdAndEpoch{LeaderId: 2, LeaderEpoch: 5},
						DivergingEpoch: fetch.EpochEndOffset{Epoch: 1, EndOffset: 2}, PreferredReadReplica: -1},
				}}}}
			if ep {
				r.NodeEndpoints = []fetch.NodeEndpoint{{NodeId: 2, Host: "b2", Port: 9092}}
			}
			out = append(out, skimCase{fetch.APIKey, v, r, ep})
		}
	}
	return out
}

func TestNoEndpointsSkim(t *testing.T) {
	for _, c := range skimCases() {
		resp := &frame.Response{Body: c.body}
		resp.Header.CorrelationId = 77
		raw, err := framer.AppendResponse(nil, c.key, c.version, resp)
		if err != nil {
			t.Fatal(err)
		}
		if got := noEndpoints(c.key, c.version, raw); got != !c.endpoints {
			t.Errorf("key %d v%d endpoints %v: noEndpoints = %v", c.key, c.version, c.endpoints, got)
		}
		// A frame cut short or with a byte too many is never proved clean.
		for n := range len(raw) {
			if noEndpoints(c.key, c.version, raw[:n]) {
				t.Fatalf("key %d v%d: a frame cut to %d of %d bytes passed", c.key, c.version, n, len(raw))
			}
		}
		if noEndpoints(c.key, c.version, append(raw[:len(raw):len(raw)], 0)) {
			t.Errorf("key %d v%d: a frame with a trailing byte passed", c.key, c.version)
		}
		// Versions the skim does not walk are left to the decode.
		if noEndpoints(c.key, 9, raw) || noEndpoints(c.key, 19, raw) {
			t.Errorf("key %d: a version outside the walked ones passed", c.key)
		}
	}
}

// TestNoEndpointsSkimAgreesWithDecode mutates valid frames at random: whenever the skim
// says a frame has no endpoints, the full decode must accept it and find none.
func TestNoEndpointsSkimAgreesWithDecode(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	passed := 0
	for _, c := range skimCases() {
		resp := &frame.Response{Body: c.body}
		raw, err := framer.AppendResponse(nil, c.key, c.version, resp)
		if err != nil {
			t.Fatal(err)
		}
		for range 3000 {
			m := append([]byte(nil), raw...)
			for range 1 + rng.IntN(3) {
				m[4+rng.IntN(len(m)-4)] = byte(rng.IntN(256))
			}
			if !noEndpoints(c.key, c.version, m) {
				continue
			}
			passed++
			got, _, err := framer.ParseResponseVersion(m, c.key, c.version)
			if err != nil {
				t.Fatalf("key %d v%d: skim passed a frame the decode refuses: %v\n% x", c.key, c.version, err, m)
			}
			switch b := got.Body.(type) {
			case *produce.ProduceResponse:
				if len(b.NodeEndpoints) > 0 {
					t.Fatalf("skim passed a Produce response with endpoints")
				}
			case *fetch.FetchResponse:
				if len(b.NodeEndpoints) > 0 {
					t.Fatalf("skim passed a Fetch response with endpoints")
				}
			}
		}
	}
	if passed == 0 {
		t.Fatal("no mutated frame passed the skim: the check proves nothing")
	}
	t.Logf("%d mutated frames passed the skim and decoded clean", passed)
}
