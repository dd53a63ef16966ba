package proxy_test

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
)

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
