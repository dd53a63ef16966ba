package client_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// barrierMux answers Metadata with the first topic's name as the cluster id, but only
// once n Metadata requests have arrived (or fails them after 5 s): requests are all on
// the wire before any response comes only if SendFrame does not wait for responses.
func barrierMux(n int) *server.Mux {
	var mu sync.Mutex
	arrived, all := 0, make(chan struct{})
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		mu.Lock()
		if arrived++; arrived == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-time.After(5 * time.Second):
			return nil, errors.New("not all requests arrived before a response was awaited")
		}
		id := string(*body.Topics[0].Name)
		return &metadata.MetadataResponse{ClusterId: &id}, nil
	})
	return mux
}

func metadataFrame(t *testing.T, name string, corr int32) []byte {
	t.Helper()
	return requestFrame(t, metadataFor(name), 9, corr)
}

// checkMetadata checks a Metadata response frame's correlation id and answer.
func checkMetadata(t *testing.T, resp []byte, corr int32, name string) {
	t.Helper()
	r, ok := responseBody(t, resp, corr, metadata.APIKey).(*metadata.MetadataResponse)
	if !ok {
		return
	}
	if got := *r.ClusterId; got != name {
		t.Errorf("request %d got the answer to %q, want %q", corr, got, name)
	}
}

// TestSendFrameThenWait: N frames sent with SendFrame before any response is awaited all
// reach the broker (its handlers answer only once all N are there), each frame is given
// back unchanged, and Wait, in request order or in reverse, returns each request's own
// response with its own correlation id.
func TestSendFrameThenWait(t *testing.T) {
	const n = 8
	for _, order := range []string{"in order", "reversed"} {
		t.Run(order, func(t *testing.T) {
			addr := serve(t, &server.Server{Handler: barrierMux(n), ConnConcurrency: n})
			ctx := context.Background()
			c := conntest.Dial(t, ctx, addr)
			var err error
			pending := make([]*client.PendingResponse, n)
			for i := range n {
				f := metadataFrame(t, fmt.Sprint("t", i), int32(1000+i))
				orig := string(f)
				if pending[i], err = c.SendFrame(ctx, f); err != nil {
					t.Fatal(err)
				}
				if string(f) != orig {
					t.Fatal("the request frame was not given back as it was")
				}
			}
			for k := range n {
				i := k
				if order == "reversed" {
					i = n - 1 - k
				}
				resp, err := pending[i].Wait(ctx)
				if err != nil {
					t.Fatal(err)
				}
				checkMetadata(t, resp, int32(1000+i), fmt.Sprint("t", i))
			}
		})
	}
}

// TestSendFrameAcksZero: a Produce with acks=0 is sent without a PendingResponse, and the
// connection stays in step.
func TestSendFrameAcksZero(t *testing.T) {
	addr := serve(t, &server.Server{Handler: recordsMux()})
	ctx := context.Background()
	c := conntest.Dial(t, ctx, addr)
	p0, err := c.SendFrame(ctx, produceWith(t, 10, 1, 0, 5))
	if p0 != nil || err != nil {
		t.Fatalf("acks=0: %v, %v; want nil, nil", p0, err)
	}
	p1, err := c.SendFrame(ctx, produceWith(t, 20, 2, 1, 6))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p1.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkProduce(t, resp, 6, 20, 2)
}

// TestWaitContext: a Wait whose context ends returns its error at once, without the
// response; the connection stays usable and the late response is dropped, not given to
// the next request.
func TestWaitContext(t *testing.T) {
	release := make(chan struct{})
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		id := string(*body.Topics[0].Name)
		if id == "slow" {
			<-release
		}
		return &metadata.MetadataResponse{ClusterId: &id, ControllerId: common.BrokerId(req.Version())}, nil
	})
	addr := serve(t, &server.Server{Handler: mux})
	ctx := context.Background()
	c := conntest.Dial(t, ctx, addr)
	p, err := c.SendFrame(ctx, metadataFrame(t, "slow", 1))
	if err != nil {
		t.Fatal(err)
	}
	if p.Ready() {
		t.Error("Ready before the broker answered")
	}
	wctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	if resp, err := p.Wait(wctx); !errors.Is(err, context.Canceled) || resp != nil {
		t.Fatalf("Wait with its context cancelled: %d bytes, %v; want context.Canceled", len(resp), err)
	}
	close(release)
	p2, err := c.SendFrame(ctx, metadataFrame(t, "fast", 2))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p2.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkMetadata(t, resp, 2, "fast")
	if c.Err() != nil {
		t.Errorf("connection closed: %v", c.Err())
	}
}
