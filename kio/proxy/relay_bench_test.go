package proxy_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// BenchmarkRelayProduce times one Produce (acks=1, a 1 KiB records field, the newest
// version; 512 KiB in the -512KiB cases; 5 at a time in the -5-in-flight ones) and its
// response, sent by a kio/client Conn to an in-process kio/server broker directly and
// through a pass-through kio/proxy: the difference between the two is what one relayed
// round trip costs (ns and allocations, client and broker included in both).
func BenchmarkRelayProduce(b *testing.B) {
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *produce.ProduceRequest) (*produce.ProduceResponse, error) {
		resp := &produce.ProduceResponse{}
		for _, t := range body.TopicData {
			tr := produce.TopicProduceResponse{Name: t.Name, TopicId: t.TopicId}
			for _, p := range t.PartitionData {
				tr.PartitionResponses = append(tr.PartitionResponses, produce.PartitionProduceResponse{Index: p.Index, BaseOffset: 42, LogAppendTimeMs: -1})
			}
			resp.Responses = append(resp.Responses, tr)
		}
		return resp, nil
	})
	upstream := conntest.Serve(b, &server.Server{Handler: mux})
	p := &proxy.Proxy{Upstream: []string{upstream}}
	if err := p.Start(); err != nil {
		b.Fatal(err)
	}
	defer p.Close()

	req := &produce.ProduceRequest{Acks: 1, TimeoutMs: 30000, TopicData: []produce.TopicProduceData{{
		Name: "t", PartitionData: []produce.PartitionProduceData{{Index: 0, Records: make([]byte, 1024)}},
	}}}
	for _, bc := range []struct{ name, addr string }{{"direct", upstream}, {"proxy", p.BootstrapAddr()}} {
		// 5 calls in flight on the one connection, as a pipelining producer keeps them:
		// what relaying a connection's requests one at a time costs.
		b.Run(bc.name+"-5-in-flight", func(b *testing.B) {
			ctx := context.Background()
			conn := conntest.Dial(b, ctx, bc.addr)
			b.ReportAllocs()
			var left atomic.Int64
			left.Store(int64(b.N))
			var wg sync.WaitGroup
			b.ResetTimer()
			for range 5 {
				wg.Go(func() {
					for left.Add(-1) >= 0 {
						if _, err := client.Call[produce.ProduceResponse](ctx, conn, req); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
		})
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			conn := conntest.Dial(b, ctx, bc.addr)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.Call[produce.ProduceResponse](ctx, conn, req); err != nil {
					b.Fatal(err)
				}
			}
		})
		// A Produce of the size kgo sends when it goes as fast as it can against a
		// local broker (about 450 KB a request in BenchmarkProxyKgo): what moving the
		// bytes costs, beside the round trip.
		b.Run(bc.name+"-512KiB", func(b *testing.B) {
			ctx := context.Background()
			conn := conntest.Dial(b, ctx, bc.addr)
			big := &produce.ProduceRequest{Acks: 1, TimeoutMs: 30000, TopicData: []produce.TopicProduceData{{
				Name: "t", PartitionData: []produce.PartitionProduceData{{Index: 0, Records: make([]byte, 512<<10)}},
			}}}
			b.SetBytes(512 << 10)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.Call[produce.ProduceResponse](ctx, conn, big); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
