package realkafka

import (
	"fmt"
	"slices"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/deletesharegroupstate"
	"github.com/kio-go/kafka-protocol/kio/schema/initializesharegroupstate"
	"github.com/kio-go/kafka-protocol/kio/schema/readsharegroupstate"
	"github.com/kio-go/kafka-protocol/kio/schema/readsharegroupstatesummary"
	"github.com/kio-go/kafka-protocol/kio/schema/writesharegroupstate"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

// The share coordinator's state API keys (KIP-932), which brokers send to the share
// coordinator of a group's partition; the node serves them on its broker listener.
const (
	keyInitializeShareGroupState  = 83
	keyReadShareGroupState        = 84
	keyWriteShareGroupState       = 85
	keyDeleteShareGroupState      = 86
	keyReadShareGroupStateSummary = 87
)

var shareStateKeys = []int16{keyInitializeShareGroupState, keyReadShareGroupState, keyWriteShareGroupState,
	keyDeleteShareGroupState, keyReadShareGroupStateSummary}

// Delivery states the share coordinator keeps for a range of offsets.
const deliveryAcknowledged int8 = 2

// testShareState is a share partition leader's conversation with the share coordinator
// of a group's partition, each API at its version for the round: initialize the state
// of the data topic's partition 0 for a group, write a start offset and a batch of
// acknowledged records, read them back in full and as a summary, and delete them. The
// node's own principal (User:ANONYMOUS here) is a super user, which the coordinator's
// CLUSTER_ACTION check requires.
func (s *suite) testShareState(t *testing.T, round int16) {
	group := fmt.Sprintf("kio-share-state-%d", round)
	s.findCoordinator(t, s.newest(t, onBroker, keyFindCoordinator), fmt.Sprintf("%s:%s:0", group, s.dataID), 2)
	const stateEpoch, startOffset = 1, 2

	ini := initializesharegroupstate.InitializeShareGroupStateRequest{GroupId: group, Topics: []initializesharegroupstate.InitializeStateData{{TopicId: s.dataID,
		Partitions: []initializesharegroupstate.PartitionData{{Partition: 0, StateEpoch: stateEpoch, StartOffset: 0}}}}}
	ir := testkit.Call[initializesharegroupstate.InitializeShareGroupStateResponse](t, s.broker, s.at(t, keyInitializeShareGroupState, round), &ini)
	if len(ir.Results) != 1 || ir.Results[0].TopicId != s.dataID || len(ir.Results[0].Partitions) != 1 || ir.Results[0].Partitions[0].ErrorCode != common.None {
		t.Fatalf("initialize share group state: %+v", ir.Results)
	}

	wv := s.at(t, keyWriteShareGroupState, round)
	batch := writesharegroupstate.StateBatch{FirstOffset: startOffset, LastOffset: startOffset + 1, DeliveryState: deliveryAcknowledged, DeliveryCount: 1}
	write := writesharegroupstate.WriteShareGroupStateRequest{GroupId: group, Topics: []writesharegroupstate.WriteStateData{{TopicId: s.dataID,
		Partitions: []writesharegroupstate.PartitionData{{Partition: 0, StateEpoch: stateEpoch, LeaderEpoch: s.epoch, StartOffset: startOffset,
			DeliveryCompleteCount: 2, StateBatches: []writesharegroupstate.StateBatch{batch}}}}}}
	wr := testkit.Call[writesharegroupstate.WriteShareGroupStateResponse](t, s.broker, wv, &write)
	if len(wr.Results) != 1 || wr.Results[0].TopicId != s.dataID || len(wr.Results[0].Partitions) != 1 || wr.Results[0].Partitions[0].ErrorCode != common.None {
		t.Fatalf("write share group state: %+v", wr.Results)
	}

	read := readsharegroupstate.ReadShareGroupStateRequest{GroupId: group, Topics: []readsharegroupstate.ReadStateData{{TopicId: s.dataID,
		Partitions: []readsharegroupstate.PartitionData{{Partition: 0, LeaderEpoch: s.epoch}}}}}
	rr := testkit.Call[readsharegroupstate.ReadShareGroupStateResponse](t, s.broker, s.at(t, keyReadShareGroupState, round), &read)
	if len(rr.Results) != 1 || rr.Results[0].TopicId != s.dataID || len(rr.Results[0].Partitions) != 1 {
		t.Fatalf("read share group state: %+v", rr.Results)
	}
	want := []readsharegroupstate.StateBatch{{FirstOffset: batch.FirstOffset, LastOffset: batch.LastOffset, DeliveryState: batch.DeliveryState, DeliveryCount: batch.DeliveryCount}}
	if p := rr.Results[0].Partitions[0]; p.ErrorCode != common.None || p.Partition != 0 || p.StateEpoch != stateEpoch || p.StartOffset != startOffset ||
		!slices.EqualFunc(p.StateBatches, want, func(a, b readsharegroupstate.StateBatch) bool {
			return a.FirstOffset == b.FirstOffset && a.LastOffset == b.LastOffset && a.DeliveryState == b.DeliveryState && a.DeliveryCount == b.DeliveryCount
		}) {
		t.Errorf("read share group state: %+v, want epoch %d start %d batches %+v", p, stateEpoch, startOffset, want)
	}

	sv := s.at(t, keyReadShareGroupStateSummary, round)
	sum := readsharegroupstatesummary.ReadShareGroupStateSummaryRequest{GroupId: group, Topics: []readsharegroupstatesummary.ReadStateSummaryData{{TopicId: s.dataID,
		Partitions: []readsharegroupstatesummary.PartitionData{{Partition: 0, LeaderEpoch: s.epoch}}}}}
	sr := testkit.Call[readsharegroupstatesummary.ReadShareGroupStateSummaryResponse](t, s.broker, sv, &sum)
	if len(sr.Results) != 1 || sr.Results[0].TopicId != s.dataID || len(sr.Results[0].Partitions) != 1 {
		t.Fatalf("read share group state summary: %+v", sr.Results)
	}
	if p := sr.Results[0].Partitions[0]; p.ErrorCode != common.None || p.StateEpoch != stateEpoch || p.StartOffset != startOffset || p.LeaderEpoch != s.epoch ||
		sv >= 1 && wv >= 1 && p.DeliveryCompleteCount != 2 {
		t.Errorf("read share group state summary: %+v, want epoch %d start %d leader epoch %d", p, stateEpoch, startOffset, s.epoch)
	}

	del := deletesharegroupstate.DeleteShareGroupStateRequest{GroupId: group, Topics: []deletesharegroupstate.DeleteStateData{{TopicId: s.dataID,
		Partitions: []deletesharegroupstate.PartitionData{{Partition: 0}}}}}
	dr := testkit.Call[deletesharegroupstate.DeleteShareGroupStateResponse](t, s.broker, s.at(t, keyDeleteShareGroupState, round), &del)
	if len(dr.Results) != 1 || dr.Results[0].TopicId != s.dataID || len(dr.Results[0].Partitions) != 1 || dr.Results[0].Partitions[0].ErrorCode != common.None {
		t.Fatalf("delete share group state: %+v", dr.Results)
	}
}
