package proxy

import "slices"

// EndpointField is one host or port field of the schema and what the proxy does with it.
// TestEveryEndpointFieldIsDecided walks every message of kio/schema and fails on a
// host- or port-like field this table does not list, so a Kafka release that adds one
// must be decided on here.
type EndpointField struct {
	Path      string // message and field path, e.g. "MetadataResponse.Brokers[].Host"
	Rewritten bool   // RewriteEndpoints rewrites it
	Reason    string
}

const (
	reasonClient      = "a broker endpoint handed to clients"
	reasonACL         = "an ACL's host pattern, a client address to match, not an endpoint"
	reasonClientHost  = "the address a group member connected from, as the broker saw it"
	reasonStreams     = "a Kafka Streams application's own endpoint (interactive queries), not a broker's"
	reasonRaft        = "Raft traffic between controllers on the controller listener, never to clients"
	reasonRegister    = "a node's registration with the controllers, never to clients"
	reasonZK          = "ZooKeeper-era controller-to-broker request, never to clients"
	reasonRequest     = "a request from an administrator naming a controller's own listeners, for the cluster"
	reasonEnvelope    = "broker-to-controller forwarding, never to clients"
	reasonMetadataLog = "a record of the metadata log, not a client message"
)

var endpointFields = []EndpointField{
	{"MetadataResponse.Brokers[].Host", true, reasonClient},
	{"MetadataResponse.Brokers[].Port", true, reasonClient},
	{"FindCoordinatorResponse.Host", true, reasonClient + " (v0-3)"},
	{"FindCoordinatorResponse.Port", true, reasonClient + " (v0-3)"},
	{"FindCoordinatorResponse.Coordinators[].Host", true, reasonClient + " (batched, v4+)"},
	{"FindCoordinatorResponse.Coordinators[].Port", true, reasonClient + " (batched, v4+)"},
	{"DescribeClusterResponse.Brokers[].Host", true, reasonClient},
	{"DescribeClusterResponse.Brokers[].Port", true, reasonClient},
	{"ProduceResponse.NodeEndpoints[].Host", true, reasonClient + " (new leaders, KIP-951)"},
	{"ProduceResponse.NodeEndpoints[].Port", true, reasonClient + " (new leaders, KIP-951)"},
	{"FetchResponse.NodeEndpoints[].Host", true, reasonClient + " (new leaders, KIP-951)"},
	{"FetchResponse.NodeEndpoints[].Port", true, reasonClient + " (new leaders, KIP-951)"},
	{"ShareFetchResponse.NodeEndpoints[].Host", true, reasonClient + " (new leaders, KIP-932)"},
	{"ShareFetchResponse.NodeEndpoints[].Port", true, reasonClient + " (new leaders, KIP-932)"},
	{"ShareAcknowledgeResponse.NodeEndpoints[].Host", true, reasonClient + " (new leaders, KIP-932)"},
	{"ShareAcknowledgeResponse.NodeEndpoints[].Port", true, reasonClient + " (new leaders, KIP-932)"},
	{"DescribeQuorumResponse.Nodes[].Listeners[].Host", true, "a controller endpoint handed to admin clients (v2+)"},
	{"DescribeQuorumResponse.Nodes[].Listeners[].Port", true, "a controller endpoint handed to admin clients (v2+)"},

	{"CreateAclsRequest.Creations[].Host", false, reasonACL},
	{"DeleteAclsRequest.Filters[].HostFilter", false, reasonACL},
	{"DeleteAclsResponse.FilterResults[].MatchingAcls[].Host", false, reasonACL},
	{"DescribeAclsRequest.HostFilter", false, reasonACL},
	{"DescribeAclsResponse.Resources[].Acls[].Host", false, reasonACL},
	{"DescribeGroupsResponse.Groups[].Members[].ClientHost", false, reasonClientHost},
	{"ConsumerGroupDescribeResponse.Groups[].Members[].ClientHost", false, reasonClientHost},
	{"ShareGroupDescribeResponse.Groups[].Members[].ClientHost", false, reasonClientHost},
	{"StreamsGroupDescribeResponse.Groups[].Members[].ClientHost", false, reasonClientHost},
	{"StreamsGroupDescribeResponse.Groups[].Members[].UserEndpoint.Host", false, reasonStreams},
	{"StreamsGroupDescribeResponse.Groups[].Members[].UserEndpoint.Port", false, reasonStreams},
	{"StreamsGroupHeartbeatRequest.UserEndpoint.Host", false, reasonStreams},
	{"StreamsGroupHeartbeatRequest.UserEndpoint.Port", false, reasonStreams},
	{"StreamsGroupHeartbeatResponse.PartitionsByUserEndpoint[].UserEndpoint.Host", false, reasonStreams},
	{"StreamsGroupHeartbeatResponse.PartitionsByUserEndpoint[].UserEndpoint.Port", false, reasonStreams},
	{"AddRaftVoterRequest.Listeners[].Host", false, reasonRequest},
	{"AddRaftVoterRequest.Listeners[].Port", false, reasonRequest},
	{"BeginQuorumEpochRequest.LeaderEndpoints[].Host", false, reasonRaft},
	{"BeginQuorumEpochRequest.LeaderEndpoints[].Port", false, reasonRaft},
	{"BeginQuorumEpochResponse.NodeEndpoints[].Host", false, reasonRaft},
	{"BeginQuorumEpochResponse.NodeEndpoints[].Port", false, reasonRaft},
	{"EndQuorumEpochRequest.LeaderEndpoints[].Host", false, reasonRaft},
	{"EndQuorumEpochRequest.LeaderEndpoints[].Port", false, reasonRaft},
	{"EndQuorumEpochResponse.NodeEndpoints[].Host", false, reasonRaft},
	{"EndQuorumEpochResponse.NodeEndpoints[].Port", false, reasonRaft},
	{"VoteResponse.NodeEndpoints[].Host", false, reasonRaft},
	{"VoteResponse.NodeEndpoints[].Port", false, reasonRaft},
	{"FetchSnapshotResponse.NodeEndpoints[].Host", false, reasonRaft},
	{"FetchSnapshotResponse.NodeEndpoints[].Port", false, reasonRaft},
	{"UpdateRaftVoterRequest.Listeners[].Host", false, reasonRaft},
	{"UpdateRaftVoterRequest.Listeners[].Port", false, reasonRaft},
	{"UpdateRaftVoterResponse.CurrentLeader.Host", false, reasonRaft},
	{"UpdateRaftVoterResponse.CurrentLeader.Port", false, reasonRaft},
	{"BrokerRegistrationRequest.Listeners[].Host", false, reasonRegister},
	{"BrokerRegistrationRequest.Listeners[].Port", false, reasonRegister},
	{"ControllerRegistrationRequest.Listeners[].Host", false, reasonRegister},
	{"ControllerRegistrationRequest.Listeners[].Port", false, reasonRegister},
	{"EnvelopeRequest.ClientHostAddress", false, reasonEnvelope},
	{"LeaderAndIsrRequest.LiveLeaders[].HostName", false, reasonZK},
	{"LeaderAndIsrRequest.LiveLeaders[].Port", false, reasonZK},
	{"UpdateMetadataRequest.LiveBrokers[].V0Host", false, reasonZK},
	{"UpdateMetadataRequest.LiveBrokers[].V0Port", false, reasonZK},
	{"UpdateMetadataRequest.LiveBrokers[].Endpoints[].Host", false, reasonZK},
	{"UpdateMetadataRequest.LiveBrokers[].Endpoints[].Port", false, reasonZK},
	{"VotersRecord.Voters[].Endpoints[].Host", false, reasonMetadataLog},
	{"VotersRecord.Voters[].Endpoints[].Port", false, reasonMetadataLog},
}

// EndpointFields returns every host and port field of the schema with what the proxy
// does with it and why: the rewritten ones are where Kafka hands broker endpoints to
// clients; the rest are addresses of another kind or travel only between nodes.
func EndpointFields() []EndpointField { return slices.Clone(endpointFields) }
