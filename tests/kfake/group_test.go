package kfake

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/consumerprotocolassignment"
	"github.com/kio-go/kafka-protocol/kio/schema/consumerprotocolsubscription"
	"github.com/kio-go/kafka-protocol/kio/schema/findcoordinator"
	"github.com/kio-go/kafka-protocol/kio/schema/heartbeat"
	"github.com/kio-go/kafka-protocol/kio/schema/joingroup"
	"github.com/kio-go/kafka-protocol/kio/schema/leavegroup"
	"github.com/kio-go/kafka-protocol/kio/schema/offsetcommit"
	"github.com/kio-go/kafka-protocol/kio/schema/offsetfetch"
	"github.com/kio-go/kafka-protocol/kio/schema/syncgroup"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

// The consumer group APIs, in the order a classic consumer uses them.
const (
	keyFindCoordinator = 10
	keyJoinGroup       = 11
	keyHeartbeat       = 12
	keyLeaveGroup      = 13
	keySyncGroup       = 14
	keyOffsetCommit    = 8
	keyOffsetFetch     = 9
)

// consumerProtocolVersion is the version of the embedded consumer protocol messages
// (subscription and assignment) the group flows send.
const consumerProtocolVersion = 3

// groupFlow is one run of the consumer group flow, every API at one version.
type groupFlow struct {
	s        *suite
	id       string
	v        map[int16]int16 // version per API key
	coord    *testkit.Conn
	memberID string
	gen      int32
	sub      []byte // the subscription (JoinGroup protocol metadata) sent
}

// testGroupFlows runs the classic consumer group flow once per version step: flow i
// uses every API at its oldest common version plus i, capped at its newest, so flow 0
// is all oldest, the last flow all newest, and every common version of every group API
// runs in some flow. Each flow has a group of its own.
func (s *suite) testGroupFlows(t *testing.T) {
	keys := []int16{keyFindCoordinator, keyJoinGroup, keySyncGroup, keyHeartbeat, keyOffsetCommit, keyOffsetFetch, keyLeaveGroup}
	flows := 0
	for _, k := range keys {
		flows = max(flows, len(s.versions(t, k)))
	}
	for i := range flows {
		t.Run(fmt.Sprintf("GroupFlow/%d", i), func(t *testing.T) {
			g := &groupFlow{s: s, id: fmt.Sprintf("kio-group-%d", i), v: map[int16]int16{}}
			for _, k := range keys {
				vs := s.versions(t, k)
				g.v[k] = vs[min(i, len(vs)-1)]
			}
			if g.v[keyJoinGroup] == 0 {
				// kfake bug: JoinGroup v0 has no rebalance timeout, and kfake takes the
				// missing value as 0 where Kafka uses the session timeout, so the member
				// is dropped right after joining, before it can send SyncGroup. So v0 is
				// checked on a group of its own up to the join, and the flow uses v1.
				g0 := &groupFlow{s: s, id: g.id + "-join-v0", v: g.v}
				g0.step(t, "FindCoordinator", "for-join-v0", keyFindCoordinator, g0.findCoordinator)
				g0.step(t, "JoinGroup", "", keyJoinGroup, g0.join)
				g.v = maps.Clone(g.v)
				g.v[keyJoinGroup] = 1
			}
			g.run(t)
		})
	}
}

// step runs one API of the flow as a subtest named like "JoinGroup/v9" (plus "/what"
// when the API runs twice in a flow) and stops the flow if it fails: later steps need
// its result.
func (g *groupFlow) step(t *testing.T, name, what string, key int16, fn func(t *testing.T, v int16)) {
	v := g.v[key]
	label := fmt.Sprintf("%s/v%d", name, v)
	if what != "" {
		label += "/" + what
	}
	if !t.Run(label, func(t *testing.T) { fn(t, v) }) {
		t.FailNow()
	}
}

func (g *groupFlow) run(t *testing.T) {
	g.step(t, "FindCoordinator", "", keyFindCoordinator, g.findCoordinator)
	g.step(t, "JoinGroup", "", keyJoinGroup, g.join)
	g.step(t, "SyncGroup", "", keySyncGroup, g.sync)
	g.step(t, "Heartbeat", "", keyHeartbeat, func(t *testing.T, v int16) {
		if code := g.heartbeat(t, v, g.gen); code != common.None {
			t.Errorf("heartbeat: %v", code)
		}
		if code := g.heartbeat(t, v, g.gen+1); code != common.IllegalGeneration {
			t.Errorf("heartbeat at a future generation: %v, want ILLEGAL_GENERATION", code)
		}
	})
	g.step(t, "OffsetCommit", "", keyOffsetCommit, func(t *testing.T, v int16) {
		// v0 carries no generation or member: a group with members refuses it.
		want := common.None
		if v == 0 {
			want = common.UnknownMemberId
		}
		if code := g.commit(t, v, 2, "while a member", true); code != want {
			t.Errorf("commit as member: %v, want %v", code, want)
		}
	})
	g.step(t, "OffsetFetch", "", keyOffsetFetch, func(t *testing.T, v int16) {
		if g.v[keyOffsetCommit] == 0 {
			g.checkCommitted(t, v, -1, "")
		} else {
			g.checkCommitted(t, v, 2, "while a member")
		}
	})
	g.step(t, "LeaveGroup", "", keyLeaveGroup, g.leave)
	g.step(t, "Heartbeat", "after-leave", keyHeartbeat, func(t *testing.T, v int16) {
		if code := g.heartbeat(t, v, g.gen); code != common.UnknownMemberId {
			t.Errorf("heartbeat after leaving: %v, want UNKNOWN_MEMBER_ID", code)
		}
	})
	// An empty group takes "simple" commits: no generation, no member.
	g.step(t, "OffsetCommit", "after-leave", keyOffsetCommit, func(t *testing.T, v int16) {
		if code := g.commit(t, v, 3, "after leaving", false); code != common.None {
			t.Errorf("simple commit: %v", code)
		}
	})
	g.step(t, "OffsetFetch", "after-leave", keyOffsetFetch, func(t *testing.T, v int16) {
		g.checkCommitted(t, v, 3, "after leaving")
	})
}

func (g *groupFlow) findCoordinator(t *testing.T, v int16) {
	req := serial.Default[findcoordinator.FindCoordinatorRequest]() // key type 0: group
	if v >= 4 {
		req.CoordinatorKeys = []string{g.id}
	} else {
		req.Key = g.id
	}
	resp := testkit.Call[findcoordinator.FindCoordinatorResponse](t, g.s.bootstrap, v, &req)
	var node common.BrokerId
	var host string
	var port int32
	if v >= 4 { // KIP-699: a batch of keys
		if len(resp.Coordinators) != 1 {
			t.Fatalf("%d coordinators for 1 key", len(resp.Coordinators))
		}
		c := resp.Coordinators[0]
		if c.Key != g.id || c.ErrorCode != common.None {
			t.Fatalf("coordinator for %q: %v", c.Key, c.ErrorCode)
		}
		node, host, port = c.NodeId, c.Host, c.Port
	} else {
		if resp.ErrorCode != common.None || len(resp.Coordinators) != 0 {
			t.Fatalf("error %v (%s), coordinators %v", resp.ErrorCode, str(resp.ErrorMessage), resp.Coordinators)
		}
		node, host, port = resp.NodeId, resp.Host, resp.Port
	}
	addr := host + ":" + strconv.Itoa(int(port))
	if g.s.brokers[node] != addr {
		t.Fatalf("coordinator %d at %s, metadata has it at %s", node, addr, g.s.brokers[node])
	}
	if want := g.s.cluster.CoordinatorFor(g.id); int32(node) != want {
		t.Errorf("coordinator %d, kfake says %d", node, want)
	}
	g.coord = g.s.conn(t, addr)

	// The group APIs are served by the coordinator only.
	req2 := g.joinRequest(t, g.v[keyJoinGroup], "")
	wrong := testkit.Call[joingroup.JoinGroupResponse](t, g.s.otherConn(t, node), g.v[keyJoinGroup], &req2)
	if wrong.ErrorCode != common.NotCoordinator {
		t.Errorf("JoinGroup to a non-coordinator: %v, want NOT_COORDINATOR", wrong.ErrorCode)
	}
}

// consumerProtocolBytes encodes an embedded consumer protocol message: an int16
// version, then the message at that version.
func consumerProtocolBytes(t testing.TB, v any) []byte {
	t.Helper()
	b, err := serial.Append(binary.BigEndian.AppendUint16(nil, consumerProtocolVersion), v, consumerProtocolVersion)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (g *groupFlow) joinRequest(t testing.TB, v int16, memberID string) joingroup.JoinGroupRequest {
	if g.sub == nil {
		sub := serial.Default[consumerprotocolsubscription.ConsumerProtocolSubscription]()
		sub.Topics = []string{dataTopic}
		sub.UserData = []byte("kio")
		sub.RackId = testkit.Ptr("rack-a")
		g.sub = consumerProtocolBytes(t, &sub)
	}
	req := serial.Default[joingroup.JoinGroupRequest]()
	req.GroupId = common.GroupId(g.id)
	req.SessionTimeoutMs = 30_000
	if v >= 1 {
		req.RebalanceTimeoutMs = 10_000
	}
	if v >= 8 {
		req.Reason = testkit.Ptr("kio kfake test")
	}
	req.MemberId = memberID
	req.ProtocolType = "consumer"
	req.Protocols = []joingroup.JoinGroupRequestProtocol{{Name: "range", Metadata: g.sub}}
	return req
}

func (g *groupFlow) join(t *testing.T, v int16) {
	req := g.joinRequest(t, v, "")
	resp := testkit.Call[joingroup.JoinGroupResponse](t, g.coord, v, &req)
	if v >= 4 { // KIP-394: the first join only hands out a member id
		if resp.ErrorCode != common.MemberIdRequired || resp.MemberId == "" {
			t.Fatalf("first join: %v, member %q; want MEMBER_ID_REQUIRED with an id", resp.ErrorCode, resp.MemberId)
		}
		req = g.joinRequest(t, v, resp.MemberId)
		resp = testkit.Call[joingroup.JoinGroupResponse](t, g.coord, v, &req)
	}
	if resp.ErrorCode != common.None || resp.MemberId == "" {
		t.Fatalf("join: %v, member %q", resp.ErrorCode, resp.MemberId)
	}
	if resp.GenerationId != 1 || str(resp.ProtocolName) != "range" || resp.Leader != resp.MemberId {
		t.Errorf("generation %d, protocol %s, leader %q, member %q: want 1, range, the member leads", resp.GenerationId, str(resp.ProtocolName), resp.Leader, resp.MemberId)
	}
	if v >= 7 && str(resp.ProtocolType) != "consumer" || v < 7 && resp.ProtocolType != nil {
		t.Errorf("protocol type %s at v%d", str(resp.ProtocolType), v)
	}
	// The leader gets every member's subscription back, byte for byte.
	if len(resp.Members) != 1 || resp.Members[0].MemberId != resp.MemberId || !bytes.Equal(resp.Members[0].Metadata, g.sub) {
		t.Errorf("members %+v, want the one member with its metadata", resp.Members)
	}
	g.memberID, g.gen = resp.MemberId, resp.GenerationId
}

func (g *groupFlow) sync(t *testing.T, v int16) {
	assign := consumerprotocolassignment.ConsumerProtocolAssignment{
		AssignedPartitions: []consumerprotocolassignment.TopicPartition{{Topic: dataTopic, Partitions: []int32{0}}},
		UserData:           []byte("assigned by kio"),
	}
	assignBytes := consumerProtocolBytes(t, &assign)
	req := serial.Default[syncgroup.SyncGroupRequest]()
	req.GroupId = common.GroupId(g.id)
	req.GenerationId = g.gen
	req.MemberId = g.memberID
	if v >= 5 {
		req.ProtocolType, req.ProtocolName = testkit.Ptr("consumer"), testkit.Ptr("range")
	}
	req.Assignments = []syncgroup.SyncGroupRequestAssignment{{MemberId: g.memberID, Assignment: assignBytes}}
	resp := testkit.Call[syncgroup.SyncGroupResponse](t, g.coord, v, &req)
	if resp.ErrorCode != common.None {
		t.Fatalf("sync: %v", resp.ErrorCode)
	}
	if !bytes.Equal(resp.Assignment, assignBytes) {
		t.Fatalf("assignment %x, sent %x", resp.Assignment, assignBytes)
	}
	var back consumerprotocolassignment.ConsumerProtocolAssignment
	if version := int16(binary.BigEndian.Uint16(resp.Assignment)); version != consumerProtocolVersion {
		t.Fatalf("assignment version %d", version)
	}
	if err := serial.Unmarshal(resp.Assignment[2:], &back, consumerProtocolVersion); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, assign) {
		t.Errorf("assignment decodes to %+v, sent %+v", back, assign)
	}
	if v >= 5 && (str(resp.ProtocolType) != "consumer" || str(resp.ProtocolName) != "range") {
		t.Errorf("protocol %s/%s", str(resp.ProtocolType), str(resp.ProtocolName))
	}
}

func (g *groupFlow) heartbeat(t *testing.T, v int16, gen int32) common.ErrorCode {
	req := serial.Default[heartbeat.HeartbeatRequest]()
	req.GroupId, req.GenerationId, req.MemberId = common.GroupId(g.id), gen, g.memberID
	return testkit.Call[heartbeat.HeartbeatResponse](t, g.coord, v, &req).ErrorCode
}

// commit commits offset for dataTopic partition 0, as the member or, with
// asMember false, as a simple (generation -1, no member) commit.
func (g *groupFlow) commit(t *testing.T, v int16, offset int64, meta string, asMember bool) common.ErrorCode {
	t.Helper()
	req := serial.Default[offsetcommit.OffsetCommitRequest]() // generation -1, retention -1
	req.GroupId = common.GroupId(g.id)
	if asMember && v >= 1 {
		req.GenerationIdOrMemberEpoch, req.MemberId = g.gen, g.memberID
	}
	part := serial.Default[offsetcommit.OffsetCommitRequestPartition]() // leader epoch -1, commit timestamp -1
	part.CommittedOffset = offset
	part.CommittedMetadata = &meta
	if v >= 6 {
		part.CommittedLeaderEpoch = g.s.epochs[dataTopic]
	}
	topic := offsetcommit.OffsetCommitRequestTopic{Partitions: []offsetcommit.OffsetCommitRequestPartition{part}}
	byID := v >= 10 // KIP-848: topics by id
	if byID {
		topic.TopicId = g.s.topicIDs[dataTopic]
	} else {
		topic.Name = dataTopic
	}
	req.Topics = []offsetcommit.OffsetCommitRequestTopic{topic}
	resp := testkit.Call[offsetcommit.OffsetCommitResponse](t, g.coord, v, &req)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 || resp.Topics[0].Partitions[0].PartitionIndex != 0 ||
		byID && resp.Topics[0].TopicId != g.s.topicIDs[dataTopic] || !byID && string(resp.Topics[0].Name) != dataTopic {
		t.Fatalf("response %+v", resp.Topics)
	}
	return resp.Topics[0].Partitions[0].ErrorCode
}

// checkCommitted reads the group's offset for dataTopic partition 0 back.
func (g *groupFlow) checkCommitted(t *testing.T, v int16, offset int64, meta string) {
	req := serial.Default[offsetfetch.OffsetFetchRequest]()
	if v >= 8 { // KIP-709: a batch of groups
		req.Groups = []offsetfetch.OffsetFetchRequestGroup{serial.Default[offsetfetch.OffsetFetchRequestGroup]()}
		req.Groups[0].GroupId = common.GroupId(g.id)
		topic := offsetfetch.OffsetFetchRequestTopics{PartitionIndexes: []int32{0}}
		if v >= 10 { // KIP-848: topics by id
			topic.TopicId = g.s.topicIDs[dataTopic]
		} else {
			topic.Name = dataTopic
		}
		req.Groups[0].Topics = []offsetfetch.OffsetFetchRequestTopics{topic}
	} else {
		req.GroupId = common.GroupId(g.id)
		req.Topics = []offsetfetch.OffsetFetchRequestTopic{{Name: dataTopic, PartitionIndexes: []int32{0}}}
	}
	resp := testkit.Call[offsetfetch.OffsetFetchResponse](t, g.coord, v, &req)

	var (
		name      string
		partition int32
		committed int64
		epoch     int32
		metadata  *string
		code      common.ErrorCode
	)
	if v >= 8 {
		if len(resp.Groups) != 1 || string(resp.Groups[0].GroupId) != g.id || resp.Groups[0].ErrorCode != common.None ||
			len(resp.Groups[0].Topics) != 1 || len(resp.Groups[0].Topics[0].Partitions) != 1 || len(resp.Topics) != 0 {
			t.Fatalf("groups %+v, topics %+v", resp.Groups, resp.Topics)
		}
		tp := resp.Groups[0].Topics[0]
		p := tp.Partitions[0]
		name, partition, committed, epoch, metadata, code = string(tp.Name), p.PartitionIndex, p.CommittedOffset, p.CommittedLeaderEpoch, p.Metadata, p.ErrorCode
		if v >= 10 && tp.TopicId == g.s.topicIDs[dataTopic] {
			name = dataTopic // answered by id
		}
	} else {
		if resp.ErrorCode != common.None || len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 || len(resp.Groups) != 0 {
			t.Fatalf("error %v, topics %+v, groups %+v", resp.ErrorCode, resp.Topics, resp.Groups)
		}
		tp := resp.Topics[0]
		p := tp.Partitions[0]
		name, partition, committed, epoch, metadata, code = string(tp.Name), p.PartitionIndex, p.CommittedOffset, p.CommittedLeaderEpoch, p.Metadata, p.ErrorCode
	}
	if name != dataTopic || partition != 0 || code != common.None {
		t.Fatalf("%s/%d: %v", name, partition, code)
	}
	if committed != offset {
		t.Errorf("committed offset %d, want %d", committed, offset)
	}
	if offset >= 0 && str(metadata) != meta {
		t.Errorf("committed metadata %q, want %q", str(metadata), meta)
	}
	// The leader epoch is answered at v5+, and was sent only by commits at v6+.
	wantEpoch := int32(-1)
	if v >= 5 && g.v[keyOffsetCommit] >= 6 && offset >= 0 {
		wantEpoch = g.s.epochs[dataTopic]
	}
	if epoch != wantEpoch {
		t.Errorf("committed leader epoch %d, want %d", epoch, wantEpoch)
	}
}

func (g *groupFlow) leave(t *testing.T, v int16) {
	req := serial.Default[leavegroup.LeaveGroupRequest]()
	req.GroupId = common.GroupId(g.id)
	if v >= 3 { // KIP-345: a batch of members
		m := serial.Default[leavegroup.MemberIdentity]()
		m.MemberId = g.memberID
		if v >= 5 {
			m.Reason = testkit.Ptr("kio kfake test done")
		}
		req.Members = []leavegroup.MemberIdentity{m}
	} else {
		req.MemberId = g.memberID
	}
	resp := testkit.Call[leavegroup.LeaveGroupResponse](t, g.coord, v, &req)
	if resp.ErrorCode != common.None {
		t.Fatalf("leave: %v", resp.ErrorCode)
	}
	if v >= 3 && (len(resp.Members) != 1 || resp.Members[0].MemberId != g.memberID || resp.Members[0].ErrorCode != common.None) {
		t.Errorf("members %+v", resp.Members)
	}
}
