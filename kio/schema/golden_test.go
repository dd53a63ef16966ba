package schema_test

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/createtopics"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// The expected bytes below are written out by hand from Kafka's protocol guide: classic
// versions use int16-length strings and int32-length arrays; flexible versions use
// unsigned-varint lengths plus one (0 = null) and end every struct with a tagged-field
// section (a varint count, then tag, size and data of each field).

// cat joins byte groups, so each group can carry its own comment.
func cat(groups ...[]byte) []byte { return bytes.Join(groups, nil) }

func ptr[T any](v T) *T { return &v }

type golden struct {
	name    string
	version int16
	value   any // pointer to the expected value; decoding the bytes must give it back
	wire    []byte
}

func goldens() []golden {
	uuid1 := kio.UUID{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10}
	uuid2 := kio.UUID{0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa}
	return []golden{
		{
			name: "MetadataRequest v0", version: 0,
			value: &metadata.MetadataRequest{
				Topics: []metadata.MetadataRequestTopic{
					{Name: ptr(common.TopicName("foo"))},
					{Name: ptr(common.TopicName("bar"))},
				},
				AllowAutoTopicCreation: true, // absent in v0: decodes to its spec default
			},
			wire: cat(
				[]byte{0x00, 0x00, 0x00, 0x02},    // Topics: int32 array length 2
				[]byte{0x00, 0x03}, []byte("foo"), // Topics[0].Name: int16 length 3, "foo"
				[]byte{0x00, 0x03}, []byte("bar"), // Topics[1].Name
			),
		},
		{
			name: "MetadataRequest v12", version: 12,
			value: &metadata.MetadataRequest{
				Topics: []metadata.MetadataRequestTopic{
					{TopicId: uuid1, Name: ptr(common.TopicName("foo"))},
					{TopicId: uuid2, Name: nil},
				},
				AllowAutoTopicCreation:           false,
				IncludeTopicAuthorizedOperations: true,
			},
			wire: cat(
				[]byte{0x03},                // Topics: compact array, 2 elements (uvarint 2+1)
				uuid1[:],                    // Topics[0].TopicId: 16 raw bytes
				[]byte{0x04}, []byte("foo"), // Topics[0].Name: compact string, length 3 (uvarint 3+1)
				[]byte{0x00}, // Topics[0]: no tagged fields
				uuid2[:],     // Topics[1].TopicId
				[]byte{0x00}, // Topics[1].Name: null (uvarint 0)
				[]byte{0x00}, // Topics[1]: no tagged fields
				[]byte{0x00}, // AllowAutoTopicCreation: false
				[]byte{0x01}, // IncludeTopicAuthorizedOperations: true (IncludeCluster... is v8-10 only)
				[]byte{0x00}, // no tagged fields
			),
		},
		{
			name: "ApiVersionsResponse v0", version: 0,
			value: &apiversions.ApiVersionsResponse{
				ErrorCode: common.None,
				ApiKeys: []apiversions.ApiVersion{
					{ApiKey: 0, MinVersion: 0, MaxVersion: 11},
					{ApiKey: 18, MinVersion: 0, MaxVersion: 3},
				},
				FinalizedFeaturesEpoch: -1, // absent in v0: its spec default
				// Absent in v0: arrays without a default literal default to empty.
				SupportedFeatures: []apiversions.SupportedFeatureKey{},
				FinalizedFeatures: []apiversions.FinalizedFeatureKey{},
			},
			wire: cat(
				[]byte{0x00, 0x00},                         // ErrorCode: 0 (NONE)
				[]byte{0x00, 0x00, 0x00, 0x02},             // ApiKeys: int32 array length 2
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x0b}, // ApiKey 0 (Produce), MinVersion 0, MaxVersion 11
				[]byte{0x00, 0x12, 0x00, 0x00, 0x00, 0x03}, // ApiKey 18 (ApiVersions), MinVersion 0, MaxVersion 3
			),
		},
		{
			name: "ApiVersionsResponse v3", version: 3,
			value: &apiversions.ApiVersionsResponse{
				ErrorCode:      common.None,
				ApiKeys:        []apiversions.ApiVersion{{ApiKey: 18, MinVersion: 0, MaxVersion: 3}},
				ThrottleTimeMs: 100,
				SupportedFeatures: []apiversions.SupportedFeatureKey{
					{Name: "metadata.version", MinVersion: 1, MaxVersion: 21},
				},
				FinalizedFeaturesEpoch: 5,
				FinalizedFeatures:      []apiversions.FinalizedFeatureKey{}, // not on the wire: its empty default
			},
			wire: cat(
				[]byte{0x00, 0x00}, // ErrorCode: 0
				[]byte{0x02},       // ApiKeys: compact array, 1 element
				[]byte{0x00, 0x12, 0x00, 0x00, 0x00, 0x03}, // ApiKey 18, MinVersion 0, MaxVersion 3
				[]byte{0x00},                             // ApiKeys[0]: no tagged fields
				[]byte{0x00, 0x00, 0x00, 0x64},           // ThrottleTimeMs: 100
				[]byte{0x02},                             // tagged fields: 2 (the others hold their defaults)
				[]byte{0x00, 0x17},                       // tag 0 (SupportedFeatures), 23 bytes:
				[]byte{0x02},                             //   compact array, 1 element
				[]byte{0x11}, []byte("metadata.version"), //   Name: compact string, length 16
				[]byte{0x00, 0x01}, //   MinVersion 1
				[]byte{0x00, 0x15}, //   MaxVersion 21
				[]byte{0x00},       //   no tagged fields
				[]byte{0x01, 0x08}, // tag 1 (FinalizedFeaturesEpoch), 8 bytes:
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05}, //   int64 5
			),
		},
		{
			name: "CreateTopicsRequest v5", version: 5,
			value: &createtopics.CreateTopicsRequest{
				Topics: []createtopics.CreatableTopic{{
					Name:              "events",
					NumPartitions:     -1,
					ReplicationFactor: -1,
					Assignments: []createtopics.CreatableReplicaAssignment{
						{PartitionIndex: 0, BrokerIds: []common.BrokerId{1, 2}},
					},
					Configs: []createtopics.CreatableTopicConfig{
						{Name: "cleanup.policy", Value: ptr("compact")},
						{Name: "retention.ms", Value: nil},
					},
				}},
				TimeoutMs:    30000,
				ValidateOnly: true,
			},
			wire: cat(
				[]byte{0x02},                   // Topics: compact array, 1 element
				[]byte{0x07}, []byte("events"), // Name: compact string, length 6
				[]byte{0xff, 0xff, 0xff, 0xff},         // NumPartitions: -1
				[]byte{0xff, 0xff},                     // ReplicationFactor: -1
				[]byte{0x02},                           // Assignments: 1 element
				[]byte{0x00, 0x00, 0x00, 0x00},         //   PartitionIndex 0
				[]byte{0x03},                           //   BrokerIds: 2 elements
				[]byte{0x00, 0x00, 0x00, 0x01},         //     1
				[]byte{0x00, 0x00, 0x00, 0x02},         //     2
				[]byte{0x00},                           //   no tagged fields
				[]byte{0x03},                           // Configs: 2 elements
				[]byte{0x0f}, []byte("cleanup.policy"), //   Name: length 14
				[]byte{0x08}, []byte("compact"), //   Value: length 7
				[]byte{0x00},                         //   no tagged fields
				[]byte{0x0d}, []byte("retention.ms"), //   Name: length 12
				[]byte{0x00},                   //   Value: null
				[]byte{0x00},                   //   no tagged fields
				[]byte{0x00},                   // Topics[0]: no tagged fields
				[]byte{0x00, 0x00, 0x75, 0x30}, // timeoutMs: 30000
				[]byte{0x01},                   // validateOnly: true
				[]byte{0x00},                   // no tagged fields
			),
		},
		{
			name: "RequestHeader v2", version: 2,
			value: &requestheader.RequestHeader{
				RequestApiKey: 3, RequestApiVersion: 12, CorrelationId: 7, ClientId: ptr("kio"),
			},
			wire: cat(
				[]byte{0x00, 0x03},                // RequestApiKey: 3 (Metadata)
				[]byte{0x00, 0x0c},                // RequestApiVersion: 12
				[]byte{0x00, 0x00, 0x00, 0x07},    // CorrelationId: 7
				[]byte{0x00, 0x03}, []byte("kio"), // ClientId: int16 length 3, even in flexible v2
				[]byte{0x00}, // no tagged fields
			),
		},
	}
}

func TestGoldenBytes(t *testing.T) {
	for _, g := range goldens() {
		t.Run(g.name, func(t *testing.T) {
			got, err := serial.Marshal(g.value, g.version)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if !bytes.Equal(got, g.wire) {
				t.Errorf("encode:\n got % x\nwant % x", got, g.wire)
			}
			decoded := newLike(g.value)
			if err := serial.Unmarshal(g.wire, decoded, g.version); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if diff := cmp.Diff(g.value, decoded, allExported); diff != "" {
				t.Errorf("decode (-want +got):\n%s", diff)
			}
		})
	}
}
