package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/kio-go/kafka-protocol/internal/dialrecord"
	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
)

// fakeCluster starts a kfake cluster of n brokers for t.
func fakeCluster(t *testing.T, n int) (*kfake.Cluster, []string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(n), kfake.SeedTopics(3, "t"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, c.ListenAddrs()
}

// startProxy starts p in front of upstream for t.
func startProxy(t *testing.T, p *proxy.Proxy, upstream []string) *proxy.Proxy {
	t.Helper()
	p.Upstream = upstream
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestPassThroughKgoThreeBrokers(t *testing.T) {
	_, brokers := fakeCluster(t, 3)
	p := startProxy(t, &proxy.Proxy{}, brokers[:1])
	rec := &dialrecord.Recorder{}
	cl := newKgo(t, p.BootstrapAddr(), kgo.Dialer(rec.Dial),
		kgo.ConsumeTopics("t"), kgo.ConsumerGroup("g"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const n = 300
	for i := range n {
		r := &kgo.Record{Topic: "t", Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "v%d", i),
			Headers: []kgo.RecordHeader{{Key: "h", Value: fmt.Appendf(nil, "%d", i)}}}
		cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				t.Error(err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for len(seen) < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d: %v", len(seen), n, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			k := string(r.Key)
			if want := "v" + strings.TrimPrefix(k, "k"); string(r.Value) != want || len(r.Headers) != 1 || string(r.Headers[0].Value) != strings.TrimPrefix(k, "k") {
				t.Errorf("record %s: value %q headers %v", k, r.Value, r.Headers)
			}
			seen[k]++
		})
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("record %s consumed %d times", k, c)
		}
	}
	for _, a := range rec.Addrs() {
		if slices.Contains(brokers, a) {
			t.Errorf("the client dialled broker %s itself", a)
		}
	}
	st := p.Stats()
	if st.Listeners != 3 { // one per broker: the bootstrap server is broker 0
		t.Errorf("%d listeners, want 3: %+v", st.Listeners, p.Mappings())
	}
	if st.EndpointsRewritten == 0 || st.Relayed == 0 {
		t.Errorf("stats %+v", st)
	}
	t.Logf("stats %+v", st)
}

// TestNoBrokerAddressReachesClient checks every decoded response after the proxy's
// rewrite (a response filter runs after it) for the brokers' own addresses.
func TestNoBrokerAddressReachesClient(t *testing.T) {
	_, brokers := fakeCluster(t, 3)
	var f proxy.Filters
	var mu sync.Mutex
	var leaks []string
	checked := 0
	proxy.OnEveryResponse(&f, func(c *proxy.Call, body any) proxy.Verdict {
		s := fmt.Sprintf("%+v", body)
		mu.Lock()
		defer mu.Unlock()
		checked++
		for _, b := range brokers {
			host, port, _ := net.SplitHostPort(b)
			if strings.Contains(s, "Host:"+host+" Port:"+port+" ") {
				leaks = append(leaks, s)
			}
		}
		return proxy.Pass
	})
	p := startProxy(t, &proxy.Proxy{Filters: &f}, brokers)
	adm, cl := newAdmin(t, p.BootstrapAddr())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := adm.BrokerMetadata(ctx); err != nil {
		t.Fatal(err)
	}
	for _, req := range []kmsg.Request{kmsg.NewPtrDescribeClusterRequest(), func() kmsg.Request {
		r := kmsg.NewPtrFindCoordinatorRequest()
		r.CoordinatorKey, r.CoordinatorKeys = "g", []string{"g"}
		return r
	}()} {
		if _, err := cl.Request(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	cl.ProduceSync(ctx, &kgo.Record{Topic: "t", Value: []byte("x")})
	mu.Lock()
	defer mu.Unlock()
	if checked == 0 {
		t.Fatal("no response checked")
	}
	for _, l := range leaks {
		t.Errorf("a broker address reached the client: %s", l)
	}
}

func newAdmin(t *testing.T, addr string, opts ...kgo.Opt) (*kadm.Client, *kgo.Client) {
	t.Helper()
	cl := newKgo(t, addr, opts...)
	return kadm.NewClient(cl), cl
}

// newKgo returns a franz-go client with addr as its seed broker, closed when the test
// ends.
func newKgo(t *testing.T, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// TestFiltersChangeAnswerDrop: a request filter that refuses one topic by answering for
// the broker, a response filter that hides a topic from Metadata, and a Produce filter
// that changes record values' topic.
func TestFiltersChangeAnswerDrop(t *testing.T) {
	_, brokers := fakeCluster(t, 1)
	var f proxy.Filters
	var mu sync.Mutex
	names := map[kio.UUID]string{} // topic ids from Metadata, for Produce v13+ (ids, no names)
	proxy.OnRequest(&f, func(c *proxy.Call, r *produce.ProduceRequest) proxy.Verdict {
		mu.Lock()
		defer mu.Unlock()
		for _, td := range r.TopicData {
			if td.Name == "forbidden" || names[td.TopicId] == "forbidden" {
				return c.Answer(refusal(r, common.TopicAuthorizationFailed))
			}
		}
		return proxy.Pass
	})
	proxy.OnResponse(&f, func(c *proxy.Call, r *metadata.MetadataResponse) proxy.Verdict {
		mu.Lock()
		for _, t := range r.Topics {
			if t.Name != nil {
				names[t.TopicId] = string(*t.Name)
			}
		}
		mu.Unlock()
		r.Topics = slices.DeleteFunc(r.Topics, func(t metadata.MetadataResponseTopic) bool {
			return t.Name != nil && *t.Name == "hidden"
		})
		return proxy.Modified
	})
	p := startProxy(t, &proxy.Proxy{Filters: &f}, brokers)
	adm, cl := newAdmin(t, p.BootstrapAddr(), kgo.AllowAutoTopicCreation())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, "hidden"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, "forbidden"); err != nil {
		t.Fatal(err)
	}
	topics, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if topics.Has("hidden") || !topics.Has("forbidden") || !topics.Has("t") {
		t.Errorf("topics seen through the proxy: %v", topics.Names())
	}
	err = cl.ProduceSync(ctx, &kgo.Record{Topic: "forbidden", Value: []byte("x")}).FirstErr()
	if !errors.Is(err, kerr.TopicAuthorizationFailed) {
		t.Errorf("produce to the refused topic: %v", err)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t", Value: []byte("x")}).FirstErr(); err != nil {
		t.Errorf("produce to an allowed topic: %v", err)
	}
	if st := p.Stats(); st.Answered == 0 {
		t.Errorf("no request answered: %+v", st)
	}
}

// kgoVersionsBelowProduce13 is kgo's newest versions with Produce capped at v12.
func kgoVersionsBelowProduce13() *kversion.Versions {
	v := kversion.Stable()
	v.SetMaxKeyVersion(0, 12)
	return v
}

// TestStartDiscoversBrokers: Start asks the cluster for its brokers, so every broker
// has its listener before any client comes (a restarted proxy with fixed ports must
// listen where clients remember it).
func TestStartDiscoversBrokers(t *testing.T) {
	_, brokers := fakeCluster(t, 3)
	p := startProxy(t, &proxy.Proxy{}, brokers[:1])
	ms := p.Mappings()
	if len(ms) != 3 {
		t.Fatalf("%d listeners after Start, want 3: %+v", len(ms), ms)
	}
	for _, m := range ms {
		if !slices.Contains(brokers, m.Upstream) || m.NodeID < 0 {
			t.Errorf("listener %+v", m)
		}
	}
}

// TestDropClosesTheConnection: a filter that drops a request that expects an answer
// closes the client's connection (clients read answers in order, so nothing else is
// safe); the proxy counts it and tells ErrorLog why, and other connections go on.
func TestDropClosesTheConnection(t *testing.T) {
	_, brokers := fakeCluster(t, 1)
	var f proxy.Filters
	proxy.OnRequest(&f, func(c *proxy.Call, r *metadata.MetadataRequest) proxy.Verdict {
		if c.Header.ClientId != nil && *c.Header.ClientId == "dropped" {
			return proxy.Drop
		}
		return proxy.Pass
	})
	var mu sync.Mutex
	var logged []error
	p := startProxy(t, &proxy.Proxy{Filters: &f, ErrorLog: func(err error) {
		mu.Lock()
		logged = append(logged, err)
		mu.Unlock()
	}}, brokers)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	dropped := newKgo(t, p.BootstrapAddr(), kgo.ClientID("dropped"), kgo.RequestRetries(0))
	if _, err := dropped.Request(ctx, kmsg.NewPtrMetadataRequest()); err == nil {
		t.Error("a dropped Metadata request was answered")
	}
	if st := p.Stats(); st.Dropped == 0 {
		t.Errorf("no drop counted: %+v", st)
	}
	// ErrorLog hears it when the connection's end has been handled, just after the
	// client saw it closed.
	heard := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.ContainsFunc(logged, func(e error) bool { return errors.Is(e, proxy.ErrDropped) })
	}
	waitFor(t, heard)
	ok := newKgo(t, p.BootstrapAddr())
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if _, err := ok.Request(ctx2, kmsg.NewPtrMetadataRequest()); err != nil {
		t.Errorf("another client: %v", err)
	}
}

// TestVerdictNames: the verdicts' names, and the form of a value that is none.
func TestVerdictNames(t *testing.T) {
	got := fmt.Sprint(proxy.Pass, proxy.Modified, proxy.Answered, proxy.Drop, proxy.Verdict(9), proxy.Verdict(-1))
	if want := "pass modified answered drop Verdict(9) Verdict(-1)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
