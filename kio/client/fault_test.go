package client_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/responseheader"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// rawBroker accepts one connection, answers its ApiVersions request (Metadata and
// Produce served), then runs after on the connection.
func rawBroker(t *testing.T, after func(nc net.Conn, r *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		r := bufio.NewReader(nc)
		var f frame.Framer
		req, err := f.ReadRequest(r)
		if err != nil {
			t.Errorf("raw broker: %v", err)
			return
		}
		resp := &frame.Response{Header: responseheader.ResponseHeader{CorrelationId: req.Header.CorrelationId},
			Body: &apiversions.ApiVersionsResponse{ApiKeys: []apiversions.ApiVersion{
				{ApiKey: apiversions.APIKey, MaxVersion: 4}, {ApiKey: metadata.APIKey, MaxVersion: 12}, {ApiKey: produce.APIKey, MaxVersion: 11}}}}
		if err := f.WriteResponse(nc, 18, req.Header.RequestApiVersion, resp); err != nil {
			t.Errorf("raw broker: %v", err)
			return
		}
		after(nc, r)
	}()
	return ln.Addr().String()
}

// TestBrokerClosesMidResponse: five calls in flight; the broker writes half a response
// and closes. Every call fails with a *ConnError wrapping ErrClosed and the cause, and
// so does every later call, at once.
func TestBrokerClosesMidResponse(t *testing.T) {
	addr := rawBroker(t, func(nc net.Conn, r *bufio.Reader) {
		var f frame.Framer
		var first *frame.Request
		for i := range 5 {
			req, err := f.ReadRequest(r)
			if err != nil {
				t.Errorf("raw broker: request %d: %v", i, err)
				return
			}
			if first == nil {
				first = req
			}
		}
		resp, _ := f.AppendResponse(nil, metadata.APIKey, 12, &frame.Response{
			Header: responseheader.ResponseHeader{CorrelationId: first.Header.CorrelationId}, Body: &metadata.MetadataResponse{}})
		nc.Write(resp[:len(resp)/2])
	})
	c, err := client.Dial(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Call(context.Background(), metadataFor("x"))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		var ce *client.ConnError
		if !errors.Is(err, client.ErrClosed) || !errors.As(err, &ce) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("call %d: %v, want a *ConnError wrapping ErrClosed and io.ErrUnexpectedEOF", i, err)
		}
	}
	<-c.Done()
	if _, err := c.Call(context.Background(), metadataFor("later")); !errors.Is(err, client.ErrClosed) {
		t.Errorf("call after the break: %v", err)
	}
}

// TestStalledBroker: a broker that reads requests and never answers. A call's deadline
// ends it; the connection stays open (the answer could still come).
func TestStalledBroker(t *testing.T) {
	addr := rawBroker(t, func(nc net.Conn, r *bufio.Reader) { io.Copy(io.Discard, r) })
	c := conntest.Dial(t, context.Background(), addr)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Call(ctx, metadataFor("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("call to a stalled broker: %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the call took %v", d)
	}
	if err := c.Err(); err != nil {
		t.Errorf("connection closed by a call's deadline: %v", err)
	}
}

// TestStalledBrokerNotReading: a broker that stops reading. A large request's write
// blocks; the call's deadline interrupts it, which closes the connection (half a
// frame leaves the stream unusable). Nothing hangs.
func TestStalledBrokerNotReading(t *testing.T) {
	release := make(chan struct{})
	addr := rawBroker(t, func(nc net.Conn, r *bufio.Reader) { <-release })
	defer close(release)
	c, err := client.Dial(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	// Encoded beforehand, so that the deadline is spent writing.
	big, _ := frame.NewRequest(&produce.ProduceRequest{Acks: 1, TopicData: []produce.TopicProduceData{{Name: "t",
		PartitionData: []produce.PartitionProduceData{{Records: make([]byte, 32<<20)}}}}}, 9, 0, nil)
	bigFrame, err := (frame.Framer{}).AppendRequest(nil, big)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	// A second caller waits behind the blocked write and gives up on its own deadline.
	waiter := make(chan error, 1)
	go func() {
		time.Sleep(50 * time.Millisecond)
		wctx, wcancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer wcancel()
		_, err := c.Call(wctx, metadataFor("x"))
		waiter <- err
	}()
	_, err = c.RoundTripFrame(ctx, bigFrame)
	if !errors.Is(err, client.ErrClosed) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("interrupted write: %v, want ErrClosed wrapping DeadlineExceeded", err)
	}
	if err := <-waiter; !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, client.ErrClosed) {
		t.Errorf("call waiting behind the write: %v", err)
	}
	if c.Err() == nil {
		t.Error("connection still open after an interrupted write")
	}
}

// TestCancelInFlight: a call cancelled while its request is at the server returns at
// once; the connection stays usable and the late answer is discarded.
func TestCancelInFlight(t *testing.T) {
	mux := echoMux()
	release, arrived := make(chan struct{}), make(chan struct{})
	inner := echoMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		if *body.Topics[0].Name == "slow" {
			close(arrived)
			<-release
		}
		r, err := inner.ServeKafka(ctx, req)
		return r.(*metadata.MetadataResponse), err
	})
	addr := serve(t, &server.Server{Handler: mux, ConnConcurrency: 2})
	c := conntest.Dial(t, context.Background(), addr)
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() {
		_, err := c.Call(ctx, metadataFor("slow"))
		result <- err
	}()
	<-arrived
	cancel()
	if err := <-result; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	close(release)
	for _, name := range []string{"next", "and-next"} {
		resp, err := client.Call[metadata.MetadataResponse](context.Background(), c, metadataFor(name))
		if err != nil || *resp.ClusterId != name {
			t.Fatalf("call after the cancelled one: %v, %v", resp, err)
		}
	}
	if c.Err() != nil {
		t.Errorf("connection closed: %v", c.Err())
	}
}

// TestDialTimeout: a broker that never answers ApiVersions.
func TestDialTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, nc)
		}
	}()
	d := client.Dialer{Timeout: 100 * time.Millisecond}
	if _, err := d.Dial(context.Background(), ln.Addr().String()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("dial of a silent broker: %v, want DeadlineExceeded", err)
	}
}

// TestCloseFailsCallsInFlight: Close while calls wait.
func TestCloseFailsCallsInFlight(t *testing.T) {
	addr := rawBroker(t, func(nc net.Conn, r *bufio.Reader) { io.Copy(io.Discard, r) })
	c, err := client.Dial(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 10)
	for range 10 {
		go func() {
			_, err := c.Call(context.Background(), metadataFor("x"))
			errs <- err
		}()
	}
	time.Sleep(50 * time.Millisecond)
	c.Close()
	for range 10 {
		if err := <-errs; !errors.Is(err, client.ErrClosed) {
			t.Errorf("call in flight at Close: %v", err)
		}
	}
}
