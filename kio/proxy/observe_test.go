package proxy_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
)

// observed is a copy of one frame OnFrame saw.
type observed struct {
	conn         uint64
	response     bool
	key, version int16
	corr         int32
	raw          []byte
}

// TestOnFrame: kgo produces and consumes through a proxy in front of three brokers
// with OnFrame set. Every request the proxy read and every response it wrote is seen,
// in order per connection (each request, then its response), with the key, version and
// correlation id its bytes carry; requests as the client sent them (a filter's change
// is not in them) and responses as the client got them (broker endpoints rewritten).
func TestOnFrame(t *testing.T) {
	_, brokers := fakeCluster(t, 3)
	var mu sync.Mutex
	var frames []observed
	var f proxy.Filters
	filtered := 0
	proxy.OnRequest(&f, func(c *proxy.Call, r *metadata.MetadataRequest) proxy.Verdict {
		if c.Version < 4 || r.AllowAutoTopicCreation {
			return proxy.Pass
		}
		mu.Lock()
		filtered++
		mu.Unlock()
		r.AllowAutoTopicCreation = true // sent upstream, not what the client sent
		return proxy.Modified
	})
	p := startProxy(t, &proxy.Proxy{Filters: &f, OnFrame: func(fr *proxy.Frame) {
		mu.Lock()
		defer mu.Unlock()
		frames = append(frames, observed{fr.Conn.ID, fr.Response, fr.APIKey, fr.Version, fr.CorrelationID,
			slices.Clone(fr.Raw)})
	}}, brokers[:1])

	cl, err := kgo.NewClient(kgo.SeedBrokers(p.BootstrapAddr()), kgo.ConsumeTopics("t"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const n = 30
	for i := range n {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t", Value: fmt.Appendf(nil, "v%d", i)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	for got := 0; got < n; {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d", got, n)
		}
		got += fs.NumRecords()
	}
	cl.Close()
	p.Close() // every connection's frames are in

	mu.Lock()
	defer mu.Unlock()
	st := p.Stats()
	advertised := map[string]bool{}
	for _, m := range p.Mappings() {
		advertised[m.Advertised.String()] = true
	}
	var requests, responses, metadataResponses int
	last := map[uint64]observed{} // each connection's previous frame
	for _, o := range frames {
		prev, seen := last[o.conn]
		last[o.conn] = o
		if !o.response {
			requests++
			key, version, corr, err := frame.PeekRequest(o.raw)
			if err != nil || key != o.key || version != o.version || corr != o.corr {
				t.Errorf("request frame says key %d v%d corr %d (%v), OnFrame %d v%d corr %d", key, version, corr, err, o.key, o.version, o.corr)
			}
			if o.key == metadata.APIKey && o.version >= 4 {
				req, err := frame.Framer{}.ParseRequest(o.raw)
				if err != nil {
					t.Fatal(err)
				}
				if req.Body.(*metadata.MetadataRequest).AllowAutoTopicCreation {
					t.Errorf("a Metadata request seen as the filter changed it, not as the client sent it")
				}
			}
			continue
		}
		responses++
		if !seen || prev.response || prev.corr != o.corr || prev.key != o.key {
			t.Errorf("conn %d: response %d (key %d) does not follow its request (previous frame %+v)", o.conn, o.corr, o.key, prev)
		}
		corr, err := frame.PeekCorrelationID(o.raw)
		if err != nil || corr != o.corr {
			t.Errorf("response frame carries correlation id %d (%v), OnFrame says %d", corr, err, o.corr)
		}
		if o.key == metadata.APIKey {
			metadataResponses++
			resp, _, err := frame.Framer{}.ParseResponseVersion(o.raw, o.key, o.version)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range resp.Body.(*metadata.MetadataResponse).Brokers {
				addr := fmt.Sprintf("%s:%d", b.Host, b.Port)
				if slices.Contains(brokers, addr) || !advertised[addr] {
					t.Errorf("a Metadata response seen with broker %s, not a proxy listener %v", addr, advertised)
				}
			}
		}
	}
	if int64(requests) != st.Requests || int64(responses) != st.Responses {
		t.Errorf("OnFrame saw %d requests and %d responses, the proxy counted %d and %d", requests, responses, st.Requests, st.Responses)
	}
	if metadataResponses == 0 || filtered == 0 || len(last) < 3 {
		t.Errorf("%d Metadata responses, %d filtered requests, %d connections: the test proves little", metadataResponses, filtered, len(last))
	}
	t.Logf("%d requests, %d responses on %d connections; stats %+v", requests, responses, len(last), st)
}
