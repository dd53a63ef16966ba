package realkafka

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/streamsgroupdescribe"
	"github.com/kio-go/kafka-protocol/kio/schema/streamsgroupheartbeat"
	"github.com/kio-go/kafka-protocol/kio/schema/streamsgrouptopologydescriptionupdate"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

// The streams group API keys (KIP-1071), for the flow's versions.
const (
	keyStreamsGroupHeartbeat                 = 88
	keyStreamsGroupDescribe                  = 89
	keyStreamsGroupTopologyDescriptionUpdate = 93
)

var streamsGroupKeys = []int16{keyStreamsGroupHeartbeat, keyStreamsGroupDescribe, keyStreamsGroupTopologyDescriptionUpdate}

// streamsSubtopology is the one subtopology of the test's topology: it reads the data
// topic, whose one partition makes one task.
const streamsSubtopology = "0"

// testStreamsGroup runs a streams group's life (KIP-1071), each API at its version for
// the round: join with a topology reading the data topic and heartbeat until the
// group's one task is this member's active task, send the topology's description
// (which the node refuses without a description plugin), describe the group (the
// member, its task, the topology) and leave.
func (s *suite) testStreamsGroup(t *testing.T, round int16) {
	group := fmt.Sprintf("kio-streams-%d", round)
	s.findCoordinator(t, s.newest(t, onBroker, keyFindCoordinator), group, 0)
	hv := s.at(t, keyStreamsGroupHeartbeat, round)

	member, process := memberID(), memberID()
	req := serial.Default[streamsgroupheartbeat.StreamsGroupHeartbeatRequest]()
	req.GroupId, req.MemberId, req.MemberEpoch, req.RebalanceTimeoutMs, req.ProcessId = common.GroupId(group), member, 0, 30000, &process
	req.Topology = &streamsgroupheartbeat.Topology{Epoch: 0, Subtopologies: []streamsgroupheartbeat.Subtopology{{SubtopologyId: streamsSubtopology,
		SourceTopics: []common.TopicName{common.TopicName(s.dataTopic)}, SourceTopicRegex: []string{}, StateChangelogTopics: []streamsgroupheartbeat.TopicInfo{},
		RepartitionSinkTopics: []common.TopicName{}, RepartitionSourceTopics: []streamsgroupheartbeat.TopicInfo{}, CopartitionGroups: []streamsgroupheartbeat.CopartitionGroup{}}}}
	req.ActiveTasks, req.StandbyTasks, req.WarmupTasks = []streamsgroupheartbeat.TaskIds{}, []streamsgroupheartbeat.TaskIds{}, []streamsgroupheartbeat.TaskIds{}
	req.ClientTags, req.TaskOffsets, req.TaskEndOffsets = []streamsgroupheartbeat.KeyValue{}, []streamsgroupheartbeat.TaskOffset{}, []streamsgroupheartbeat.TaskOffset{}
	task := []streamsgroupheartbeat.TaskIds{{SubtopologyId: streamsSubtopology, Partitions: []int32{0}}}
	var epoch int32
	var describeRequired bool
	until(t, func() error {
		resp := testkit.Call[streamsgroupheartbeat.StreamsGroupHeartbeatResponse](t, s.broker, hv, &req)
		if resp.ErrorCode != common.None || resp.MemberId != member || resp.MemberEpoch < 1 || resp.HeartbeatIntervalMs <= 0 {
			return fmt.Errorf("streams heartbeat: %v %s member %s epoch %d status %+v", resp.ErrorCode, str(resp.ErrorMessage), resp.MemberId, resp.MemberEpoch, resp.Status)
		}
		epoch = resp.MemberEpoch
		describeRequired = describeRequired || resp.TopologyDescriptionRequired
		// Later heartbeats send only what changed: nulls for the rest.
		req.MemberEpoch, req.RebalanceTimeoutMs, req.Topology, req.ProcessId = epoch, -1, nil, nil
		req.ActiveTasks, req.StandbyTasks, req.WarmupTasks, req.ClientTags, req.TaskOffsets, req.TaskEndOffsets = nil, nil, nil, nil, nil, nil
		if !slices.EqualFunc(resp.ActiveTasks, task, sameTasks) {
			return fmt.Errorf("no active task yet: %+v (status %+v)", resp.ActiveTasks, resp.Status)
		}
		// Own the task, and say so with the next heartbeat.
		req.ActiveTasks, req.StandbyTasks, req.WarmupTasks = task, []streamsgroupheartbeat.TaskIds{}, []streamsgroupheartbeat.TaskIds{}
		return nil
	})
	if r := testkit.Call[streamsgroupheartbeat.StreamsGroupHeartbeatResponse](t, s.broker, hv, &req); r.ErrorCode != common.None || r.MemberEpoch != epoch {
		t.Fatalf("streams heartbeat owning the task: %v %s epoch %d", r.ErrorCode, str(r.ErrorMessage), r.MemberEpoch)
	}
	if describeRequired {
		t.Errorf("streams heartbeat v%d: a description asked for by a node without a topology description plugin", hv)
	}

	update := streamsgrouptopologydescriptionupdate.StreamsGroupTopologyDescriptionUpdateRequest{GroupId: common.GroupId(group), MemberId: member, TopologyEpoch: 0,
		TopologyDescription: streamsgrouptopologydescriptionupdate.TopologyDescription{
			Subtopologies: []streamsgrouptopologydescriptionupdate.TopologyDescriptionSubtopology{{SubtopologyId: streamsSubtopology,
				Nodes: []streamsgrouptopologydescriptionupdate.TopologyDescriptionNode{
					{Name: "KSTREAM-SOURCE-0000000000", NodeType: 0, SourceTopics: []common.TopicName{common.TopicName(s.dataTopic)}, Stores: []string{}, Successors: []string{"KSTREAM-PEEK-0000000001"}},
					{Name: "KSTREAM-PEEK-0000000001", NodeType: 1, SourceTopics: []common.TopicName{}, Stores: []string{}, Successors: []string{}}}}},
			GlobalStores: []streamsgrouptopologydescriptionupdate.TopologyDescriptionGlobalStore{}}}
	// The node keeps descriptions only through a plugin (the broker config
	// group.streams.topology.description.plugin.class), which it has none of by default.
	if r := testkit.Call[streamsgrouptopologydescriptionupdate.StreamsGroupTopologyDescriptionUpdateResponse](t, s.broker, s.at(t, keyStreamsGroupTopologyDescriptionUpdate, round), &update); r.ErrorCode != common.UnsupportedVersion ||
		!strings.Contains(str(r.ErrorMessage), "topology description plugin") {
		t.Fatalf("topology description update: %v %s, want UNSUPPORTED_VERSION for the missing plugin", r.ErrorCode, str(r.ErrorMessage))
	}
	s.quirk("StreamsGroupTopologyDescriptionUpdate: answered UNSUPPORTED_VERSION \"The broker has no streams group topology description plugin configured\" (group.streams.topology.description.plugin.class is unset by default)")

	dv := s.at(t, keyStreamsGroupDescribe, round)
	dreq := serial.Default[streamsgroupdescribe.StreamsGroupDescribeRequest]()
	dreq.GroupIds, dreq.IncludeAuthorizedOperations, dreq.IncludeTopologyDescription = []common.GroupId{common.GroupId(group), "kio-no-such-streams-group"}, true, dv >= 1
	describe := func() []streamsgroupdescribe.DescribedGroup {
		return testkit.Call[streamsgroupdescribe.StreamsGroupDescribeResponse](t, s.broker, dv, &dreq).Groups
	}
	untilDescribed(t, "streams", describe, func(g streamsgroupdescribe.DescribedGroup) (common.ErrorCode, error) {
		if g.ErrorCode != common.None || string(g.GroupId) != group || g.GroupState != "Stable" || g.GroupEpoch < 1 || g.Topology == nil ||
			len(g.Topology.Subtopologies) != 1 || g.Topology.Subtopologies[0].SubtopologyId != streamsSubtopology ||
			!slices.Equal(g.Topology.Subtopologies[0].SourceTopics, []common.TopicName{common.TopicName(s.dataTopic)}) || len(g.Members) != 1 {
			return g.ErrorCode, fmt.Errorf("streams group %+v", g)
		}
		if dv >= 1 && g.TopologyDescription != nil {
			return g.ErrorCode, fmt.Errorf("streams group topology description without a plugin: status %d %+v", g.TopologyDescriptionStatus, g.TopologyDescription)
		}
		m := g.Members[0]
		if m.MemberId != member || m.MemberEpoch != epoch || m.ProcessId != process || m.ClientId != clientID || m.IsClassic ||
			len(m.Assignment.ActiveTasks) != 1 || m.Assignment.ActiveTasks[0].SubtopologyId != streamsSubtopology || !slices.Equal(m.Assignment.ActiveTasks[0].Partitions, []int32{0}) {
			return g.ErrorCode, fmt.Errorf("streams member %+v", m)
		}
		return g.ErrorCode, nil
	})

	leave := serial.Default[streamsgroupheartbeat.StreamsGroupHeartbeatRequest]()
	leave.GroupId, leave.MemberId, leave.MemberEpoch = common.GroupId(group), member, -1
	if r := testkit.Call[streamsgroupheartbeat.StreamsGroupHeartbeatResponse](t, s.broker, hv, &leave); r.ErrorCode != common.None || r.MemberEpoch != -1 {
		t.Errorf("streams leave: %v %s epoch %d", r.ErrorCode, str(r.ErrorMessage), r.MemberEpoch)
	}
}

func sameTasks(a, b streamsgroupheartbeat.TaskIds) bool {
	return a.SubtopologyId == b.SubtopologyId && slices.Equal(a.Partitions, b.Partitions)
}
