package client_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/server"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

func TestCallNegotiatesNewestVersion(t *testing.T) {
	rec := &recorder{}
	addr := serve(t, &server.Server{Handler: echoMux(), RawHandler: rec})
	ctx := context.Background()
	c := conntest.Dial(t, ctx, addr)
	md, _ := schema.Lookup(metadata.APIKey)
	av, _ := schema.Lookup(apiversions.APIKey)
	if v, ok := c.Version(metadata.APIKey); !ok || v != md.Versions.Hi {
		t.Errorf("Metadata negotiated at %d, %v; want kio's newest %d", v, ok, md.Versions.Hi)
	}
	if r, ok := c.BrokerVersions(metadata.APIKey); !ok || r != md.Versions {
		t.Errorf("broker's Metadata range %v, %v", r, ok)
	}
	if _, ok := c.Version(produce.APIKey); ok {
		t.Error("Produce negotiated though the server does not serve it")
	}
	resp, err := client.Call[metadata.MetadataResponse](ctx, c, metadataFor("t1"))
	if err != nil {
		t.Fatal(err)
	}
	if *resp.ClusterId != "t1" || int16(resp.ControllerId) != md.Versions.Hi {
		t.Errorf("answer %q at v%d", *resp.ClusterId, resp.ControllerId)
	}
	// Pinned.
	out, err := c.CallVersion(ctx, metadataFor("t2"), 4)
	if err != nil {
		t.Fatal(err)
	}
	if r := out.(*metadata.MetadataResponse); *r.ClusterId != "t2" || r.ControllerId != 4 {
		t.Errorf("pinned answer %q at v%d", *r.ClusterId, r.ControllerId)
	}
	want := []string{fmt.Sprintf("18v%d", av.Versions.Hi), fmt.Sprintf("3v%d", md.Versions.Hi), "3v4"}
	if got := rec.list(); !reflect.DeepEqual(got, want) {
		t.Errorf("server saw %v, want %v", got, want)
	}
}

// TestKIP511Fallback: a server that serves ApiVersions up to v2 answers kio's newest
// with UNSUPPORTED_VERSION in a v0 body; the client asks again at v2.
func TestKIP511Fallback(t *testing.T) {
	mux := echoMux()
	mux.Handle(apiversions.APIKey, tags.Range{Lo: 0, Hi: 2}, nil)
	rec := &recorder{}
	addr := serve(t, &server.Server{Handler: mux, RawHandler: rec})
	c := conntest.Dial(t, context.Background(), addr)
	av, _ := schema.Lookup(apiversions.APIKey)
	if got, want := rec.list(), []string{fmt.Sprintf("18v%d", av.Versions.Hi), "18v2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ApiVersions requests %v, want %v", got, want)
	}
	if v, _ := c.Version(apiversions.APIKey); v != 2 || c.APIVersions().ErrorCode != 0 {
		t.Errorf("ApiVersions negotiated at %d, answer %v", v, c.APIVersions().ErrorCode)
	}
	if _, err := client.Call[metadata.MetadataResponse](context.Background(), c, metadataFor("x")); err != nil {
		t.Fatal(err)
	}
}

func TestMaxVersionsCap(t *testing.T) {
	addr := serve(t, &server.Server{Handler: echoMux()})
	d := client.Dialer{MaxVersions: map[int16]int16{metadata.APIKey: 7, apiversions.APIKey: 1}}
	c := conntest.DialWith(t, context.Background(), &d, addr)
	if v, _ := c.Version(apiversions.APIKey); v != 1 {
		t.Errorf("ApiVersions at %d, want the cap 1", v)
	}
	resp, err := client.Call[metadata.MetadataResponse](context.Background(), c, metadataFor("x"))
	if err != nil || resp.ControllerId != 7 {
		t.Fatalf("Metadata answered at v%v, %v; want the cap 7", resp, err)
	}
}

func TestNotServedIsTypedAndNothingIsSent(t *testing.T) {
	mux := echoMux()
	mux.Handle(metadata.APIKey, tags.Range{Lo: 0, Hi: 8}, mux) // re-register: 0-8 only
	server.HandleVersions(mux, tags.Range{Lo: 0, Hi: 8}, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		return &metadata.MetadataResponse{}, nil
	})
	rec := &recorder{}
	addr := serve(t, &server.Server{Handler: mux, RawHandler: rec})
	ctx := context.Background()
	c := conntest.Dial(t, ctx, addr)
	var ve *client.VersionError
	_, err := c.Call(ctx, &produce.ProduceRequest{Acks: 1})
	if !errors.Is(err, client.ErrAPINotServed) || !errors.As(err, &ve) || ve.Key != produce.APIKey || ve.API != "Produce" {
		t.Errorf("Produce on a server without it: %v", err)
	}
	_, err = c.CallVersion(ctx, &metadata.MetadataRequest{}, 12)
	if !errors.Is(err, client.ErrVersionNotServed) || !errors.As(err, &ve) || ve.Version != 12 || ve.Broker.Hi != 8 {
		t.Errorf("Metadata v12 on a server serving 0-8: %v", err)
	}
	if !strings.Contains(fmt.Sprint(err), "broker serves 0-8") {
		t.Errorf("error does not say what the broker serves: %v", err)
	}
	if v, _ := c.Version(metadata.APIKey); v != 8 {
		t.Errorf("Metadata negotiated at %d, want 8", v)
	}
	if _, err := client.Call[produce.ProduceResponse](ctx, c, &metadata.MetadataRequest{}); err == nil {
		t.Error("Call[ProduceResponse] of a Metadata request succeeded")
	} else if rte := (*client.ResponseTypeError)(nil); !errors.As(err, &rte) {
		t.Errorf("mismatched response type: %v", err)
	}
	for _, body := range []any{7, (*metadata.MetadataRequest)(nil), &metadata.MetadataResponse{}, nil} {
		if _, err := c.Call(ctx, body); !errors.Is(err, client.ErrNotRequest) {
			t.Errorf("Call(%T): %v, want ErrNotRequest", body, err)
		}
	}
	if got := rec.list(); len(got) != 1 || got[0][:3] != "18v" {
		t.Errorf("server saw %v, want the ApiVersions request alone", got)
	}
}

// TestAcksZero: a Produce with acks=0 returns at once with no response, and the next
// call is answered correctly (a response to the acks=0 request would have taken its
// place, or broken the connection with an unknown correlation id).
func TestAcksZero(t *testing.T) {
	mux := echoMux()
	produced := make(chan int16, 10)
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *produce.ProduceRequest) (*produce.ProduceResponse, error) {
		produced <- body.Acks
		return &produce.ProduceResponse{}, nil // ignored for acks=0
	})
	addr := serve(t, &server.Server{Handler: mux})
	ctx := context.Background()
	c := conntest.Dial(t, ctx, addr)
	for i := range 3 {
		resp, err := client.Call[produce.ProduceResponse](ctx, c, &produce.ProduceRequest{Acks: 0})
		if err != nil || resp != nil {
			t.Fatalf("acks=0 produce %d: %v, %v; want nil, nil", i, resp, err)
		}
	}
	resp, err := client.Call[produce.ProduceResponse](ctx, c, &produce.ProduceRequest{Acks: -1})
	if err != nil || resp == nil {
		t.Fatalf("acks=-1 produce: %v, %v", resp, err)
	}
	md, err := client.Call[metadata.MetadataResponse](ctx, c, metadataFor("after"))
	if err != nil || *md.ClusterId != "after" {
		t.Fatalf("call after acks=0: %v, %v", md, err)
	}
	for _, want := range []int16{0, 0, 0, -1} {
		if got := <-produced; got != want {
			t.Errorf("handler saw acks %d, want %d", got, want)
		}
	}
}

// TestPipelining: 1,000 calls from 50 goroutines on one connection, against a server
// handling 8 at a time in random order, each caller getting its own answer.
func TestPipelining(t *testing.T) {
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		name := string(*body.Topics[0].Name)
		if len(name)%3 == 0 {
			time.Sleep(time.Duration(len(name)%5) * 100 * time.Microsecond)
		}
		return &metadata.MetadataResponse{ClusterId: &name}, nil
	})
	addr := serve(t, &server.Server{Handler: mux, ConnConcurrency: 8})
	ctx := context.Background()
	c := conntest.Dial(t, ctx, addr)
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for g := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				name := fmt.Sprintf("g%d-call%d%s", g, i, strings.Repeat("x", (g*i)%7))
				resp, err := client.Call[metadata.MetadataResponse](ctx, c, metadataFor(name))
				if err != nil {
					errs <- err
					return
				}
				if *resp.ClusterId != name {
					errs <- fmt.Errorf("asked %q, answered %q", name, *resp.ClusterId)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestRoundTripFrame(t *testing.T) {
	mux := echoMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *produce.ProduceRequest) (*produce.ProduceResponse, error) {
		return &produce.ProduceResponse{}, nil
	})
	addr := serve(t, &server.Server{Handler: mux})
	ctx := context.Background()
	c := conntest.Dial(t, ctx, addr)
	req, _ := frame.NewRequest(metadataFor("raw"), 9, 777, ptr("someone-else"))
	reqFrame, _ := frame.Framer{}.AppendRequest(nil, req)
	orig := string(reqFrame)
	respFrame, err := c.RoundTripFrame(ctx, reqFrame)
	if err != nil {
		t.Fatal(err)
	}
	if string(reqFrame) != orig {
		t.Error("the request frame was not given back as it was")
	}
	if id, _ := frame.PeekCorrelationID(respFrame); id != 777 {
		t.Errorf("response correlation id %d, want the request's 777", id)
	}
	resp, err := frame.Framer{}.ParseResponse(respFrame, metadata.APIKey, 9)
	if err != nil || *resp.Body.(*metadata.MetadataResponse).ClusterId != "raw" {
		t.Fatalf("raw response: %v", err)
	}
	// acks=0 through the raw path: no response, and the connection stays in step.
	preq, _ := frame.NewRequest(&produce.ProduceRequest{Acks: 0}, 9, 5, nil)
	pframe, _ := frame.Framer{}.AppendRequest(nil, preq)
	if resp, err := c.RoundTripFrame(ctx, pframe); resp != nil || err != nil {
		t.Errorf("raw acks=0 Produce: %v, %v; want nil, nil", resp, err)
	}
	if respFrame, err = c.RoundTripFrame(ctx, reqFrame); err != nil {
		t.Fatal(err)
	}
	if resp, err := (frame.Framer{}).ParseResponse(respFrame, metadata.APIKey, 9); err != nil || *resp.Body.(*metadata.MetadataResponse).ClusterId != "raw" {
		t.Fatalf("raw call after acks=0: %v", err)
	}
	bad := append([]byte(nil), reqFrame...)
	bad[3]++
	if _, err := c.RoundTripFrame(ctx, bad); !errors.Is(err, frame.ErrFrameSizeMismatch) {
		t.Errorf("frame with a wrong size prefix: %v", err)
	}
}
