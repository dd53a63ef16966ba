package realkafka

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema/altersharegroupoffsets"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/deletesharegroupoffsets"
	"github.com/kio-go/kafka-protocol/kio/schema/describesharegroupoffsets"
	"github.com/kio-go/kafka-protocol/kio/schema/incrementalalterconfigs"
	"github.com/kio-go/kafka-protocol/kio/schema/shareacknowledge"
	"github.com/kio-go/kafka-protocol/kio/schema/sharefetch"
	"github.com/kio-go/kafka-protocol/kio/schema/sharegroupdescribe"
	"github.com/kio-go/kafka-protocol/kio/schema/sharegroupheartbeat"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

// The share group API keys (KIP-932), for the flow's versions.
const (
	keyShareGroupHeartbeat       = 76
	keyShareGroupDescribe        = 77
	keyShareFetch                = 78
	keyShareAcknowledge          = 79
	keyDescribeShareGroupOffsets = 90
	keyAlterShareGroupOffsets    = 91
	keyDeleteShareGroupOffsets   = 92
)

var shareGroupKeys = []int16{keyShareGroupHeartbeat, keyShareGroupDescribe, keyShareFetch, keyShareAcknowledge,
	keyDescribeShareGroupOffsets, keyAlterShareGroupOffsets, keyDeleteShareGroupOffsets}

// Acknowledgement types of ShareFetch and ShareAcknowledge.
const (
	ackAccept  int8 = 1
	ackRelease int8 = 2
)

// resourceGroup is a group's resource type in the config APIs (KIP-848's group configs).
const resourceGroup int8 = 32

// shareTimeout bounds the waits of the share flow: the share coordinator initializes a
// group's state on the first fetch, a moment after the assignment.
const shareTimeout = 15 * time.Second

// until retries check every 50 ms until it passes or shareTimeout ends, then fails t.
func until(t testing.TB, check func() error) {
	t.Helper()
	deadline := time.Now().Add(shareTimeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// untilDescribed describes a group and one that does not exist (describe returns the
// answer's two groups) until check accepts the first; check returns a group's error
// code too, which for the second must be GROUP_ID_NOT_FOUND at once.
func untilDescribed[G any](t testing.TB, kind string, describe func() []G, check func(G) (common.ErrorCode, error)) {
	t.Helper()
	until(t, func() error {
		groups := describe()
		if len(groups) != 2 {
			return fmt.Errorf("%+v", groups)
		}
		if code, _ := check(groups[1]); code != common.GroupIdNotFound {
			t.Fatalf("describe a %s group that does not exist: %+v", kind, groups[1])
		}
		_, err := check(groups[0])
		return err
	})
}

// shareMember is one member of a share group and its share session on the broker.
type shareMember struct {
	group, id    string
	epoch        int32 // the member epoch
	sessionEpoch int32 // the next share session epoch
}

// testShareGroup runs a share group's life (KIP-932), each API at its version for the
// round: start the group at the earliest offset (a group config), join it and get the
// data topic's partition, describe it, fetch every record produced so far, acknowledge
// all but the last and release that one, get it again with a delivery count of 2 and
// accept it with the next fetch, which delivers nothing more, read the group's start
// offset, leave, and alter and delete the offsets of
// the now empty group.
func (s *suite) testShareGroup(t *testing.T, round int16) {
	group := fmt.Sprintf("kio-share-%d", round)
	s.findCoordinator(t, s.newest(t, onBroker, keyFindCoordinator), group, 0)

	cfg := serial.Default[incrementalalterconfigs.IncrementalAlterConfigsRequest]()
	cfg.Resources = []incrementalalterconfigs.AlterConfigsResource{{ResourceType: resourceGroup, ResourceName: group,
		Configs: []incrementalalterconfigs.AlterableConfig{{Name: "share.auto.offset.reset", Value: testkit.Ptr("earliest")}}}}
	if r := testkit.Call[incrementalalterconfigs.IncrementalAlterConfigsResponse](t, s.broker, s.newest(t, onBroker, 44), &cfg); r.Responses[0].ErrorCode != common.None {
		t.Fatalf("share.auto.offset.reset of %s: %v %s", group, r.Responses[0].ErrorCode, str(r.Responses[0].ErrorMessage))
	}

	m := s.shareJoin(t, s.at(t, keyShareGroupHeartbeat, round), group)
	s.shareDescribe(t, s.at(t, keyShareGroupDescribe, round), m)

	fv, av := s.at(t, keyShareFetch, round), s.at(t, keyShareAcknowledge, round)
	n := int64(len(s.produced))
	if n < 2 {
		t.Fatalf("only %d records produced", n)
	}
	got, acquired := s.shareFetchUntil(t, fv, m, nil, n)
	s.checkShared(t, got, s.produced)
	for _, a := range acquired {
		if a.DeliveryCount != 1 {
			t.Errorf("first delivery of %d-%d: count %d", a.FirstOffset, a.LastOffset, a.DeliveryCount)
		}
	}

	// Accept all but the last record, release the last: only it comes back.
	ack := serial.Default[shareacknowledge.ShareAcknowledgeRequest]()
	ack.GroupId, ack.MemberId, ack.ShareSessionEpoch = testkit.Ptr(common.GroupId(group)), testkit.Ptr(m.id), m.sessionEpoch
	ack.Topics = []shareacknowledge.AcknowledgeTopic{{TopicId: s.dataID, Partitions: []shareacknowledge.AcknowledgePartition{{PartitionIndex: 0,
		AcknowledgementBatches: []shareacknowledge.AcknowledgementBatch{
			{FirstOffset: 0, LastOffset: n - 2, AcknowledgeTypes: []int8{ackAccept}},
			{FirstOffset: n - 1, LastOffset: n - 1, AcknowledgeTypes: []int8{ackRelease}}}}}}}
	ar := testkit.Call[shareacknowledge.ShareAcknowledgeResponse](t, s.broker, av, &ack)
	m.sessionEpoch++
	if ar.ErrorCode != common.None || len(ar.Responses) != 1 || ar.Responses[0].TopicId != s.dataID || len(ar.Responses[0].Partitions) != 1 ||
		ar.Responses[0].Partitions[0].ErrorCode != common.None {
		t.Fatalf("acknowledge: %v %s %+v", ar.ErrorCode, str(ar.ErrorMessage), ar.Responses)
	}
	if av >= 2 && ar.AcquisitionLockTimeoutMs <= 0 {
		t.Errorf("acknowledge v%d: acquisition lock timeout %d", av, ar.AcquisitionLockTimeoutMs)
	}

	got, acquired = s.shareFetchUntil(t, fv, m, nil, 1)
	s.checkShared(t, got, s.produced[n-1:])
	if len(acquired) != 1 || acquired[0].FirstOffset != n-1 || acquired[0].LastOffset != n-1 || acquired[0].DeliveryCount != 2 {
		t.Errorf("redelivery of the released record: %+v, want offset %d count 2", acquired, n-1)
	}
	// Accept it with the next fetch: nothing is left to deliver.
	accept := []sharefetch.AcknowledgementBatch{{FirstOffset: n - 1, LastOffset: n - 1, AcknowledgeTypes: []int8{ackAccept}}}
	if p := s.shareFetch(t, fv, m, accept, 100); len(p.AcquiredRecords) != 0 || p.AcknowledgeErrorCode != common.None {
		t.Errorf("fetch after accepting everything: ack %v, acquired %+v", p.AcknowledgeErrorCode, p.AcquiredRecords)
	}

	// Every record is accepted, but the start offset Kafka 4.4.0 reports is the last
	// record's (the released one's), not the end offset; the lag is 0.
	dv := s.at(t, keyDescribeShareGroupOffsets, round)
	s.checkShareOffset(t, dv, group, n-1, 0)
	s.quirk("DescribeShareGroupOffsets: with every record of the partition accepted (the last one after a release and redelivery), the start offset is the last record's offset, not the end offset; lag 0")
	s.shareLeave(t, s.at(t, keyShareGroupHeartbeat, round), m)

	alter := altersharegroupoffsets.AlterShareGroupOffsetsRequest{GroupId: common.GroupId(group), Topics: []altersharegroupoffsets.AlterShareGroupOffsetsRequestTopic{
		{TopicName: common.TopicName(s.dataTopic), Partitions: []altersharegroupoffsets.AlterShareGroupOffsetsRequestPartition{{PartitionIndex: 0, StartOffset: 1}}}}}
	until(t, func() error { // the group is empty once the coordinator has processed the leave
		r := testkit.Call[altersharegroupoffsets.AlterShareGroupOffsetsResponse](t, s.broker, s.at(t, keyAlterShareGroupOffsets, round), &alter)
		if r.ErrorCode != common.None || len(r.Responses) != 1 || r.Responses[0].TopicId != s.dataID || string(r.Responses[0].TopicName) != s.dataTopic ||
			len(r.Responses[0].Partitions) != 1 || r.Responses[0].Partitions[0].ErrorCode != common.None {
			return fmt.Errorf("alter share group offsets: %v %s %+v", r.ErrorCode, str(r.ErrorMessage), r.Responses)
		}
		return nil
	})
	s.checkShareOffset(t, dv, group, 1, n-1)

	del := deletesharegroupoffsets.DeleteShareGroupOffsetsRequest{GroupId: common.GroupId(group),
		Topics: []deletesharegroupoffsets.DeleteShareGroupOffsetsRequestTopic{{TopicName: common.TopicName(s.dataTopic)}}}
	r := testkit.Call[deletesharegroupoffsets.DeleteShareGroupOffsetsResponse](t, s.broker, s.at(t, keyDeleteShareGroupOffsets, round), &del)
	if r.ErrorCode != common.None || len(r.Responses) != 1 || r.Responses[0].TopicId != s.dataID || r.Responses[0].ErrorCode != common.None {
		t.Fatalf("delete share group offsets: %v %s %+v", r.ErrorCode, str(r.ErrorMessage), r.Responses)
	}
	s.checkShareOffset(t, dv, group, -1, -1)
}

// shareJoin joins group at v with a member id of its own (KIP-932 v1) and heartbeats
// until the data topic's partition 0 is assigned.
func (s *suite) shareJoin(t testing.TB, v int16, group string) *shareMember {
	t.Helper()
	m := &shareMember{group: group, id: memberID()}
	req := serial.Default[sharegroupheartbeat.ShareGroupHeartbeatRequest]()
	req.GroupId, req.MemberId, req.MemberEpoch = common.GroupId(group), m.id, 0
	req.SubscribedTopicNames = []common.TopicName{common.TopicName(s.dataTopic)}
	until(t, func() error {
		resp := testkit.Call[sharegroupheartbeat.ShareGroupHeartbeatResponse](t, s.broker, v, &req)
		if resp.ErrorCode != common.None || resp.MemberId == nil || *resp.MemberId != m.id || resp.MemberEpoch < 1 || resp.HeartbeatIntervalMs <= 0 {
			return fmt.Errorf("share heartbeat: %v %s member %s epoch %d", resp.ErrorCode, str(resp.ErrorMessage), str(resp.MemberId), resp.MemberEpoch)
		}
		m.epoch = resp.MemberEpoch
		req.MemberEpoch, req.SubscribedTopicNames = m.epoch, nil // later heartbeats: only what changed
		if resp.Assignment == nil || len(resp.Assignment.TopicPartitions) != 1 || resp.Assignment.TopicPartitions[0].TopicId != s.dataID ||
			!slices.Equal(resp.Assignment.TopicPartitions[0].Partitions, []int32{0}) {
			return fmt.Errorf("no assignment yet: %+v", resp.Assignment)
		}
		return nil
	})
	return m
}

// shareLeave leaves the group with the member epoch -1.
func (s *suite) shareLeave(t testing.TB, v int16, m *shareMember) {
	t.Helper()
	req := serial.Default[sharegroupheartbeat.ShareGroupHeartbeatRequest]()
	req.GroupId, req.MemberId, req.MemberEpoch = common.GroupId(m.group), m.id, -1
	resp := testkit.Call[sharegroupheartbeat.ShareGroupHeartbeatResponse](t, s.broker, v, &req)
	if resp.ErrorCode != common.None || resp.MemberEpoch != -1 {
		t.Errorf("share leave: %v %s epoch %d", resp.ErrorCode, str(resp.ErrorMessage), resp.MemberEpoch)
	}
}

// shareDescribe finds m in its group, stable, with the data topic's partition.
func (s *suite) shareDescribe(t testing.TB, v int16, m *shareMember) {
	t.Helper()
	req := sharegroupdescribe.ShareGroupDescribeRequest{GroupIds: []common.GroupId{common.GroupId(m.group), "kio-no-such-share-group"}, IncludeAuthorizedOperations: true}
	describe := func() []sharegroupdescribe.DescribedGroup {
		return testkit.Call[sharegroupdescribe.ShareGroupDescribeResponse](t, s.broker, v, &req).Groups
	}
	untilDescribed(t, "share", describe, func(g sharegroupdescribe.DescribedGroup) (common.ErrorCode, error) {
		if g.ErrorCode != common.None || string(g.GroupId) != m.group || g.GroupState != "Stable" || g.GroupEpoch < 1 || g.AssignmentEpoch != g.GroupEpoch ||
			g.AssignorName == "" || len(g.Members) != 1 || g.AuthorizedOperations == -2147483648 {
			return g.ErrorCode, fmt.Errorf("share group %+v", g)
		}
		gm := g.Members[0]
		if gm.MemberId != m.id || gm.MemberEpoch != m.epoch || gm.ClientId != clientID || gm.ClientHost == "" ||
			!slices.Equal(gm.SubscribedTopicNames, []common.TopicName{common.TopicName(s.dataTopic)}) ||
			len(gm.Assignment.TopicPartitions) != 1 || gm.Assignment.TopicPartitions[0].TopicId != s.dataID ||
			string(gm.Assignment.TopicPartitions[0].TopicName) != s.dataTopic || !slices.Equal(gm.Assignment.TopicPartitions[0].Partitions, []int32{0}) {
			return g.ErrorCode, fmt.Errorf("share member %+v", gm)
		}
		return g.ErrorCode, nil
	})
}

// shareFetch sends one ShareFetch of the data topic's partition 0 in m's session, with
// acks for it, and returns the partition's answer.
func (s *suite) shareFetch(t testing.TB, v int16, m *shareMember, acks []sharefetch.AcknowledgementBatch, waitMs int32) *sharefetch.PartitionData {
	t.Helper()
	req := serial.Default[sharefetch.ShareFetchRequest]()
	req.GroupId, req.MemberId, req.ShareSessionEpoch = testkit.Ptr(common.GroupId(m.group)), testkit.Ptr(m.id), m.sessionEpoch
	req.MaxWaitMs, req.MinBytes, req.MaxBytes = waitMs, 1, 8<<20
	req.MaxRecords, req.BatchSize = 10000, 10000
	req.Topics = []sharefetch.FetchTopic{{TopicId: s.dataID, Partitions: []sharefetch.FetchPartition{{PartitionIndex: 0, AcknowledgementBatches: acks}}}}
	resp := testkit.Call[sharefetch.ShareFetchResponse](t, s.broker, v, &req)
	m.sessionEpoch++
	if resp.ErrorCode != common.None || len(resp.Responses) != 1 || resp.Responses[0].TopicId != s.dataID || len(resp.Responses[0].Partitions) != 1 {
		t.Fatalf("share fetch v%d: %v %s %+v", v, resp.ErrorCode, str(resp.ErrorMessage), resp.Responses)
	}
	if v >= 1 && resp.AcquisitionLockTimeoutMs <= 0 {
		t.Errorf("share fetch v%d: acquisition lock timeout %d", v, resp.AcquisitionLockTimeoutMs)
	}
	p := &resp.Responses[0].Partitions[0]
	if p.PartitionIndex != 0 || p.ErrorCode != common.None {
		t.Fatalf("share fetch v%d partition: %d %v %s", v, p.PartitionIndex, p.ErrorCode, str(p.ErrorMessage))
	}
	return p
}

// shareFetchUntil fetches in m's session until want records are acquired, returning
// the acquired records (decoded with kio/records) and the acquired ranges.
func (s *suite) shareFetchUntil(t testing.TB, v int16, m *shareMember, acks []sharefetch.AcknowledgementBatch, want int64) ([]records.Record, []sharefetch.AcquiredRecords) {
	t.Helper()
	var got []records.Record
	var acquired []sharefetch.AcquiredRecords
	until(t, func() error {
		p := s.shareFetch(t, v, m, acks, 500)
		acks = nil
		acquired = append(acquired, p.AcquiredRecords...)
		var batch []records.Record
		sc := records.NewScanner(p.Records)
		for sc.Next() {
			batch = append(batch, sc.Batch().Records...)
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("share fetch v%d records: %v", v, err)
		}
		// Only the acquired offsets of the batches sent belong to this member.
		for _, r := range batch {
			for _, a := range p.AcquiredRecords {
				if r.Offset >= a.FirstOffset && r.Offset <= a.LastOffset {
					got = append(got, r)
				}
			}
		}
		if int64(len(got)) < want {
			return fmt.Errorf("share fetch v%d: %d of %d records acquired", v, len(got), want)
		}
		return nil
	})
	return got, acquired
}

// checkShared compares records delivered to a share group with those produced.
func (s *suite) checkShared(t testing.TB, got, want []records.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("share fetched %d records, want %d", len(got), len(want))
	}
	for i, r := range got {
		w := want[i]
		if r.Offset != w.Offset || !bytes.Equal(r.Key, w.Key) || !bytes.Equal(r.Value, w.Value) || (r.Key == nil) != (w.Key == nil) || r.Timestamp != w.Timestamp ||
			len(r.Headers) != len(w.Headers) || len(w.Headers) == 1 && (r.Headers[0].Key != w.Headers[0].Key || !bytes.Equal(r.Headers[0].Value, w.Headers[0].Value)) {
			t.Errorf("share record %d: %d %q %q %d %+v, want %d %q %q %d %+v", i, r.Offset, r.Key, r.Value, r.Timestamp, r.Headers, w.Offset, w.Key, w.Value, w.Timestamp, w.Headers)
		}
	}
}

// checkShareOffset reads group's start offset of the data topic's partition 0 at v
// until it is want (-1: none), and from v1 its lag: the records from the start offset
// on not yet delivered to completion.
func (s *suite) checkShareOffset(t testing.TB, v int16, group string, want, lag int64) {
	t.Helper()
	req := describesharegroupoffsets.DescribeShareGroupOffsetsRequest{Groups: []describesharegroupoffsets.DescribeShareGroupOffsetsRequestGroup{{GroupId: common.GroupId(group),
		Topics: []describesharegroupoffsets.DescribeShareGroupOffsetsRequestTopic{{TopicName: common.TopicName(s.dataTopic), Partitions: []int32{0}}}}}}
	until(t, func() error {
		resp := testkit.Call[describesharegroupoffsets.DescribeShareGroupOffsetsResponse](t, s.broker, v, &req)
		if len(resp.Groups) != 1 || resp.Groups[0].ErrorCode != common.None || string(resp.Groups[0].GroupId) != group {
			return fmt.Errorf("describe share group offsets: %+v", resp.Groups)
		}
		topics := resp.Groups[0].Topics
		if len(topics) != 1 || string(topics[0].TopicName) != s.dataTopic || topics[0].TopicId != s.dataID || len(topics[0].Partitions) != 1 {
			return fmt.Errorf("share group offsets of %s: %+v", group, topics)
		}
		p := topics[0].Partitions[0]
		if p.ErrorCode != common.None || p.PartitionIndex != 0 || p.StartOffset != want {
			return fmt.Errorf("share group %s start offset: %+v, want %d", group, p, want)
		}
		if v >= 1 && want >= 0 && p.Lag != lag {
			return fmt.Errorf("share group %s lag %d, want %d", group, p.Lag, lag)
		}
		return nil
	})
}
