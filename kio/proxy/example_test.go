package proxy_test

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
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
			var resp produce.ProduceResponse
			for _, td := range r.TopicData {
				tr := produce.TopicProduceResponse{Name: td.Name, TopicId: td.TopicId}
				for _, pd := range td.PartitionData {
					tr.PartitionResponses = append(tr.PartitionResponses, produce.PartitionProduceResponse{
						Index: pd.Index, ErrorCode: common.TopicAuthorizationFailed, BaseOffset: -1, LogAppendTimeMs: -1, LogStartOffset: -1})
				}
				resp.Responses = append(resp.Responses, tr)
			}
			return c.Answer(&resp)
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

// A protocol log: OnFrame sees every frame a client exchanges with the proxy, the
// responses as the client gets them (the broker's address already replaced by the
// proxy's).
func ExampleProxy_OnFrame() {
	cluster, _ := kfake.NewCluster(kfake.NumBrokers(1))
	defer cluster.Close()
	p := &proxy.Proxy{Upstream: cluster.ListenAddrs(), OnFrame: func(f *proxy.Frame) {
		dir := "request "
		if f.Response {
			dir = "response"
		}
		api, _ := schema.Lookup(f.APIKey)
		fmt.Printf("%s %s, correlation id %d\n", dir, api.Name, f.CorrelationID)
	}}
	if err := p.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	ctx := context.Background()
	d := client.Dialer{ClientID: "example"}
	c, err := d.Dial(ctx, p.BootstrapAddr())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	resp, err := client.Call[metadata.MetadataResponse](ctx, c, &metadata.MetadataRequest{})
	if err != nil {
		fmt.Println(err)
		return
	}
	b := resp.Brokers[0]
	fmt.Println("the client is told", net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))) == p.BootstrapAddr())
	// Output:
	// request  ApiVersions, correlation id 0
	// response ApiVersions, correlation id 0
	// request  Metadata, correlation id 1
	// response Metadata, correlation id 1
	// the client is told true
}
