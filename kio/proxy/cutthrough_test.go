package proxy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/internal/frametest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// recordsBroker is an in-process kio/server broker serving Produce: it answers with
// the records' length as BaseOffset and their first byte as the partition index, and
// refuses records that are not all that byte (a frame mixed up on the way). closed
// hears why its connections ended.
func recordsBroker(t *testing.T) (addr string, closed chan error) {
	t.Helper()
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *produce.ProduceRequest) (*produce.ProduceResponse, error) {
		rec := body.TopicData[0].PartitionData[0].Records
		for _, b := range rec {
			if b != rec[0] {
				return nil, errors.New("records mixed up")
			}
		}
		first := int32(-1)
		if len(rec) > 0 {
			first = int32(rec[0])
		}
		return &produce.ProduceResponse{Responses: []produce.TopicProduceResponse{{Name: body.TopicData[0].Name,
			PartitionResponses: []produce.PartitionProduceResponse{{Index: first, BaseOffset: int64(len(rec))}}}}}, nil
	})
	closed = make(chan error, 100)
	srv := &server.Server{Handler: mux, OnClose: func(_ *server.Peer, err error) { closed <- err }}
	return conntest.Serve(t, srv), closed
}

func produceOf(n int, fill byte, acks int16) *produce.ProduceRequest {
	return &produce.ProduceRequest{Acks: acks, TimeoutMs: 1000, TopicData: []produce.TopicProduceData{{
		Name: "t", PartitionData: []produce.PartitionProduceData{{Records: bytes.Repeat([]byte{fill}, n)}}}}}
}

// produceThrough sends a Produce of n bytes of fill on c and checks the broker's answer.
func produceThrough(t *testing.T, c *client.Conn, n int, fill byte) {
	t.Helper()
	resp, err := client.Call[produce.ProduceResponse](context.Background(), c, produceOf(n, fill, 1))
	if err != nil {
		t.Errorf("Produce of %d bytes: %v", n, err)
		return
	}
	p := resp.Responses[0].PartitionResponses[0]
	if p.BaseOffset != int64(n) || (n > 0 && p.Index != int32(fill)) {
		t.Errorf("the broker got %d bytes of %d, want %d of %d", p.BaseOffset, p.Index, n, fill)
	}
}

// TestCutThrough: Produce requests over 64 KiB are relayed cut-through (Stats.Streamed)
// and arrive whole, in order, five at a time from one client connection too; acks=0
// ones get no answer and leave the connection in step; smaller ones are relayed whole.
func TestCutThrough(t *testing.T) {
	broker, _ := recordsBroker(t)
	p := startProxy(t, &proxy.Proxy{}, []string{broker})
	ctx := context.Background()
	c := conntest.Dial(t, ctx, p.BootstrapAddr())
	produceThrough(t, c, 1000, 1)
	if s := p.Stats(); s.Streamed != 0 {
		t.Errorf("a 1 KB Produce streamed")
	}
	produceThrough(t, c, 300<<10, 2)
	if _, err := c.Call(ctx, produceOf(200<<10, 3, 0)); err != nil {
		t.Fatal(err)
	}
	produceThrough(t, c, 2<<20, 4)
	if s := p.Stats(); s.Streamed != 3 {
		t.Errorf("stats %+v: want 3 streamed", s)
	}
	var wg sync.WaitGroup
	for g := range 5 {
		wg.Go(func() {
			for i := range 4 {
				produceThrough(t, c, (100+g*50+i)<<10, byte(10*g+i))
			}
		})
	}
	wg.Wait()
	if s := p.Stats(); s.Streamed != 3+20 {
		t.Errorf("%d streamed, want 23", s.Streamed)
	}
}

// TestCutThroughOnlyWhenNothingNeedsTheFrame: a request filter for Produce, or OnFrame,
// gets large frames whole, as before.
func TestCutThroughOnlyWhenNothingNeedsTheFrame(t *testing.T) {
	broker, _ := recordsBroker(t)
	var f proxy.Filters
	var mu sync.Mutex // the hooks run on the proxy's goroutines
	var filtered, observed []int
	proxy.OnRequest(&f, func(c *proxy.Call, r *produce.ProduceRequest) proxy.Verdict {
		mu.Lock()
		filtered = append(filtered, len(r.TopicData[0].PartitionData[0].Records))
		mu.Unlock()
		return proxy.Pass
	})
	for _, p := range []*proxy.Proxy{{Filters: &f}, {OnFrame: func(fr *proxy.Frame) {
		if !fr.Response {
			mu.Lock()
			observed = append(observed, len(fr.Raw))
			mu.Unlock()
		}
	}}} {
		p = startProxy(t, p, []string{broker})
		c, err := client.Dial(context.Background(), p.BootstrapAddr())
		if err != nil {
			t.Fatal(err)
		}
		produceThrough(t, c, 300<<10, 7)
		c.Close()
		if s := p.Stats(); s.Streamed != 0 {
			t.Errorf("%d streamed", s.Streamed)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(filtered) != 1 || filtered[0] != 300<<10 {
		t.Errorf("the filter saw %v", filtered)
	}
	if len(observed) < 2 || observed[len(observed)-1] < 300<<10 {
		t.Errorf("OnFrame saw requests of %v bytes", observed)
	}
}

// TestCutThroughClientGoneMidRequest: a client that hangs up halfway through a large
// Produce: the half that went upstream ends the upstream connection too (the broker
// sees a frame cut short), the proxy logs it, and the next client is served.
func TestCutThroughClientGoneMidRequest(t *testing.T) {
	broker, closed := recordsBroker(t)
	logged := make(chan error, 10)
	p := startProxy(t, &proxy.Proxy{ErrorLog: func(err error) { logged <- err }}, []string{broker})
	for len(logged) > 0 { // Start's discovery: the broker serves no Metadata
		<-logged
	}
	whole := frametest.Request(t, produceOf(1<<20, 1, 1), 9, 1, nil)
	nc, err := net.Dial("tcp", p.BootstrapAddr())
	if err != nil {
		t.Fatal(err)
	}
	nc.Write(whole[:len(whole)/2])
	waitFor(t, func() bool { return p.Stats().Streamed == 1 })
	nc.Close()
	// The broker's connection closes on a frame cut short (Start's discovery closed
	// one before, on a Metadata request it does not serve).
	waitErr(t, closed, io.ErrUnexpectedEOF, "the broker's connection")
	waitErr(t, logged, io.ErrUnexpectedEOF, "ErrorLog")
	c := conntest.Dial(t, context.Background(), p.BootstrapAddr())
	produceThrough(t, c, 500<<10, 9)
}

// TestCutThroughKgo: kgo producing large batches through the proxy to kfake, then
// consuming them: every record comes back, and the batches went cut-through.
func TestCutThroughKgo(t *testing.T) {
	_, brokers := fakeCluster(t, 1)
	p := startProxy(t, &proxy.Proxy{}, brokers)
	cl := newKgo(t, p.BootstrapAddr(), kgo.DefaultProduceTopic("t"),
		kgo.ConsumeTopics("t"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.ProducerLinger(50*time.Millisecond), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const n = 40
	value := func(i int) []byte { return bytes.Repeat(fmt.Appendf(nil, "%03d", i), 10<<10) } // 30 KB
	for i := range n {
		cl.Produce(ctx, &kgo.Record{Partition: 0, Key: fmt.Appendf(nil, "%d", i), Value: value(i)}, func(_ *kgo.Record, err error) {
			if err != nil {
				t.Error(err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := 0
	for got < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d: %v", got, n, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			var i int
			fmt.Sscan(string(r.Key), &i)
			if !bytes.Equal(r.Value, value(i)) {
				t.Errorf("record %s changed", r.Key)
			}
			got++
		})
	}
	if s := p.Stats(); s.Streamed == 0 {
		t.Errorf("no batch streamed: %+v", s)
	}
}

// waitErr waits for an error wrapping want on ch, skipping others.
func waitErr(t *testing.T, ch chan error, want error, what string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case err := <-ch:
			if errors.Is(err, want) {
				return
			}
		case <-timeout:
			t.Fatalf("%s: no error wrapping %v", what, want)
		}
	}
}

// TestCutThroughDeclinesAHeadWithoutAcks: a Produce whose acks lie beyond the 4 KiB
// head (a 5,000-byte client id) is read whole and relayed as before.
func TestCutThroughDeclinesAHeadWithoutAcks(t *testing.T) {
	broker, _ := recordsBroker(t)
	p := startProxy(t, &proxy.Proxy{}, []string{broker})
	ctx := context.Background()
	c := conntest.Dial(t, ctx, p.BootstrapAddr())
	id := string(bytes.Repeat([]byte("c"), 5000))
	f := frametest.Request(t, produceOf(200<<10, 6, 1), 9, 31, &id)
	out, err := c.RoundTripFrame(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := frame.Framer{}.ParseResponse(out, produce.APIKey, 9)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Body.(*produce.ProduceResponse).Responses[0].PartitionResponses[0].BaseOffset; got != 200<<10 || resp.Header.CorrelationId != 31 {
		t.Errorf("answer %d for correlation id %d", got, resp.Header.CorrelationId)
	}
	if s := p.Stats(); s.Streamed != 0 {
		t.Errorf("%d streamed", s.Streamed)
	}
	produceThrough(t, c, 200<<10, 8) // and the next one streams
	if s := p.Stats(); s.Streamed != 1 {
		t.Errorf("%d streamed, want 1", s.Streamed)
	}
}
