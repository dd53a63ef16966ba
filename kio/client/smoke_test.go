package client_test

import (
	"context"
	"net"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/server"
)

func TestSmoke(t *testing.T) {
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		id := "smoke"
		return &metadata.MetadataResponse{ClusterId: &id}, nil
	})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	srv := &server.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()
	c, err := client.Dial(context.Background(), ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, err := client.Call[metadata.MetadataResponse](context.Background(), c, &metadata.MetadataRequest{})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(*resp.ClusterId, c.Negotiated())
}
