// Package frametest builds Kafka requests and frames for tests: those of kio/client,
// kio/server and kio/proxy, which cannot share a _test.go helper across their packages,
// and those of tests/.
package frametest

import (
	"testing"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
)

// Request encodes body (a generated request struct or a pointer to one) at version as
// a whole request frame, size prefix included, with correlation id corr and client id
// clientID (nil for null). It fails tb if body cannot be framed.
func Request(tb testing.TB, body any, version int16, corr int32, clientID *string) []byte {
	tb.Helper()
	req, err := frame.NewRequest(body, version, corr, clientID)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := frame.Framer{}.AppendRequest(nil, req)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// Metadata returns a Metadata request for the one topic name: the test servers of
// kio/client and kio/server answer with it (see FirstTopic), so that a test can tell
// whose answer a caller got.
func Metadata(name string) *metadata.MetadataRequest {
	n := common.TopicName(name)
	return &metadata.MetadataRequest{Topics: []metadata.MetadataRequestTopic{{Name: &n}}}
}

// FirstTopic returns the name of the first topic body asks for, or none if it names
// none.
func FirstTopic(body *metadata.MetadataRequest, none string) string {
	if len(body.Topics) > 0 && body.Topics[0].Name != nil {
		return string(*body.Topics[0].Name)
	}
	return none
}
