package realkafka

import (
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema/createtopics"
)

// steps lists what TestRealKafka sends, in order: each step runs at every version both
// kio and the listener support. Later steps use what earlier ones made (the data topic,
// its records, a group's offsets, a producer id).
func (s *suite) steps() []step {
	s.dataTopic = "kio-data"
	return []step{
		{"setup", 19, onBroker, s.once(19, func(t *testing.T) {
			s.dataID = s.createTopic(t, s.dataTopic, 1, createtopics.CreatableTopicConfig{Name: "retention.ms", Value: ptr("86400000")})
		})},
		{"ApiVersions", 18, onBroker, s.testApiVersions(onBroker)},
		{"ApiVersions", 18, onController, s.testApiVersions(onController)},
		{"CreateTopics", 19, onBroker, s.testCreateTopics(onBroker)},
		{"CreateTopics", 19, onController, s.testCreateTopics(onController)},
		{"Metadata", 3, onBroker, s.testMetadata},
		{"Produce", 0, onBroker, s.testProduce},
		{"Fetch", 1, onBroker, s.testFetch},
		{"ListOffsets", 2, onBroker, s.testListOffsets},
		{"OffsetForLeaderEpoch", 23, onBroker, s.testOffsetForLeaderEpoch},
		{"DescribeTopicPartitions", 75, onBroker, s.testDescribeTopicPartitions},
		{"DescribeConfigs", 32, onBroker, s.testDescribeConfigs(onBroker)},
		{"DescribeConfigs", 32, onController, s.testDescribeConfigs(onController)},
		{"AlterConfigs", 33, onBroker, s.testAlterConfigs(onBroker)},
		{"AlterConfigs", 33, onController, s.testAlterConfigs(onController)},
		{"IncrementalAlterConfigs", 44, onBroker, s.testIncrementalAlterConfigs(onBroker)},
		{"IncrementalAlterConfigs", 44, onController, s.testIncrementalAlterConfigs(onController)},
		{"CreatePartitions", 37, onBroker, s.testCreatePartitions(onBroker)},
		{"CreatePartitions", 37, onController, s.testCreatePartitions(onController)},
		{"DeleteRecords", 21, onBroker, s.testDeleteRecords},
		{"DescribeLogDirs", 35, onBroker, s.testDescribeLogDirs},
		{"AlterReplicaLogDirs", 34, onBroker, s.testAlterReplicaLogDirs},
		{"ElectLeaders", 43, onBroker, s.testElectLeaders(onBroker)},
		{"ElectLeaders", 43, onController, s.testElectLeaders(onController)},
		{"AlterPartitionReassignments", 45, onBroker, s.testReassignments(onBroker)},
		{"AlterPartitionReassignments", 45, onController, s.testReassignments(onController)},
		{"ListPartitionReassignments", 46, onBroker, s.testListReassignments(onBroker)},
		{"ListPartitionReassignments", 46, onController, s.testListReassignments(onController)},
		{"DescribeCluster", 60, onBroker, s.testDescribeCluster(onBroker)},
		{"DescribeCluster", 60, onController, s.testDescribeCluster(onController)},
		{"DescribeQuorum", 55, onController, s.testDescribeQuorum(onController)},
		{"DescribeQuorum", 55, onBroker, s.testDescribeQuorum(onBroker)},
		{"Vote", 52, onController, s.testVote},
		{"BeginQuorumEpoch", 53, onController, s.testBeginQuorumEpoch},
		{"EndQuorumEpoch", 54, onController, s.testEndQuorumEpoch},
		{"RaftFetch", 1, onController, s.testRaftFetch},
		{"FetchSnapshot", 59, onController, s.testFetchSnapshot},
		{"BrokerRegistration", 62, onController, s.testBrokerRegistration},
		{"BrokerHeartbeat", 63, onController, s.testBrokerHeartbeat},
		{"AllocateProducerIds", 67, onController, s.testAllocateProducerIds},
		{"AssignReplicasToDirs", 73, onController, s.testAssignReplicasToDirs},
		{"AlterPartition", 56, onController, s.testAlterPartition},
		{"ControllerRegistration", 70, onController, s.testControllerRegistration},
		{"Envelope", 58, onController, s.testEnvelope},
		{"UnregisterBroker", 64, onController, s.testUnregisterBroker(onController)},
		{"UnregisterBroker", 64, onBroker, s.testUnregisterBroker(onBroker)},
		{"UpdateFeatures", 57, onBroker, s.testUpdateFeatures(onBroker)},
		{"UpdateFeatures", 57, onController, s.testUpdateFeatures(onController)},
		{"AddRaftVoter", 80, onController, s.testAddRaftVoter(onController)},
		{"AddRaftVoter", 80, onBroker, s.testAddRaftVoter(onBroker)},
		{"RemoveRaftVoter", 81, onController, s.testRemoveRaftVoter(onController)},
		{"RemoveRaftVoter", 81, onBroker, s.testRemoveRaftVoter(onBroker)},
		{"AlterUserScramCredentials", 51, onBroker, s.testAlterUserScramCredentials(onBroker)},
		{"AlterUserScramCredentials", 51, onController, s.testAlterUserScramCredentials(onController)},
		{"DescribeUserScramCredentials", 50, onBroker, s.testDescribeUserScramCredentials(onBroker)},
		{"DescribeUserScramCredentials", 50, onController, s.testDescribeUserScramCredentials(onController)},
		{"SaslHandshake", 17, onBroker, s.testSaslHandshake},
		{"SaslAuthenticate", 36, onBroker, s.testSaslAuthenticate},
		{"SaslHandshake", 17, onController, s.testSaslHandshakeOnPlaintext},
		{"SaslAuthenticate", 36, onController, s.testSaslAuthenticateOnPlaintext},
		{"CreateAcls", 30, onBroker, s.testCreateAcls(onBroker)},
		{"CreateAcls", 30, onController, s.testCreateAcls(onController)},
		{"DescribeAcls", 29, onBroker, s.testDescribeAcls(onBroker)},
		{"DescribeAcls", 29, onController, s.testDescribeAcls(onController)},
		{"DeleteAcls", 31, onBroker, s.testDeleteAcls(onBroker)},
		{"DeleteAcls", 31, onController, s.testDeleteAcls(onController)},
		{"AclsAuthorize", 30, onBroker, s.once(30, s.testAclsAuthorize)},
		{"AlterClientQuotas", 49, onBroker, s.testAlterClientQuotas(onBroker)},
		{"AlterClientQuotas", 49, onController, s.testAlterClientQuotas(onController)},
		{"DescribeClientQuotas", 48, onBroker, s.testDescribeClientQuotas},
		{"CreateDelegationToken", 38, onBroker, s.testCreateDelegationToken},
		{"CreateDelegationToken", 38, onController, s.testCreateDelegationTokenOnController},
		{"DescribeDelegationToken", 41, onBroker, s.testDescribeDelegationToken(onBroker)},
		{"DescribeDelegationToken", 41, onController, s.testDescribeDelegationToken(onController)},
		{"RenewDelegationToken", 39, onBroker, s.testRenewDelegationToken(onBroker)},
		{"RenewDelegationToken", 39, onController, s.testRenewDelegationToken(onController)},
		{"ExpireDelegationToken", 40, onController, s.testExpireDelegationToken(onController)},
		{"ExpireDelegationToken", 40, onBroker, s.testExpireDelegationToken(onBroker)},
		{"DeleteTopics", 20, onBroker, s.testDeleteTopics(onBroker)},
		{"DeleteTopics", 20, onController, s.testDeleteTopics(onController)},
	}
}

// once runs f as a step at the newest version only, whatever it sends.
func (s *suite) once(key int16, f func(t *testing.T)) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		if v == s.newest(t, onBroker, key) {
			f(t)
		}
	}
}
