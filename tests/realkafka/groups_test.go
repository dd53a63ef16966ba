package realkafka

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/consumergroupdescribe"
	"github.com/kio-go/kafka-protocol/kio/schema/consumergroupheartbeat"
	"github.com/kio-go/kafka-protocol/kio/schema/consumerprotocolassignment"
	"github.com/kio-go/kafka-protocol/kio/schema/consumerprotocolsubscription"
	"github.com/kio-go/kafka-protocol/kio/schema/deletegroups"
	"github.com/kio-go/kafka-protocol/kio/schema/describegroups"
	"github.com/kio-go/kafka-protocol/kio/schema/findcoordinator"
	"github.com/kio-go/kafka-protocol/kio/schema/heartbeat"
	"github.com/kio-go/kafka-protocol/kio/schema/joingroup"
	"github.com/kio-go/kafka-protocol/kio/schema/leavegroup"
	"github.com/kio-go/kafka-protocol/kio/schema/listgroups"
	"github.com/kio-go/kafka-protocol/kio/schema/offsetcommit"
	"github.com/kio-go/kafka-protocol/kio/schema/offsetdelete"
	"github.com/kio-go/kafka-protocol/kio/schema/offsetfetch"
	"github.com/kio-go/kafka-protocol/kio/schema/syncgroup"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

// The classic group API keys, for the flow's versions.
const (
	keyOffsetCommit    = 8
	keyOffsetFetch     = 9
	keyFindCoordinator = 10
	keyJoinGroup       = 11
	keyHeartbeat       = 12
	keyLeaveGroup      = 13
	keySyncGroup       = 14
	keyDescribeGroups  = 15
	keyListGroups      = 16
	keyDeleteGroups    = 42
	keyOffsetDelete    = 47
)

var classicGroupKeys = []int16{keyOffsetCommit, keyOffsetFetch, keyFindCoordinator, keyJoinGroup, keyHeartbeat,
	keyLeaveGroup, keySyncGroup, keyDescribeGroups, keyListGroups, keyDeleteGroups, keyOffsetDelete}

// findCoordinator asks for the coordinator of key (keyType 0 group, 1 transaction) at
// v, waiting while the coordinator's topic is created, and checks it is this node.
func (s *suite) findCoordinator(t testing.TB, v int16, key string, keyType int8) {
	t.Helper()
	req := serial.Default[findcoordinator.FindCoordinatorRequest]()
	if v >= 4 {
		req.CoordinatorKeys = []string{key}
	} else {
		req.Key = key
	}
	if v >= 1 {
		req.KeyType = keyType
	} else if keyType != 0 {
		t.Fatalf("FindCoordinator v0 has groups only")
	}
	eventually(t, func() error {
		resp := testkit.Call[findcoordinator.FindCoordinatorResponse](t, s.broker, v, &req)
		code, node, host, port := resp.ErrorCode, resp.NodeId, resp.Host, resp.Port
		if v >= 4 {
			if len(resp.Coordinators) != 1 || resp.Coordinators[0].Key != key {
				return fmt.Errorf("%+v", resp.Coordinators)
			}
			c := resp.Coordinators[0]
			code, node, host, port = c.ErrorCode, c.NodeId, c.Host, c.Port
		}
		if code != common.None || node != NodeID || net.JoinHostPort(host, strconv.Itoa(int(port))) != s.b.Plaintext {
			return fmt.Errorf("coordinator of %s: %v node %d at %s:%d", key, code, node, host, port)
		}
		return nil
	})
}

func subscription(topics ...string) []byte {
	b, _ := serial.Marshal(&consumerprotocolsubscription.ConsumerProtocolSubscription{Topics: topics, GenerationId: -1}, 0)
	return append([]byte{0, 0}, b...) // the version prefix of the consumer protocol
}

// joinGroup joins group as a new member at v, answering MEMBER_ID_REQUIRED (v4+) with
// the id the coordinator gave, and returns the response.
func (s *suite) joinGroup(t testing.TB, v int16, group string) *joingroup.JoinGroupResponse {
	t.Helper()
	req := serial.Default[joingroup.JoinGroupRequest]()
	req.GroupId, req.SessionTimeoutMs, req.RebalanceTimeoutMs = common.GroupId(group), 30000, 30000
	req.ProtocolType = "consumer"
	req.Protocols = []joingroup.JoinGroupRequestProtocol{{Name: "range", Metadata: subscription(s.dataTopic)}}
	if v >= 8 {
		req.Reason = testkit.Ptr("kio test")
	}
	var resp *joingroup.JoinGroupResponse
	for i := 0; ; i++ { // a coordinator that just started loads its partition first
		resp = testkit.Call[joingroup.JoinGroupResponse](t, s.broker, v, &req)
		if !resp.ErrorCode.Retriable() || i == 100 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if v >= 4 && resp.ErrorCode == common.MemberIdRequired {
		if resp.MemberId == "" {
			t.Fatalf("MEMBER_ID_REQUIRED without a member id")
		}
		req.MemberId = resp.MemberId
		resp = testkit.Call[joingroup.JoinGroupResponse](t, s.broker, v, &req)
	} else if v >= 4 {
		t.Errorf("v%d first join: %v, want MEMBER_ID_REQUIRED", v, resp.ErrorCode)
	}
	if resp.ErrorCode != common.None || resp.MemberId == "" || resp.Leader != resp.MemberId || resp.GenerationId < 1 || str(resp.ProtocolName) != "range" {
		t.Fatalf("join %s v%d: %+v", group, v, resp)
	}
	if len(resp.Members) != 1 || resp.Members[0].MemberId != resp.MemberId || string(resp.Members[0].Metadata) != string(subscription(s.dataTopic)) {
		t.Errorf("leader's member list %+v", resp.Members)
	}
	if v >= 7 && str(resp.ProtocolType) != "consumer" {
		t.Errorf("protocol type %s", str(resp.ProtocolType))
	}
	return resp
}

// testClassicGroup runs a consumer group's life with the classic protocol, each API at
// its version for the round: find the coordinator, join, sync, heartbeat, commit and
// fetch offsets, describe and list, leave, delete offsets and the group.
func (s *suite) testClassicGroup(t *testing.T, round int16) {
	group := fmt.Sprintf("kio-classic-%d", round)
	s.findCoordinator(t, s.at(t, keyFindCoordinator, round), group, 0)

	join := s.joinGroup(t, s.at(t, keyJoinGroup, round), group)
	assignment, _ := serial.Marshal(&consumerprotocolassignment.ConsumerProtocolAssignment{
		AssignedPartitions: []consumerprotocolassignment.TopicPartition{{Topic: common.TopicName(s.dataTopic), Partitions: []int32{0}}}}, 0)
	assignment = append([]byte{0, 0}, assignment...)
	sv := s.at(t, keySyncGroup, round)
	sync := serial.Default[syncgroup.SyncGroupRequest]()
	sync.GroupId, sync.GenerationId, sync.MemberId = common.GroupId(group), join.GenerationId, join.MemberId
	if sv >= 5 {
		sync.ProtocolType, sync.ProtocolName = testkit.Ptr("consumer"), testkit.Ptr("range")
	}
	sync.Assignments = []syncgroup.SyncGroupRequestAssignment{{MemberId: join.MemberId, Assignment: assignment}}
	sr := testkit.Call[syncgroup.SyncGroupResponse](t, s.broker, sv, &sync)
	if sr.ErrorCode != common.None || string(sr.Assignment) != string(assignment) || sv >= 5 && str(sr.ProtocolName) != "range" {
		t.Fatalf("sync: %+v", sr)
	}

	hv := s.at(t, keyHeartbeat, round)
	hb := heartbeat.HeartbeatRequest{GroupId: common.GroupId(group), GenerationId: join.GenerationId, MemberId: join.MemberId}
	if r := testkit.Call[heartbeat.HeartbeatResponse](t, s.broker, hv, &hb); r.ErrorCode != common.None {
		t.Errorf("heartbeat: %v", r.ErrorCode)
	}
	hb.GenerationId++
	if r := testkit.Call[heartbeat.HeartbeatResponse](t, s.broker, hv, &hb); r.ErrorCode != common.IllegalGeneration {
		t.Errorf("heartbeat of a wrong generation: %v, want ILLEGAL_GENERATION", r.ErrorCode)
	}

	cv := s.at(t, keyOffsetCommit, round)
	commit := serial.Default[offsetcommit.OffsetCommitRequest]()
	commit.GroupId, commit.GenerationIdOrMemberEpoch, commit.MemberId = common.GroupId(group), join.GenerationId, join.MemberId
	committed := int64(10 + round)
	part := offsetcommit.OffsetCommitRequestPartition{PartitionIndex: 0, CommittedOffset: committed, CommittedMetadata: testkit.Ptr("kio"), CommittedLeaderEpoch: -1}
	if cv >= 6 {
		part.CommittedLeaderEpoch = s.epoch
	}
	if cv == 1 {
		part.CommitTimestamp = -1
	}
	commit.Topics = []offsetcommit.OffsetCommitRequestTopic{{Name: common.TopicName(s.dataTopic), TopicId: s.dataID, Partitions: []offsetcommit.OffsetCommitRequestPartition{part}}}
	r := testkit.Call[offsetcommit.OffsetCommitResponse](t, s.broker, cv, &commit)
	switch code := r.Topics[0].Partitions[0].ErrorCode; {
	case cv == 0 && code == common.UnsupportedVersion:
		// v0 kept offsets in ZooKeeper; the new group coordinator refuses it.
		s.quirk("OffsetCommit v0: advertised, answered UNSUPPORTED_VERSION by the group coordinator (v0 offsets lived in ZooKeeper)")
		committed = -1
	case code != common.None:
		t.Fatalf("commit: %+v", r.Topics)
	}
	s.checkCommitted(t, s.at(t, keyOffsetFetch, round), group, committed, cv >= 6)

	dv := s.at(t, keyDescribeGroups, round)
	dreq := serial.Default[describegroups.DescribeGroupsRequest]()
	dreq.Groups = []common.GroupId{common.GroupId(group), "kio-no-such-group"}
	dreq.IncludeAuthorizedOperations = dv >= 3
	dr := testkit.Call[describegroups.DescribeGroupsResponse](t, s.broker, dv, &dreq)
	if len(dr.Groups) != 2 {
		t.Fatalf("describe: %+v", dr.Groups)
	}
	if g := dr.Groups[0]; g.ErrorCode != common.None || g.GroupState != "Stable" || g.ProtocolType != "consumer" || g.ProtocolData != "range" ||
		len(g.Members) != 1 || g.Members[0].ClientId != clientID || string(g.Members[0].MemberAssignment) != string(assignment) {
		t.Errorf("describe %s: %+v", group, g)
	}
	if g := dr.Groups[1]; g.GroupState != "Dead" && g.ErrorCode != common.GroupIdNotFound {
		t.Errorf("describe a group that does not exist: %+v", g)
	}

	lv := s.at(t, keyListGroups, round)
	lreq := serial.Default[listgroups.ListGroupsRequest]()
	if lv >= 4 {
		lreq.StatesFilter = []string{"Stable"}
	}
	if lv >= 5 {
		lreq.TypesFilter = []string{"classic"}
	}
	lr := testkit.Call[listgroups.ListGroupsResponse](t, s.broker, lv, &lreq)
	found := false
	for _, g := range lr.Groups {
		found = found || string(g.GroupId) == group && g.ProtocolType == "consumer" && (lv < 4 || g.GroupState == "Stable") && (lv < 5 || g.GroupType == "classic")
	}
	if lr.ErrorCode != common.None || !found {
		t.Errorf("list groups: %v, %s not among %+v", lr.ErrorCode, group, lr.Groups)
	}

	leave := serial.Default[leavegroup.LeaveGroupRequest]()
	leave.GroupId = common.GroupId(group)
	lgv := s.at(t, keyLeaveGroup, round)
	if lgv >= 3 {
		leave.Members = []leavegroup.MemberIdentity{{MemberId: join.MemberId}}
	} else {
		leave.MemberId = join.MemberId
	}
	if r := testkit.Call[leavegroup.LeaveGroupResponse](t, s.broker, lgv, &leave); r.ErrorCode != common.None || lgv >= 3 && (len(r.Members) != 1 || r.Members[0].ErrorCode != common.None) {
		t.Errorf("leave: %+v", r)
	}

	// The group is empty now: its offsets can be deleted, then the group.
	od := offsetdelete.OffsetDeleteRequest{GroupId: common.GroupId(group), Topics: []offsetdelete.OffsetDeleteRequestTopic{{Name: common.TopicName(s.dataTopic),
		Partitions: []offsetdelete.OffsetDeleteRequestPartition{{PartitionIndex: 0}}}}}
	if r := testkit.Call[offsetdelete.OffsetDeleteResponse](t, s.broker, s.at(t, keyOffsetDelete, round), &od); r.ErrorCode != common.None || r.Topics[0].Partitions[0].ErrorCode != common.None {
		t.Errorf("offset delete: %+v", r)
	}
	s.checkCommitted(t, s.at(t, keyOffsetFetch, round), group, -1, false)
	gv := s.at(t, keyDeleteGroups, round)
	del := deletegroups.DeleteGroupsRequest{GroupsNames: []common.GroupId{common.GroupId(group)}}
	if r := testkit.Call[deletegroups.DeleteGroupsResponse](t, s.broker, gv, &del); len(r.Results) != 1 || r.Results[0].ErrorCode != common.None {
		t.Errorf("delete group: %+v", r.Results)
	}
	if r := testkit.Call[deletegroups.DeleteGroupsResponse](t, s.broker, gv, &del); r.Results[0].ErrorCode != common.GroupIdNotFound {
		t.Errorf("delete again: %v, want GROUP_ID_NOT_FOUND", r.Results[0].ErrorCode)
	}
}

// checkCommitted reads group's offset of the data topic's partition 0 at v.
func (s *suite) checkCommitted(t testing.TB, v int16, group string, want int64, withEpoch bool) {
	t.Helper()
	req := serial.Default[offsetfetch.OffsetFetchRequest]()
	if v >= 8 {
		req.Groups = []offsetfetch.OffsetFetchRequestGroup{{GroupId: common.GroupId(group),
			Topics: []offsetfetch.OffsetFetchRequestTopics{{Name: common.TopicName(s.dataTopic), TopicId: s.dataID, PartitionIndexes: []int32{0}}}}}
		if v >= 9 {
			req.Groups[0].MemberEpoch = -1
		}
	} else {
		req.GroupId = common.GroupId(group)
		req.Topics = []offsetfetch.OffsetFetchRequestTopic{{Name: common.TopicName(s.dataTopic), PartitionIndexes: []int32{0}}}
	}
	resp := testkit.Call[offsetfetch.OffsetFetchResponse](t, s.broker, v, &req)
	var offset int64
	var epoch int32
	var meta *string
	var code common.ErrorCode
	if v >= 8 {
		if len(resp.Groups) != 1 || resp.Groups[0].ErrorCode != common.None || len(resp.Groups[0].Topics) != 1 {
			t.Fatalf("offset fetch: %+v", resp.Groups)
		}
		p := resp.Groups[0].Topics[0].Partitions[0]
		offset, epoch, meta, code = p.CommittedOffset, p.CommittedLeaderEpoch, p.Metadata, p.ErrorCode
	} else {
		if resp.ErrorCode != common.None || len(resp.Topics) != 1 {
			t.Fatalf("offset fetch: %v %+v", resp.ErrorCode, resp.Topics)
		}
		p := resp.Topics[0].Partitions[0]
		offset, epoch, meta, code = p.CommittedOffset, p.CommittedLeaderEpoch, p.Metadata, p.ErrorCode
	}
	if v == 0 && code == common.UnsupportedVersion {
		s.quirk("OffsetFetch v0: advertised, answered UNSUPPORTED_VERSION by the group coordinator (v0 offsets lived in ZooKeeper)")
		return
	}
	if code != common.None || offset != want || want >= 0 && str(meta) != "kio" {
		t.Errorf("committed: %v offset %d metadata %s, want %d kio", code, offset, str(meta), want)
	}
	if withEpoch && v >= 5 && epoch != s.epoch {
		t.Errorf("committed leader epoch %d, want %d", epoch, s.epoch)
	}
}

// memberID makes a consumer-protocol member id (v1+: the client chooses it, KIP-1082).
func memberID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// consumerJoin joins group with the consumer protocol (KIP-848) at v and heartbeats
// until the data topic's partition is assigned; it returns the member id and epoch.
func (s *suite) consumerJoin(t testing.TB, v int16, group string) (string, int32) {
	t.Helper()
	req := serial.Default[consumergroupheartbeat.ConsumerGroupHeartbeatRequest]()
	req.GroupId, req.MemberEpoch, req.RebalanceTimeoutMs = common.GroupId(group), 0, 30000
	if v >= 1 {
		req.MemberId = memberID()
	}
	req.SubscribedTopicNames = []common.TopicName{common.TopicName(s.dataTopic)}
	req.TopicPartitions = []consumergroupheartbeat.TopicPartitions{}
	var member string
	var epoch int32
	eventually(t, func() error {
		resp := testkit.Call[consumergroupheartbeat.ConsumerGroupHeartbeatResponse](t, s.broker, v, &req)
		if resp.ErrorCode != common.None || resp.MemberId == nil || resp.MemberEpoch < 1 || resp.HeartbeatIntervalMs <= 0 {
			return fmt.Errorf("heartbeat: %v %s %+v", resp.ErrorCode, str(resp.ErrorMessage), resp)
		}
		if v >= 1 && *resp.MemberId != req.MemberId {
			return fmt.Errorf("member id %s, chose %s", *resp.MemberId, req.MemberId)
		}
		member, epoch = *resp.MemberId, resp.MemberEpoch
		req.MemberId, req.MemberEpoch = member, epoch
		// Later heartbeats send only what changed: nulls for the rest.
		req.SubscribedTopicNames, req.TopicPartitions, req.RebalanceTimeoutMs = nil, nil, -1
		if resp.Assignment == nil || len(resp.Assignment.TopicPartitions) != 1 || resp.Assignment.TopicPartitions[0].TopicId != s.dataID ||
			!slices.Equal(resp.Assignment.TopicPartitions[0].Partitions, []int32{0}) {
			return fmt.Errorf("no assignment yet: %+v", resp.Assignment)
		}
		// Acknowledge the assignment by owning it.
		req.TopicPartitions = []consumergroupheartbeat.TopicPartitions{{TopicId: s.dataID, Partitions: []int32{0}}}
		return nil
	})
	return member, epoch
}

func (s *suite) consumerLeave(t testing.TB, v int16, group, member string) {
	t.Helper()
	req := serial.Default[consumergroupheartbeat.ConsumerGroupHeartbeatRequest]()
	req.GroupId, req.MemberId, req.MemberEpoch, req.RebalanceTimeoutMs = common.GroupId(group), member, -1, -1
	req.SubscribedTopicNames, req.TopicPartitions = nil, nil
	resp := testkit.Call[consumergroupheartbeat.ConsumerGroupHeartbeatResponse](t, s.broker, v, &req)
	if resp.ErrorCode != common.None || resp.MemberEpoch != -1 {
		t.Errorf("leave: %v epoch %d", resp.ErrorCode, resp.MemberEpoch)
	}
}

func (s *suite) testConsumerGroupHeartbeat(t *testing.T, v int16) {
	group := fmt.Sprintf("kio-consumer-hb-v%d", v)
	s.findCoordinator(t, s.newest(t, onBroker, keyFindCoordinator), group, 0)
	member, _ := s.consumerJoin(t, v, group)
	s.consumerLeave(t, v, group, member)
}

func (s *suite) testConsumerGroupDescribe(t *testing.T, v int16) {
	group := fmt.Sprintf("kio-consumer-describe-v%d", v)
	s.findCoordinator(t, s.newest(t, onBroker, keyFindCoordinator), group, 0)
	hv := s.newest(t, onBroker, 68)
	member, epoch := s.consumerJoin(t, hv, group)
	defer s.consumerLeave(t, hv, group, member)
	req := consumergroupdescribe.ConsumerGroupDescribeRequest{GroupIds: []common.GroupId{common.GroupId(group)}, IncludeAuthorizedOperations: true}
	eventually(t, func() error {
		resp := testkit.Call[consumergroupdescribe.ConsumerGroupDescribeResponse](t, s.broker, v, &req)
		if len(resp.Groups) != 1 {
			return fmt.Errorf("%+v", resp.Groups)
		}
		g := resp.Groups[0]
		if g.ErrorCode != common.None || g.GroupState != "Stable" || g.GroupEpoch < 1 || g.AssignorName == "" || len(g.Members) != 1 {
			return fmt.Errorf("group %+v", g)
		}
		m := g.Members[0]
		if m.MemberId != member || m.MemberEpoch != epoch || m.ClientId != clientID || !slices.Equal(m.SubscribedTopicNames, []common.TopicName{common.TopicName(s.dataTopic)}) ||
			len(m.Assignment.TopicPartitions) != 1 || string(m.Assignment.TopicPartitions[0].TopicName) != s.dataTopic {
			return fmt.Errorf("member %+v", m)
		}
		return nil
	})
}
