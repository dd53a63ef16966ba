package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/internal/dialrecord"
	"github.com/kio-go/kafka-protocol/kio/proxy"
)

// lockedBuffer is a bytes.Buffer safe for the tap's writer and the test's reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runningTap is kio tap run by a test, in front of a kfake cluster.
type runningTap struct {
	px      *proxy.Proxy
	out     lockedBuffer
	errOut  lockedBuffer
	cancel  context.CancelFunc
	served  chan error
	brokers []string // the cluster's own addresses
}

// startTap runs `kio tap -listen 127.0.0.1:0 -upstream <the first broker> args...` in
// front of a kfake cluster of n brokers.
func startTap(t *testing.T, n int, args ...string) *runningTap {
	t.Helper()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(n), kfake.SeedTopics(3, "tapped"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	rt := &runningTap{served: make(chan error, 1), brokers: cluster.ListenAddrs()}
	ctx, cancel := context.WithCancel(context.Background())
	rt.cancel = cancel
	started := make(chan *proxy.Proxy, 1)
	args = append([]string{"-listen", "127.0.0.1:0", "-upstream", rt.brokers[0]}, args...)
	go func() {
		rt.served <- serveTap(ctx, args, &rt.out, &rt.errOut, func(px *proxy.Proxy) { started <- px })
	}()
	select {
	case rt.px = <-started:
	case err := <-rt.served:
		t.Fatalf("kio tap %v: %v", args, err)
	}
	t.Cleanup(rt.stop)
	return rt
}

// stop ends the tap and waits for it (idempotent).
func (rt *runningTap) stop() {
	rt.cancel()
	if err, ok := <-rt.served; ok {
		if err != nil {
			panic(err)
		}
		close(rt.served)
	}
}

// lines parses what the tap printed, one JSON value after another (-pretty spreads
// each over several lines).
func (rt *runningTap) lines(t *testing.T) []decodedLine {
	t.Helper()
	var out []decodedLine
	dec := json.NewDecoder(strings.NewReader(rt.out.String()))
	for {
		var l decodedLine
		if err := dec.Decode(&l); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("tap output: %v\n%s", err, rt.out.String())
		}
		out = append(out, l)
	}
}

// checkPaired fails t unless every line decoded, every request is answered by a
// response of its API (on its connection) but for those of the APIs in unanswered (a
// Fetch long poll the client closed its connection on), and every response answers a
// request.
func checkPaired(t *testing.T, lines []decodedLine, unanswered ...string) (requests int) {
	t.Helper()
	type id struct {
		conn string
		corr int32
	}
	reqs, resps := map[id]string{}, map[id]string{}
	for _, l := range lines {
		if l.Error != "" || len(l.Notes) > 0 || l.Body == nil {
			t.Errorf("tap printed a frame it could not decode or pair: %+v", l)
		}
		if l.Dir == "request" {
			reqs[id{l.Conn, l.CorrelationID}] = l.API
		} else {
			resps[id{l.Conn, l.CorrelationID}] = l.API
		}
	}
	for k, api := range reqs {
		if resps[k] == "" && slices.Contains(unanswered, api) {
			continue
		}
		if resps[k] != api {
			t.Errorf("request %+v (%s) answered by %q", k, api, resps[k])
		}
	}
	for k, api := range resps {
		if reqs[k] != api {
			t.Errorf("response %+v (%s) answers %q", k, api, reqs[k])
		}
	}
	return len(reqs)
}

// TestTap: kgo produces through kio tap in front of franz-go's kfake broker; the
// record arrives, and tap prints every frame, each response paired with its request.
func TestTap(t *testing.T) {
	rt := startTap(t, 1)
	cl, err := kgo.NewClient(kgo.SeedBrokers(rt.px.BootstrapAddr()), kgo.ClientID("tap-test"), kgo.DefaultProduceTopic("tapped"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("through the tap")}).FirstErr(); err != nil {
		t.Fatalf("produce through the tap: %v", err)
	}
	cl.Close()
	rt.stop()
	lines := rt.lines(t)
	n := checkPaired(t, lines)
	apis := map[string]bool{}
	for _, l := range lines {
		apis[l.API] = true
		if l.Dir == "request" && (l.ClientID == nil || *l.ClientID != "tap-test") {
			t.Errorf("request printed without the client's id: %+v", l)
		}
	}
	for _, want := range []string{"ApiVersions", "Metadata", "Produce"} {
		if !apis[want] {
			t.Errorf("no %s frame printed: %v", want, apis)
		}
	}
	if !strings.Contains(rt.errOut.String(), fmt.Sprintf("kio tap: %d frames (%d requests, %d responses, 0 not decoded)", len(lines), n, n)) {
		t.Errorf("tap's summary: %s", rt.errOut.String())
	}
	t.Logf("tap printed %d exchanges", n)
}

// TestTapMultiBroker: kgo produces and consumes in a group through kio tap in front of
// three brokers, given only the tap's address. The client never dials a broker itself
// (every address it dials is a tap listener), the brokers' addresses never appear in what
// the tap printed (responses are printed as the client got them, rewritten), and every
// frame the proxy relayed is printed, paired.
func TestTapMultiBroker(t *testing.T) {
	rt := startTap(t, 3)
	var rec dialrecord.Recorder
	cl, err := kgo.NewClient(kgo.SeedBrokers(rt.px.BootstrapAddr()), kgo.Dialer(rec.Dial), kgo.DefaultProduceTopic("tapped"),
		kgo.ConsumeTopics("tapped"), kgo.ConsumerGroup("tap-group"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const n = 60
	for i := range n {
		cl.Produce(ctx, &kgo.Record{Key: fmt.Appendf(nil, "k%d", i), Value: []byte("v")}, func(_ *kgo.Record, err error) {
			if err != nil {
				t.Error(err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for got := 0; got < n; {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d", got, n)
		}
		got += fs.NumRecords()
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	rt.stop()

	listeners := map[string]bool{}
	for _, m := range rt.px.Mappings() {
		listeners[m.Advertised.String()] = true
	}
	if len(listeners) != 3 {
		t.Errorf("tap listeners %v, want one per broker", rt.px.Mappings())
	}
	for _, a := range rec.Addrs() {
		if !listeners[a] {
			t.Errorf("the client dialled %s, not a tap listener (brokers %v)", a, rt.brokers)
		}
	}
	out := rt.out.String()
	for _, b := range rt.brokers {
		host, port, _ := net.SplitHostPort(b)
		if strings.Contains(out, `"port":`+port+`,`) || strings.Contains(out, `"port":`+port+`}`) {
			t.Errorf("broker %s (host %s) appears in a printed frame", b, host)
		}
	}
	lines := rt.lines(t)
	requests := checkPaired(t, lines, "Fetch")
	st := rt.px.Stats()
	if int64(requests) != st.Requests || int64(len(lines)-requests) != st.Responses {
		t.Errorf("tap printed %d requests and %d responses; the proxy relayed %d and %d", requests, len(lines)-requests, st.Requests, st.Responses)
	}
	upstreams := map[string]bool{}
	apis := map[string]bool{}
	for _, l := range lines {
		_, up, _ := strings.Cut(l.Conn, ">")
		upstreams[up] = true
		apis[l.API] = true
	}
	for _, b := range rt.brokers {
		if !upstreams[b] {
			t.Errorf("no printed connection to broker %s: %v", b, upstreams)
		}
	}
	for _, want := range []string{"Metadata", "Produce", "Fetch", "FindCoordinator", "JoinGroup", "SyncGroup", "OffsetCommit"} {
		if !apis[want] {
			t.Errorf("no %s frame printed", want)
		}
	}
	if st.EndpointsRewritten == 0 {
		t.Errorf("no endpoint rewritten: %+v", st)
	}
	t.Logf("tap printed %d frames on connections to %d brokers; proxy %+v", len(lines), len(upstreams), st)
}

// TestTapFilterRecords: -filter prints only the APIs named, -records decodes the
// batches (the record's value is in the output), -pretty indents.
func TestTapFilterRecords(t *testing.T) {
	rt := startTap(t, 1, "-filter", "produce", "-records", "-pretty")
	cl, err := kgo.NewClient(kgo.SeedBrokers(rt.px.BootstrapAddr()), kgo.DefaultProduceTopic("tapped"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("a value to find")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	rt.stop()
	lines := rt.lines(t)
	if checkPaired(t, lines) != 1 {
		t.Errorf("%d lines, want a Produce request and response:\n%s", len(lines), rt.out.String())
	}
	for _, l := range lines {
		if l.API != "Produce" {
			t.Errorf("-filter produce printed %s", l.API)
		}
	}
	out := rt.out.String()
	if !strings.Contains(out, `"a value to find"`) || !strings.Contains(out, "\n  ") {
		t.Errorf("the record's value not decoded, or not indented:\n%s", out)
	}
}

// TestTapAdvertisedHost: -advertise wins; a -listen host is advertised as the listener's
// own; an empty or unspecified one advertises the machine's name, as Kafka does.
func TestTapAdvertisedHost(t *testing.T) {
	name, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ listen, advertise, want string }{
		{"127.0.0.1:19092", "", ""},
		{"kafka.example:19092", "", ""},
		{":19092", "", name},
		{"0.0.0.0:19092", "", name},
		{"[::]:19092", "", name},
		{":19092", "tap.example", "tap.example"},
	} {
		got, err := advertisedHost(c.listen, c.advertise)
		if err != nil || got != c.want {
			t.Errorf("advertisedHost(%q, %q) = %q, %v; want %q", c.listen, c.advertise, got, err, c.want)
		}
	}
	if _, err := advertisedHost("no port", ""); err == nil {
		t.Error("a -listen without a port accepted")
	}
}
