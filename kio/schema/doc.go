// Package schema is every message of the Kafka 3.9 protocol as plain Go structs, generated
// from Kafka's JSON message specs by kio/generator, plus an index of the APIs and the
// framing of requests and responses on a connection.
//
// # Layout
//
// Each API has its own package named by the API in lower case: kio/schema/metadata holds
// MetadataRequest, MetadataResponse and the structs nested in them
// (MetadataRequestTopic, ...). The request and response headers live in requestheader
// and responseheader, and each data schema (ConsumerProtocolAssignment,
// LeaderChangeMessage, ...) in a package of its own. kio/schema/common holds the types
// shared across APIs: TopicName, BrokerId and the other entity types, and ErrorCode with
// a constant per Kafka error code.
//
// The structs carry data only; their `kafka:"..."` tags (see kio/tags) describe the wire
// format, and kio/serial encodes and decodes them.
//
// # Names
//
// Type and field names are Kafka's, verbatim, with two rules where Go needs one:
//
//   - A field name starting in lower case (timeoutMs, validateOnly, isKRaftController)
//     gets its first letter upper-cased so that it is exported.
//   - When the request and the response of one API both define a nested struct of the
//     same name with different fields, both get their message's name as prefix:
//     Vote's PartitionData becomes VoteRequestPartitionData and
//     VoteResponsePartitionData. This applies to Vote, BeginQuorumEpoch, EndQuorumEpoch,
//     DescribeQuorum, FetchSnapshot, AlterPartition, AssignReplicasToDirs and
//     AlterClientQuotas (EntryData). Identical definitions are one shared type under the
//     spec's name (AlterClientQuotas' EntityData, ConsumerGroupHeartbeat's
//     TopicPartitions, DescribeTopicPartitions' Cursor, FetchSnapshot's SnapshotId).
//
// int16 fields named ErrorCode or ending in ErrorCode have type common.ErrorCode; fields
// with an entityType in the spec have the matching common type (common.TopicName,
// []common.BrokerId, ...).
//
// # Index
//
// Lookup finds an API by key: its name, request and response types, versions, flexible
// versions and the header versions each version uses; NewRequest and NewResponse make
// values to decode into. LookupMessage finds any request, response, header or data
// schema by name.
//
// # Framing
//
// A Framer reads and writes size-prefixed frames: a request is read from its header
// alone (the API key and version select the header version and the body type), a
// response given the key and version of the request it answers. See Framer.
package schema
