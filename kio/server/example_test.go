package server_test

import (
	"context"
	"fmt"
	"net"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/initproducerid"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// A fake broker answering Metadata to clients that log in with SCRAM-SHA-256.
func Example() {
	cred, _ := sasl.NewScramCredential(sasl.SHA256, "alice-secret")
	users := map[string]sasl.ScramCredential{"alice": cred}

	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		hello := "hello " + req.Peer.Principal
		return &metadata.MetadataResponse{ClusterId: &hello}, nil
	})
	srv := &server.Server{Handler: mux, SASL: []sasl.ServerMechanism{
		sasl.ScramServer{Hash: sasl.SHA256, Lookup: func(user string, token bool) (sasl.ScramCredential, bool) {
			c, ok := users[user]
			return c, ok && !token
		}},
	}}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Close()

	// Any Kafka client will do; kio's own here.
	d := client.Dialer{SASL: &sasl.Scram{Hash: sasl.SHA256, User: "alice", Password: "alice-secret"}}
	conn, err := d.Dial(context.Background(), ln.Addr().String())
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	resp, err := client.Call[metadata.MetadataResponse](context.Background(), conn, &metadata.MetadataRequest{})
	if err != nil {
		panic(err)
	}
	fmt.Println(*resp.ClusterId)
	// Output:
	// hello alice
}

// A handler that cannot serve a request returns a Kafka error code as its error; the
// client reads it in the response's top-level ErrorCode, and the connection serves on.
func ExampleHandle_errorCode() {
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *initproducerid.InitProducerIdRequest) (*initproducerid.InitProducerIdResponse, error) {
		return nil, fmt.Errorf("no producer ids yet: %w", common.CoordinatorLoadInProgress)
	})
	srv := &server.Server{Handler: mux}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Close()

	conn, err := client.Dial(context.Background(), ln.Addr().String())
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	for range 2 {
		resp, err := client.Call[initproducerid.InitProducerIdResponse](context.Background(), conn, &initproducerid.InitProducerIdRequest{})
		if err != nil {
			panic(err)
		}
		fmt.Println(resp.ErrorCode, resp.ProducerId)
	}
	// Output:
	// kafka error 14: COORDINATOR_LOAD_IN_PROGRESS -1
	// kafka error 14: COORDINATOR_LOAD_IN_PROGRESS -1
}
