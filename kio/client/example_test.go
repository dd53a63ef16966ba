package client_test

import (
	"context"
	"fmt"
	"net"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// A broker to talk to: a kio/server on loopback answering Metadata (in a real program,
// Kafka's address).
func exampleBroker() string {
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		return &metadata.MetadataResponse{ClusterId: ptr("example-cluster"), ControllerId: 1,
			Brokers: []metadata.MetadataResponseBroker{{NodeId: 1, Host: "localhost", Port: 9092}}}, nil
	})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go (&server.Server{Handler: mux}).Serve(ln)
	return ln.Addr().String()
}

func Example() {
	ctx := context.Background()
	conn, err := client.Dial(ctx, exampleBroker())
	if err != nil {
		panic(err)
	}
	defer conn.Close()

	resp, err := client.Call[metadata.MetadataResponse](ctx, conn, &metadata.MetadataRequest{})
	if err != nil {
		panic(err)
	}
	v, _ := conn.Version(metadata.APIKey)
	fmt.Printf("Metadata v%d: cluster %s, %d broker(s)\n", v, *resp.ClusterId, len(resp.Brokers))

	// The broker does not serve Produce: a typed error, and nothing sent.
	_, err = conn.Call(ctx, &produce.ProduceRequest{Acks: -1})
	fmt.Println(err)
	// Output:
	// Metadata v13: cluster example-cluster, 1 broker(s)
	// kio/client: Produce(0): the broker does not serve this API
}

func ExampleDialer() {
	d := client.Dialer{
		ClientID: "inventory-service",
		SASL:     &sasl.Scram{Hash: sasl.SHA512, User: "alice", Password: "alice-secret"},
		// TLS: &tls.Config{RootCAs: pool},
	}
	conn, err := d.Dial(context.Background(), "localhost:9093")
	if err != nil {
		return // no broker here
	}
	defer conn.Close()
}

// A relay's loop sends each request frame as it comes and waits for the responses
// later, in order: the broker has the second request before the first is answered.
func ExampleConn_SendFrame() {
	ctx := context.Background()
	conn, err := client.Dial(ctx, exampleBroker())
	if err != nil {
		panic(err)
	}
	defer conn.Close()

	var pending []*client.PendingResponse
	for corr := int32(7); corr <= 8; corr++ { // the frames as a client sent them
		req, _ := frame.NewRequest(&metadata.MetadataRequest{}, 12, corr, nil)
		reqFrame, _ := frame.Framer{}.AppendRequest(nil, req)
		p, err := conn.SendFrame(ctx, reqFrame)
		if err != nil {
			panic(err)
		}
		pending = append(pending, p)
	}
	for _, p := range pending {
		respFrame, err := p.Wait(ctx)
		if err != nil {
			panic(err)
		}
		corr, _ := frame.PeekCorrelationID(respFrame)
		fmt.Printf("response to %d: %d bytes\n", corr, len(respFrame))
	}
	// Output:
	// response to 7: 56 bytes
	// response to 8: 56 bytes
}
