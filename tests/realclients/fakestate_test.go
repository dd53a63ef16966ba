package realclients

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net"
	"strconv"
	"sync"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/createtopics"
	"github.com/kio-go/kafka-protocol/kio/schema/describecluster"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/listoffsets"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
)

// fakeState is what the fake broker of the server-side proof keeps: topics of
// in-memory partitions holding the record batches produced, their base offsets
// assigned as a broker assigns them. It answers as node 0 at one address. Its answers
// (createTopics, metadata...) take a typed request body and its version and return the
// typed response; they expect mu held, as answer (fakeserver_test.go) holds it for
// them.
type fakeState struct {
	host      string
	port      int32
	clusterID string

	mu     sync.Mutex
	topics map[string]*fakeTopic
	order  []string // topic names in creation order
}

type fakeTopic struct {
	id         kio.UUID
	partitions []*fakePartition
}

// fakePartition is a log of record batches (magic 2), each with its base offset.
type fakePartition struct {
	batches [][]byte
	bases   []int64
	end     int64 // the next offset
}

func newFakeState(advertised string) (*fakeState, error) {
	host, port, err := net.SplitHostPort(advertised)
	if err != nil {
		return nil, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, err
	}
	return &fakeState{host: host, port: int32(p), clusterID: "kio-fake-cluster", topics: map[string]*fakeTopic{}}, nil
}

func (s *fakeState) createTopics(req *createtopics.CreateTopicsRequest, _ int16) *createtopics.CreateTopicsResponse {
	resp := &createtopics.CreateTopicsResponse{}
	for _, ct := range req.Topics {
		r := createtopics.CreatableTopicResult{Name: ct.Name, NumPartitions: -1, ReplicationFactor: -1}
		n := ct.NumPartitions
		if n == -1 {
			n = 1
		}
		switch {
		case s.topics[string(ct.Name)] != nil:
			r.ErrorCode = common.TopicAlreadyExists
		case n < 1 || ct.ReplicationFactor > 1:
			r.ErrorCode = common.InvalidPartitions
		case req.ValidateOnly:
			r.NumPartitions, r.ReplicationFactor = n, 1
		default:
			t := &fakeTopic{}
			rand.Read(t.id[:])
			for range n {
				t.partitions = append(t.partitions, &fakePartition{})
			}
			s.topics[string(ct.Name)] = t
			s.order = append(s.order, string(ct.Name))
			r.TopicId, r.NumPartitions, r.ReplicationFactor = t.id, n, 1
			r.Configs = []createtopics.CreatableTopicConfigs{} // Kafka 4's admin client reads it as a list
		}
		resp.Topics = append(resp.Topics, r)
	}
	return resp
}

func (s *fakeState) metadata(req *metadata.MetadataRequest, _ int16) *metadata.MetadataResponse {
	resp := &metadata.MetadataResponse{
		Brokers:      []metadata.MetadataResponseBroker{{NodeId: 0, Host: s.host, Port: s.port}},
		ClusterId:    &s.clusterID,
		ControllerId: 0,
	}
	names := s.order
	if req.Topics != nil {
		names = nil
		for _, t := range req.Topics {
			if t.Name != nil {
				names = append(names, string(*t.Name))
			}
		}
	}
	for _, name := range names {
		n := common.TopicName(name)
		rt := metadata.MetadataResponseTopic{Name: &n, TopicAuthorizedOperations: -2147483648}
		t := s.topics[name]
		if t == nil {
			rt.ErrorCode = common.UnknownTopicOrPartition
			resp.Topics = append(resp.Topics, rt)
			continue
		}
		rt.TopicId = t.id
		for i := range t.partitions {
			rt.Partitions = append(rt.Partitions, metadata.MetadataResponsePartition{PartitionIndex: int32(i),
				LeaderId: 0, LeaderEpoch: -1, ReplicaNodes: []common.BrokerId{0}, IsrNodes: []common.BrokerId{0}})
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

func (s *fakeState) describeCluster(*describecluster.DescribeClusterRequest, int16) *describecluster.DescribeClusterResponse {
	return &describecluster.DescribeClusterResponse{ClusterId: s.clusterID, ControllerId: 0, EndpointType: 1,
		Brokers: []describecluster.DescribeClusterBroker{{BrokerId: 0, Host: s.host, Port: s.port}}, ClusterAuthorizedOperations: -2147483648}
}

// partition finds a topic's partition by name or id.
func (s *fakeState) partition(name string, id kio.UUID, index int32) (*fakeTopic, *fakePartition, common.ErrorCode) {
	t := s.topics[name]
	if t == nil && id != (kio.UUID{}) {
		for _, tt := range s.topics {
			if tt.id == id {
				t = tt
			}
		}
		if t == nil {
			return nil, nil, common.UnknownTopicId
		}
	}
	if t == nil || index < 0 || int(index) >= len(t.partitions) {
		return t, nil, common.UnknownTopicOrPartition
	}
	return t, t.partitions[index], common.None
}

// errBadBatch is a record set that is not a sequence of whole magic-2 batches.
var errBadBatch = errors.New("not a sequence of magic 2 record batches")

// appendBatches assigns base offsets to the batches of records and appends them,
// returning the base offset of the first.
func (p *fakePartition) appendBatches(records []byte) (int64, error) {
	first := p.end
	var batches [][]byte
	var bases []int64
	end := p.end
	for rest := records; len(rest) > 0; {
		// baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8,
		// crc uint32, attributes int16, lastOffsetDelta int32: the CRC covers what
		// follows it, so the base offset may be set without recomputing it.
		if len(rest) < 27 {
			return 0, errBadBatch
		}
		n := int(binary.BigEndian.Uint32(rest[8:12])) + 12
		if n < 27 || n > len(rest) || rest[16] != 2 {
			return 0, errBadBatch
		}
		b := append([]byte(nil), rest[:n]...)
		binary.BigEndian.PutUint64(b, uint64(end))
		batches = append(batches, b)
		bases = append(bases, end)
		end += int64(int32(binary.BigEndian.Uint32(b[23:27]))) + 1
		rest = rest[n:]
	}
	p.batches = append(p.batches, batches...)
	p.bases = append(p.bases, bases...)
	p.end = end
	return first, nil
}

// read returns the batches from the one holding offset on, up to about max bytes (at
// least one batch).
func (p *fakePartition) read(offset int64, max int32) []byte {
	var out []byte
	for i, b := range p.batches {
		last := p.end
		if i+1 < len(p.bases) {
			last = p.bases[i+1]
		}
		if last <= offset {
			continue
		}
		if len(out) > 0 && len(out)+len(b) > int(max) {
			break
		}
		out = append(out, b...)
	}
	return out
}

func (s *fakeState) produce(req *produce.ProduceRequest, _ int16) *produce.ProduceResponse {
	resp := &produce.ProduceResponse{}
	for _, td := range req.TopicData {
		tr := produce.TopicProduceResponse{Name: td.Name, TopicId: td.TopicId}
		for _, pd := range td.PartitionData {
			pr := produce.PartitionProduceResponse{Index: pd.Index, BaseOffset: -1, LogAppendTimeMs: -1, LogStartOffset: 0}
			_, p, code := s.partition(string(td.Name), td.TopicId, pd.Index)
			pr.ErrorCode = code
			if p != nil {
				base, err := p.appendBatches(pd.Records)
				if err != nil {
					pr.ErrorCode = common.CorruptMessage
				} else {
					pr.BaseOffset = base
				}
			}
			tr.PartitionResponses = append(tr.PartitionResponses, pr)
		}
		resp.Responses = append(resp.Responses, tr)
	}
	return resp
}

func (s *fakeState) listOffsets(req *listoffsets.ListOffsetsRequest, version int16) *listoffsets.ListOffsetsResponse {
	resp := &listoffsets.ListOffsetsResponse{}
	for _, lt := range req.Topics {
		tr := listoffsets.ListOffsetsTopicResponse{Name: lt.Name}
		for _, lp := range lt.Partitions {
			pr := listoffsets.ListOffsetsPartitionResponse{PartitionIndex: lp.PartitionIndex, Timestamp: -1, LeaderEpoch: -1}
			_, p, code := s.partition(string(lt.Name), kio.UUID{}, lp.PartitionIndex)
			pr.ErrorCode = code
			if p != nil {
				switch lp.Timestamp {
				case -2: // earliest
					pr.Offset = 0
				default: // latest, and any timestamp: the end (the fake keeps no time index)
					pr.Offset = p.end
				}
				if version == 0 {
					pr.OldStyleOffsets = []int64{pr.Offset}
				}
			}
			tr.Partitions = append(tr.Partitions, pr)
		}
		resp.Topics = append(resp.Topics, tr)
	}
	return resp
}

func (s *fakeState) fetch(req *fetch.FetchRequest, _ int16) *fetch.FetchResponse {
	resp := &fetch.FetchResponse{}
	for _, ft := range req.Topics {
		tr := fetch.FetchableTopicResponse{Topic: ft.Topic, TopicId: ft.TopicId}
		for _, fp := range ft.Partitions {
			// Records empty, never null, as Kafka answers: librdkafka fails to parse a null.
			pd := fetch.PartitionData{PartitionIndex: fp.Partition, HighWatermark: -1, LastStableOffset: -1, LogStartOffset: -1, PreferredReadReplica: -1, Records: []byte{}}
			_, p, code := s.partition(string(ft.Topic), ft.TopicId, fp.Partition)
			pd.ErrorCode = code
			if p != nil {
				if fp.FetchOffset > p.end || fp.FetchOffset < 0 {
					pd.ErrorCode = common.OffsetOutOfRange
				} else {
					pd.Records = append(pd.Records, p.read(fp.FetchOffset, fp.PartitionMaxBytes)...)
				}
				pd.HighWatermark, pd.LastStableOffset, pd.LogStartOffset = p.end, p.end, 0
			}
			tr.Partitions = append(tr.Partitions, pd)
		}
		resp.Responses = append(resp.Responses, tr)
	}
	return resp
}

// fakeCreate is a CreateTopics request for one topic of one partition.
func fakeCreate(topic string) *createtopics.CreateTopicsRequest {
	return &createtopics.CreateTopicsRequest{Topics: []createtopics.CreatableTopic{{Name: common.TopicName(topic), NumPartitions: 1, ReplicationFactor: 1}}}
}
