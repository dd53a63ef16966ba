package proxy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/internal/frametest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// withholdingBroker is an upstream that answers a Produce whose records are 1s only
// once it has read a Produce whose records are 2s (serving several requests of a
// connection at once, as a broker reads ahead), and fails it after 5 s otherwise; it
// answers as recordsBroker does.
func withholdingBroker(t *testing.T) string {
	t.Helper()
	second := make(chan struct{}, 10)
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *produce.ProduceRequest) (*produce.ProduceResponse, error) {
		rec := body.TopicData[0].PartitionData[0].Records
		switch rec[0] {
		case 1:
			select {
			case <-second:
			case <-time.After(5 * time.Second):
				return nil, errors.New("the second request did not come before the first was answered")
			}
		case 2:
			second <- struct{}{}
		}
		return &produce.ProduceResponse{Responses: []produce.TopicProduceResponse{{Name: body.TopicData[0].Name,
			PartitionResponses: []produce.PartitionProduceResponse{{Index: int32(rec[0]), BaseOffset: int64(len(rec))}}}}}, nil
	})
	srv := &server.Server{Handler: mux, ConnConcurrency: 4}
	return conntest.Serve(t, srv)
}

// produceFrame encodes a Produce of n bytes of fill at v9.
func produceFrame(t *testing.T, n int, fill byte, corr int32) []byte {
	t.Helper()
	return frametest.Request(t, produceOf(n, fill, 1), 9, corr, nil)
}

// TestPipelinedRelay: a client's second request reaches the upstream before the
// upstream answers its first (which it answers only then): the proxy relays a
// pipelining client's requests without waiting for each response, whole or cut-through
// (a first request over 64 KiB), and with a decoding response filter; the client gets
// both answers, in order.
func TestPipelinedRelay(t *testing.T) {
	for _, tc := range []struct {
		name    string
		first   int
		filters bool
	}{{"whole", 1 << 10, false}, {"cut-through", 200 << 10, false}, {"response filter", 1 << 10, true}} {
		t.Run(tc.name, func(t *testing.T) {
			p := &proxy.Proxy{UpstreamTimeout: 20 * time.Second}
			filtered := 0
			if tc.filters {
				var f proxy.Filters
				proxy.OnResponse(&f, func(c *proxy.Call, r *produce.ProduceResponse) proxy.Verdict {
					filtered++ // response hooks of a connection run one at a time
					return proxy.Pass
				})
				p.Filters = &f
			}
			startProxy(t, p, []string{withholdingBroker(t)})
			ctx := context.Background()
			c := conntest.Dial(t, ctx, p.BootstrapAddr())
			p1, err := c.SendFrame(ctx, produceFrame(t, tc.first, 1, 100))
			if err != nil {
				t.Fatal(err)
			}
			p2, err := c.SendFrame(ctx, produceFrame(t, 10, 2, 101))
			if err != nil {
				t.Fatal(err)
			}
			for i, pr := range []*client.PendingResponse{p1, p2} {
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				resp, err := pr.Wait(wctx)
				cancel()
				if err != nil {
					t.Fatalf("response %d: %v", i+1, err)
				}
				r, err := frame.Framer{}.ParseResponse(resp, produce.APIKey, 9)
				if err != nil {
					t.Fatal(err)
				}
				got := r.Body.(*produce.ProduceResponse).Responses[0].PartitionResponses[0]
				if want := []int64{int64(tc.first), 10}[i]; r.Header.CorrelationId != int32(100+i) || got.Index != int32(i+1) || got.BaseOffset != want {
					t.Errorf("response %d: correlation id %d, records of %d, %d bytes", i+1, r.Header.CorrelationId, got.Index, got.BaseOffset)
				}
			}
			if tc.filters && filtered != 2 {
				t.Errorf("the response filter ran %d times, want 2", filtered)
			}
			st := p.Stats()
			if wantStreamed := int64(0); tc.first > 64<<10 && st.Streamed != 1 || tc.first <= 64<<10 && st.Streamed != wantStreamed {
				t.Errorf("Stats.Streamed %d", st.Streamed)
			}
		})
	}
}
