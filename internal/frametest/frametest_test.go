package frametest_test

import (
	"testing"

	"github.com/kio-go/kafka-protocol/internal/frametest"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
)

// TestRequest: the frame parses back to the body, version, correlation id and client id
// it was built from.
func TestRequest(t *testing.T) {
	id, name := "tester", common.TopicName("t")
	topic := metadata.MetadataRequestTopic{Name: &name}
	f := frametest.Request(t, &metadata.MetadataRequest{Topics: []metadata.MetadataRequestTopic{topic}}, 12, 77, &id)
	req, err := frame.Framer{}.ParseRequest(f)
	if err != nil {
		t.Fatal(err)
	}
	h := req.Header
	body, ok := req.Body.(*metadata.MetadataRequest)
	if h.RequestApiKey != metadata.APIKey || h.RequestApiVersion != 12 || h.CorrelationId != 77 ||
		h.ClientId == nil || *h.ClientId != id || !ok || len(body.Topics) != 1 || *body.Topics[0].Name != name {
		t.Errorf("parsed back as %+v, body %+v", h, req.Body)
	}
}

// TestFirstTopic: the name Metadata asks for comes back from FirstTopic; a request
// naming no topic (or a null name) gives the default.
func TestFirstTopic(t *testing.T) {
	null := &metadata.MetadataRequest{Topics: []metadata.MetadataRequestTopic{{}}}
	if got := frametest.FirstTopic(frametest.Metadata("orders"), "none"); got != "orders" {
		t.Errorf("FirstTopic(Metadata(orders)) = %q", got)
	}
	if a, b := frametest.FirstTopic(&metadata.MetadataRequest{}, "none"), frametest.FirstTopic(null, "x"); a != "none" || b != "x" {
		t.Errorf("no topic: %q, null name: %q", a, b)
	}
}
