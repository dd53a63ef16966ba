package realkafka

import (
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema/createtopics"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

// steps lists what TestRealKafka sends, in order: each step runs at every version both
// kio and the listener support. Later steps use what earlier ones made (the data topic,
// its records, a group's offsets, a producer id).
func (s *suite) steps() []step {
	s.dataTopic = "kio-data"
	return []step{
		{"setup", 19, onBroker, s.once(19, func(t *testing.T) {
			s.dataID = s.createTopic(t, s.dataTopic, 1, createtopics.CreatableTopicConfig{Name: "retention.ms", Value: testkit.Ptr("86400000")})
		}), nil},
		{"ApiVersions", 18, onBroker, s.testApiVersions(onBroker), nil},
		{"ApiVersions", 18, onController, s.testApiVersions(onController), nil},
		{"CreateTopics", 19, onBroker, s.testCreateTopics(onBroker), nil},
		{"CreateTopics", 19, onController, s.testCreateTopics(onController), nil},
		{"Metadata", 3, onBroker, s.testMetadata, nil},
		{"Produce", 0, onBroker, s.testProduce, nil},
		{"Fetch", 1, onBroker, s.testFetch, nil},
		{"ListOffsets", 2, onBroker, s.testListOffsets, nil},
		{"OffsetForLeaderEpoch", 23, onBroker, s.testOffsetForLeaderEpoch, nil},
		{"DescribeTopicPartitions", 75, onBroker, s.testDescribeTopicPartitions, nil},
		{"DescribeConfigs", 32, onBroker, s.testDescribeConfigs(onBroker), nil},
		{"DescribeConfigs", 32, onController, s.testDescribeConfigs(onController), nil},
		{"AlterConfigs", 33, onBroker, s.testAlterConfigs(onBroker), nil},
		{"AlterConfigs", 33, onController, s.testAlterConfigs(onController), nil},
		{"IncrementalAlterConfigs", 44, onBroker, s.testIncrementalAlterConfigs(onBroker), nil},
		{"IncrementalAlterConfigs", 44, onController, s.testIncrementalAlterConfigs(onController), nil},
		{"CreatePartitions", 37, onBroker, s.testCreatePartitions(onBroker), nil},
		{"CreatePartitions", 37, onController, s.testCreatePartitions(onController), nil},
		{"DeleteRecords", 21, onBroker, s.testDeleteRecords, nil},
		{"DescribeLogDirs", 35, onBroker, s.testDescribeLogDirs, nil},
		{"AlterReplicaLogDirs", 34, onBroker, s.testAlterReplicaLogDirs, nil},
		{"ElectLeaders", 43, onBroker, s.testElectLeaders(onBroker), nil},
		{"ElectLeaders", 43, onController, s.testElectLeaders(onController), nil},
		{"AlterPartitionReassignments", 45, onBroker, s.testReassignments(onBroker), nil},
		{"AlterPartitionReassignments", 45, onController, s.testReassignments(onController), nil},
		{"ListPartitionReassignments", 46, onBroker, s.testListReassignments(onBroker), nil},
		{"ListPartitionReassignments", 46, onController, s.testListReassignments(onController), nil},
		{"DescribeCluster", 60, onBroker, s.testDescribeCluster(onBroker), nil},
		{"DescribeCluster", 60, onController, s.testDescribeCluster(onController), nil},
		{"DescribeQuorum", 55, onController, s.testDescribeQuorum(onController), nil},
		{"DescribeQuorum", 55, onBroker, s.testDescribeQuorum(onBroker), nil},
		{"Vote", 52, onController, s.testVote, nil},
		{"BeginQuorumEpoch", 53, onController, s.testBeginQuorumEpoch, nil},
		{"EndQuorumEpoch", 54, onController, s.testEndQuorumEpoch, nil},
		{"RaftFetch", 1, onController, s.testRaftFetch, nil},
		{"FetchSnapshot", 59, onController, s.testFetchSnapshot, nil},
		{"BrokerRegistration", 62, onController, s.testBrokerRegistration, nil},
		{"BrokerHeartbeat", 63, onController, s.testBrokerHeartbeat, nil},
		{"AllocateProducerIds", 67, onController, s.testAllocateProducerIds, nil},
		{"AssignReplicasToDirs", 73, onController, s.testAssignReplicasToDirs, nil},
		{"AlterPartition", 56, onController, s.testAlterPartition, nil},
		{"ControllerRegistration", 70, onController, s.testControllerRegistration, nil},
		{"Envelope", 58, onController, s.testEnvelope, nil},
		{"UnregisterBroker", 64, onController, s.testUnregisterBroker(onController), nil},
		{"UnregisterBroker", 64, onBroker, s.testUnregisterBroker(onBroker), nil},
		{"UnregisterController", 94, onController, s.testUnregisterController(onController), nil},
		{"UnregisterController", 94, onBroker, s.testUnregisterController(onBroker), nil},
		{"UpdateFeatures", 57, onBroker, s.testUpdateFeatures(onBroker), nil},
		{"UpdateFeatures", 57, onController, s.testUpdateFeatures(onController), nil},
		{"AddRaftVoter", 80, onController, s.testAddRaftVoter(onController), nil},
		{"AddRaftVoter", 80, onBroker, s.testAddRaftVoter(onBroker), nil},
		{"RemoveRaftVoter", 81, onController, s.testRemoveRaftVoter(onController), nil},
		{"RemoveRaftVoter", 81, onBroker, s.testRemoveRaftVoter(onBroker), nil},
		{"AlterUserScramCredentials", 51, onBroker, s.testAlterUserScramCredentials(onBroker), nil},
		{"AlterUserScramCredentials", 51, onController, s.testAlterUserScramCredentials(onController), nil},
		{"DescribeUserScramCredentials", 50, onBroker, s.testDescribeUserScramCredentials(onBroker), nil},
		{"DescribeUserScramCredentials", 50, onController, s.testDescribeUserScramCredentials(onController), nil},
		{"SaslHandshake", 17, onBroker, s.testSaslHandshake, nil},
		{"SaslAuthenticate", 36, onBroker, s.testSaslAuthenticate, nil},
		{"SaslHandshake", 17, onController, s.testSaslHandshakeOnPlaintext, nil},
		{"SaslAuthenticate", 36, onController, s.testSaslAuthenticateOnPlaintext, nil},
		{"CreateAcls", 30, onBroker, s.testCreateAcls(onBroker), nil},
		{"CreateAcls", 30, onController, s.testCreateAcls(onController), nil},
		{"DescribeAcls", 29, onBroker, s.testDescribeAcls(onBroker), nil},
		{"DescribeAcls", 29, onController, s.testDescribeAcls(onController), nil},
		{"DeleteAcls", 31, onBroker, s.testDeleteAcls(onBroker), nil},
		{"DeleteAcls", 31, onController, s.testDeleteAcls(onController), nil},
		{"AclsAuthorize", 30, onBroker, s.once(30, s.testAclsAuthorize), nil},
		{"AlterClientQuotas", 49, onBroker, s.testAlterClientQuotas(onBroker), nil},
		{"AlterClientQuotas", 49, onController, s.testAlterClientQuotas(onController), nil},
		{"DescribeClientQuotas", 48, onBroker, s.testDescribeClientQuotas, nil},
		{"CreateDelegationToken", 38, onBroker, s.testCreateDelegationToken, nil},
		{"CreateDelegationToken", 38, onController, s.testCreateDelegationTokenOnController, nil},
		{"DescribeDelegationToken", 41, onBroker, s.testDescribeDelegationToken(onBroker), nil},
		{"DescribeDelegationToken", 41, onController, s.testDescribeDelegationToken(onController), nil},
		{"RenewDelegationToken", 39, onBroker, s.testRenewDelegationToken(onBroker), nil},
		{"RenewDelegationToken", 39, onController, s.testRenewDelegationToken(onController), nil},
		{"ExpireDelegationToken", 40, onController, s.testExpireDelegationToken(onController), nil},
		{"ExpireDelegationToken", 40, onBroker, s.testExpireDelegationToken(onBroker), nil},
		{"ClassicGroup", -1, onBroker, s.testClassicGroup, classicGroupKeys},
		{"ConsumerGroupHeartbeat", 68, onBroker, s.testConsumerGroupHeartbeat, nil},
		{"ConsumerGroupDescribe", 69, onBroker, s.testConsumerGroupDescribe, nil},
		// Before the transactions: the share group reads the data topic's records alone.
		{"ShareGroup", -1, onBroker, s.testShareGroup, shareGroupKeys},
		{"ShareState", -1, onBroker, s.testShareState, shareStateKeys},
		{"StreamsGroup", -1, onBroker, s.testStreamsGroup, streamsGroupKeys},
		{"Transaction", -1, onBroker, s.testTransaction, txnKeys},
		{"WriteTxnMarkers", 27, onBroker, s.testWriteTxnMarkers, nil},
		{"DescribeProducers", 61, onBroker, s.testDescribeProducers, nil},
		{"ListClientMetricsResources", 74, onBroker, s.testListClientMetricsResources, nil},
		{"GetTelemetrySubscriptions", 71, onBroker, s.testGetTelemetrySubscriptions, nil},
		{"PushTelemetry", 72, onBroker, s.testPushTelemetry, nil},
		{"ApiVersionsAboveRange", 18, onBroker, s.once(18, s.testApiVersionsAboveRange(onBroker)), nil},
		{"ApiVersionsAboveRange", 18, onController, s.onceOn(onController, 18, s.testApiVersionsAboveRange(onController)), nil},
		{"LargeFrames", 0, onBroker, s.once(0, s.testLargeFrames), nil},
		{"Pipelining", 3, onBroker, s.once(3, s.testPipelining), nil},
		{"ClosedMidResponse", 3, onBroker, s.once(3, s.testClosedMidResponse), nil},
		{"ControlledShutdown", 7, onController, s.testControlledShutdown, nil},
		{"DeleteTopics", 20, onBroker, s.testDeleteTopics(onBroker), nil},
		{"DeleteTopics", 20, onController, s.testDeleteTopics(onController), nil},
		// Last: Kafka 4.4.0 stops on it (see testUpdateRaftVoter).
		{"UpdateRaftVoter", 82, onController, s.testUpdateRaftVoter, nil},
	}
}

// once runs f as a step at the newest version only, whatever it sends.
func (s *suite) once(key int16, f func(t *testing.T)) func(t *testing.T, v int16) {
	return s.onceOn(onBroker, key, f)
}

// onceOn is once for a step on the given listener.
func (s *suite) onceOn(listener string, key int16, f func(t *testing.T)) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		if v == s.newest(t, listener, key) {
			f(t)
		}
	}
}
