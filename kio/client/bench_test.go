package client_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// BenchmarkConn measures calls per second on one connection to a kio/server answering
// Metadata (one broker, one topic of one partition), with 1, 8 and 64 calls in
// flight, for kio/client's Conn and for franz-go's kgo.Client.Request, side by side:
//
//	go test -run '^$' -bench BenchmarkConn -benchtime 2s ./kio/client
//
// ns/op is the wall time per call at that concurrency; calls/s its inverse.
func BenchmarkConn(b *testing.B) {
	var conns atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := int32(ln.Addr().(*net.TCPAddr).Port) // advertised: kgo connects where Metadata says
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		cluster, topic := "bench", common.TopicName("bench-topic")
		return &metadata.MetadataResponse{ClusterId: &cluster,
			Brokers: []metadata.MetadataResponseBroker{{NodeId: 0, Host: "127.0.0.1", Port: port}},
			Topics: []metadata.MetadataResponseTopic{{Name: &topic, Partitions: []metadata.MetadataResponsePartition{
				{LeaderId: 0, ReplicaNodes: []common.BrokerId{0}, IsrNodes: []common.BrokerId{0}}}}}}, nil
	})
	srv := &server.Server{Handler: mux, ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
		conns.Add(1)
		return ctx
	}}
	go srv.Serve(ln)
	defer srv.Close()
	addr := ln.Addr().String()
	ctx := context.Background()

	for _, inFlight := range []int{1, 8, 64} {
		b.Run("inflight-"+itoa(inFlight)+"/kio", func(b *testing.B) {
			c := conntest.Dial(b, ctx, addr)
			topic := common.TopicName("bench-topic")
			req := &metadata.MetadataRequest{Topics: []metadata.MetadataRequestTopic{{Name: &topic}}}
			parallel(b, inFlight, func() error {
				_, err := c.Call(ctx, req)
				return err
			})
		})
		b.Run("inflight-"+itoa(inFlight)+"/kgo", func(b *testing.B) {
			before := conns.Load()
			cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.MetadataMinAge(time.Hour), kgo.MetadataMaxAge(time.Hour))
			if err != nil {
				b.Fatal(err)
			}
			defer cl.Close()
			req := kmsg.NewPtrMetadataRequest()
			t := kmsg.NewMetadataRequestTopic()
			t.Topic = kmsg.StringPtr("bench-topic")
			req.Topics = append(req.Topics, t)
			if _, err := cl.Request(ctx, req); err != nil { // connect before timing
				b.Fatal(err)
			}
			parallel(b, inFlight, func() error {
				_, err := cl.Request(ctx, req)
				return err
			})
			b.ReportMetric(float64(conns.Load()-before), "conns")
		})
	}
}

// parallel runs b.N calls of call from inFlight goroutines and reports calls/s.
func parallel(b *testing.B, inFlight int, call func() error) {
	b.ReportAllocs()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := call(); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
