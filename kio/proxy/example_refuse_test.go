package proxy_test

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
)

// A proxy in front of a three-broker cluster that refuses writes to one topic by
// answering them itself; everything else is relayed, and the client never learns a
// broker's own address.
func Example() {
	cluster, _ := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(1, "orders", "audit"))
	defer cluster.Close()

	var f proxy.Filters
	proxy.OnRequest(&f, func(c *proxy.Call, r *produce.ProduceRequest) proxy.Verdict {
		if len(r.TopicData) == 1 && r.TopicData[0].Name == "audit" {
			return c.Answer(refusal(r, common.TopicAuthorizationFailed))
		}
		return proxy.Pass
	})
	p := &proxy.Proxy{Upstream: cluster.ListenAddrs()[:1], Filters: &f}
	if err := p.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	// Produce v12 names topics (v13 uses topic ids, which a real filter maps from Metadata).
	cl, _ := kgo.NewClient(kgo.SeedBrokers(p.BootstrapAddr()), kgo.MaxVersions(kgoVersionsBelowProduce13()))
	defer cl.Close()
	ctx := context.Background()
	fmt.Println("orders:", cl.ProduceSync(ctx, &kgo.Record{Topic: "orders", Value: []byte("1")}).FirstErr())
	fmt.Println("audit:", cl.ProduceSync(ctx, &kgo.Record{Topic: "audit", Value: []byte("2")}).FirstErr())
	fmt.Println("listeners:", len(p.Mappings()))
	// Output:
	// orders: <nil>
	// audit: TOPIC_AUTHORIZATION_FAILED: Not authorized to access topics: [Topic authorization failed.]
	// listeners: 3
}

// refusal is the answer a broker gives to a Produce it refuses: code for every partition
// the request writes to, and no offsets.
func refusal(r *produce.ProduceRequest, code common.ErrorCode) *produce.ProduceResponse {
	var resp produce.ProduceResponse
	for _, td := range r.TopicData {
		tr := produce.TopicProduceResponse{Name: td.Name, TopicId: td.TopicId}
		for _, pd := range td.PartitionData {
			tr.PartitionResponses = append(tr.PartitionResponses, produce.PartitionProduceResponse{
				Index: pd.Index, ErrorCode: code, BaseOffset: -1, LogAppendTimeMs: -1, LogStartOffset: -1})
		}
		resp.Responses = append(resp.Responses, tr)
	}
	return &resp
}
