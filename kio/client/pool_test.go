package client_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/server"
)

func TestClientPool(t *testing.T) {
	a := serve(t, &server.Server{Handler: echoMux()})
	b := serve(t, &server.Server{Handler: echoMux()})
	var cl client.Client
	ctx := context.Background()
	var wg sync.WaitGroup
	conns := make([]*client.Conn, 20)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addr := a
			if i%2 == 1 {
				addr = b
			}
			c, err := cl.Conn(ctx, addr)
			if err != nil {
				t.Error(err)
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	for i, c := range conns {
		if c != conns[i%2] {
			t.Fatalf("conn %d is not the one for its address", i)
		}
	}
	if conns[0] == conns[1] {
		t.Fatal("one conn for two addresses")
	}
	conns[0].Close() // broken or closed: the next Conn dials again
	c, err := cl.Conn(ctx, a)
	if err != nil || c == conns[0] {
		t.Fatalf("after close: %v, same conn %v", err, c == conns[0])
	}
	out, err := cl.Call(ctx, b, metadataFor("via-pool"))
	if err != nil || *out.(*metadata.MetadataResponse).ClusterId != "via-pool" {
		t.Fatalf("Call: %v", err)
	}
	if _, err := cl.Conn(ctx, "127.0.0.1:1"); err == nil {
		t.Error("dialed a closed port")
	}
	cl.Close()
	if _, err := cl.Call(ctx, a, metadataFor("x")); !errors.Is(err, client.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if c.Err() == nil {
		t.Error("Close left a connection open")
	}
}

// TestNewConn wraps a connection the caller dialed.
func TestNewConn(t *testing.T) {
	addr := serve(t, &server.Server{Handler: echoMux()})
	var d client.Dialer
	nc, err := (&net.Dialer{}).Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.NewConn(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Addr() != addr {
		t.Errorf("Addr %q, want %q", c.Addr(), addr)
	}
	resp, err := client.Call[metadata.MetadataResponse](context.Background(), c, metadataFor("wrapped"))
	if err != nil || *resp.ClusterId != "wrapped" {
		t.Fatalf("%v, %v", resp, err)
	}
}
