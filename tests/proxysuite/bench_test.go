package proxysuite

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
	"github.com/kio-go/kafka-protocol/tests/realkafka"
)

// BenchmarkProxyKgo measures kgo producing and consuming through each way to reach one
// Kafka 4.4.0 node on loopback, side by side in interleaved rounds: directly, through
// kio/proxy relaying frames untouched, through kio/proxy decoding every Produce request
// and Fetch response (filters that read and pass), and through other proxies where they
// can be run: kroxylicious with no filters, built from tests/java/kroxylicious where Java
// and Maven are present (KIO_BENCH_KROXYLICIOUS, a command that starts a kroxylicious in
// front of $UPSTREAM on $PORT, replaces it), and grepplabs/kafka-proxy where
// KIO_BENCH_GREPPLABS names its binary. A proxy that cannot be run is listed with the
// reason under the table. It prints a Markdown table of medians, and of the medians of
// each round's ratio to direct (the rounds drift together on a loaded machine). A
// benchmark, not a test: run it by name, once.
//
//	go test ./tests/proxysuite -run '^$' -bench BenchmarkProxyKgo -benchtime 1x
func BenchmarkProxyKgo(b *testing.B) {
	node := realkafka.Start(b, kafkadist.Kafka4)
	rounds := envInt("KIO_BENCH_ROUNDS", 7)
	records := envInt("KIO_BENCH_RECORDS", 200000)
	const valueSize = 1024
	type mode struct {
		name string
		addr string
	}
	modes := []mode{{"direct", node.Plaintext}}
	pass := &proxy.Proxy{Upstream: []string{node.Plaintext}}
	var f proxy.Filters
	decoded := 0
	proxy.OnRequest(&f, func(c *proxy.Call, r *produce.ProduceRequest) proxy.Verdict {
		decoded++ // one goroutine per connection; an estimate is enough
		return proxy.Pass
	})
	proxy.OnResponse(&f, func(c *proxy.Call, r *fetch.FetchResponse) proxy.Verdict { return proxy.Pass })
	decoding := &proxy.Proxy{Upstream: []string{node.Plaintext}, Filters: &f}
	for _, p := range []*proxy.Proxy{pass, decoding} {
		if err := p.Start(); err != nil {
			b.Fatal(err)
		}
		defer p.Close()
	}
	modes = append(modes, mode{"kio proxy, pass-through", pass.BootstrapAddr()}, mode{"kio proxy, decoding Produce and Fetch", decoding.BootstrapAddr()})
	var skipped []string
	var err error
	if bin := os.Getenv("KIO_BENCH_GREPPLABS"); bin != "" {
		addr, stop, err := startGrepplabs(bin, node.Plaintext)
		if err != nil {
			skipped = append(skipped, "grepplabs/kafka-proxy: "+err.Error())
		} else {
			defer stop()
			modes = append(modes, mode{"grepplabs/kafka-proxy", addr})
		}
	} else {
		skipped = append(skipped, "grepplabs/kafka-proxy: KIO_BENCH_GREPPLABS (the path of a kafka-proxy binary) not set")
	}
	var (
		kroxyAddr string
		kroxyStop func()
	)
	if cmd := os.Getenv("KIO_BENCH_KROXYLICIOUS"); cmd != "" {
		kroxyAddr, kroxyStop, err = startCommand(cmd, node.Plaintext)
	} else {
		kroxyAddr, kroxyStop, err = startKroxylicious(node.Plaintext)
	}
	if err != nil {
		skipped = append(skipped, "kroxylicious: "+err.Error())
	} else {
		defer kroxyStop()
		modes = append(modes, mode{"kroxylicious 0.12.0, no filters", kroxyAddr})
	}

	type result struct{ produceMBs, produceRecs, consumeMBs, p50, p99, pipelinedMBs []float64 }
	results := make([]result, len(modes))
	ctx := context.Background()
	adm, err := kgo.NewClient(kgo.SeedBrokers(node.Plaintext))
	if err != nil {
		b.Fatal(err)
	}
	defer adm.Close()
	value := []byte(strings.Repeat("kio proxy bench ", valueSize/16))
	type run struct{ produceMBs, produceRecs, consumeMBs, p50, p99, pipelinedMBs float64 }
	runOnce := func(m mode, topic string, n int) run {
		if _, err := kadm.NewClient(adm).CreateTopic(ctx, 3, 1, nil, topic); err != nil {
			b.Fatal(err)
		}
		// Until the broker serves the new topic's leaders, a producer that asks gets
		// LEADER_NOT_AVAILABLE and kgo asks again only after its 5 s minimum metadata
		// age: runs of exactly 102 MB / 5 s = 20 MB/s on any path, which were the broker
		// being slow to publish a topic, not the path being slow.
		if err := waitLeaders(ctx, adm, topic, 3); err != nil {
			b.Fatal(err)
		}
		var r run
		var err error
		if r.produceMBs, r.produceRecs, err = benchProduce(ctx, m.addr, topic, value, n, 1); err != nil {
			b.Fatalf("%s: produce: %v", m.name, err)
		}
		if r.consumeMBs, err = benchConsume(ctx, m.addr, topic, n); err != nil {
			b.Fatalf("%s: consume: %v", m.name, err)
		}
		if r.p50, r.p99, err = benchLatency(ctx, m.addr, topic, value, 1000); err != nil {
			b.Fatalf("%s: latency: %v", m.name, err)
		}
		// Last, after the consume run has read the first n records: up to 5 Produce
		// requests in flight per connection (kgo's idempotent producer, above, sends one
		// at a time), which shows what relaying a connection's requests one at a time costs.
		if r.pipelinedMBs, _, err = benchProduce(ctx, m.addr, topic, value, n, 5); err != nil {
			b.Fatalf("%s: pipelined produce: %v", m.name, err)
		}
		if _, err := kadm.NewClient(adm).DeleteTopic(ctx, topic); err != nil { // keep the disk small
			b.Fatal(err)
		}
		return r
	}
	for i, m := range modes {
		if i > 0 {
			// A proxy that hands out the broker's own address would leave the clients
			// going direct after bootstrap, and the table would measure the wrong path.
			if err := checkProxied(ctx, m.addr, node.Plaintext); err != nil {
				b.Fatalf("%s: %v", m.name, err)
			}
		}
		// One short unrecorded run per path first: connections, the JIT of the JVM-based
		// proxies and the broker's first segments are not what the rounds measure.
		runOnce(m, fmt.Sprintf("bench-warmup-%d", i), max(records/10, 1000))
	}
	b.ResetTimer()
	for round := range rounds {
		for k := range modes {
			i := (k + round) % len(modes) // each round starts with another path: drift spreads evenly
			r, got := &results[i], runOnce(modes[i], fmt.Sprintf("bench-%d-%d", round, i), records)
			r.produceMBs, r.produceRecs, r.consumeMBs = append(r.produceMBs, got.produceMBs), append(r.produceRecs, got.produceRecs), append(r.consumeMBs, got.consumeMBs)
			r.p50, r.p99, r.pipelinedMBs = append(r.p50, got.p50), append(r.p99, got.p99), append(r.pipelinedMBs, got.pipelinedMBs)
		}
	}
	b.StopTimer()
	var out strings.Builder
	fmt.Fprintf(&out, "kgo, Kafka %s, one node, loopback; %d records of %d B per run, 3 partitions, acks=all; medians of %d rounds\n\n", node.Version, records, len(value), rounds)
	fmt.Fprintln(&out, "| path | produce MB/s | records/s | consume MB/s | p50 produce latency | p99 | produce vs direct | consume vs direct | p50 latency vs direct | produce MB/s, 5 in flight | 5 in flight vs direct |")
	fmt.Fprintln(&out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	base := results[0]
	for i, m := range modes {
		r := results[i]
		fmt.Fprintf(&out, "| %s | %.1f | %.0f | %.1f | %.2f ms | %.2f ms | %.2f | %.2f | %.2f | %.1f | %.2f |\n", m.name, median(r.produceMBs), median(r.produceRecs),
			median(r.consumeMBs), median(r.p50), median(r.p99),
			medianRatio(r.produceMBs, base.produceMBs), medianRatio(r.consumeMBs, base.consumeMBs), medianRatio(r.p50, base.p50),
			median(r.pipelinedMBs), medianRatio(r.pipelinedMBs, base.pipelinedMBs))
	}
	fmt.Fprintln(&out, "\nevery run, in round order (produce MB/s; consume MB/s; produce MB/s with 5 in flight):")
	for i, m := range modes {
		fmt.Fprintf(&out, "- %s: %.0f; %.0f; %.0f\n", m.name, results[i].produceMBs, results[i].consumeMBs, results[i].pipelinedMBs)
	}
	for _, s := range skipped {
		fmt.Fprintf(&out, "\nnot run: %s", s)
	}
	b.Log("\n" + out.String())
	if decoded == 0 {
		b.Error("the decoding proxy decoded no Produce request")
	}
}

// waitLeaders waits up to half a minute for the broker to list a leader for each of
// topic's n partitions.
func waitLeaders(ctx context.Context, cl *kgo.Client, topic string, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		tds, err := kadm.NewClient(cl).ListTopics(ctx, topic)
		if err == nil {
			td := tds[topic]
			ready := td.Err == nil && len(td.Partitions) == n
			for _, p := range td.Partitions {
				ready = ready && p.Err == nil && p.Leader >= 0
			}
			if ready {
				return nil
			}
			err = td.Err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topic %s: no leader for each of %d partitions after 30 s (last error: %v)", topic, n, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// checkProxied asks the proxy at addr for the cluster's brokers and fails when one is
// advertised at the broker's own address (direct).
func checkProxied(ctx context.Context, addr, direct string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	md, err := kadm.NewClient(cl).BrokerMetadata(ctx)
	if err != nil {
		return err
	}
	if len(md.Brokers) == 0 {
		return fmt.Errorf("metadata through %s lists no broker", addr)
	}
	for _, br := range md.Brokers {
		if got := net.JoinHostPort(br.Host, fmt.Sprint(br.Port)); got == direct {
			return fmt.Errorf("metadata through %s advertises broker %d at %s, the broker itself", addr, br.NodeID, got)
		}
	}
	return nil
}

// benchProduce produces n records as fast as kgo goes and returns MB/s and records/s.
// With inflight 1 the producer is kgo's default, idempotent one, which sends one Produce
// request per broker at a time; above 1 it is not idempotent and pipelines up to
// inflight requests on the connection.
func benchProduce(ctx context.Context, addr, topic string, value []byte, n, inflight int) (float64, float64, error) {
	opts := []kgo.Opt{kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic), kgo.ProducerLinger(5 * time.Millisecond)}
	if inflight > 1 {
		opts = append(opts, kgo.DisableIdempotentWrite(), kgo.MaxProduceRequestsInflightPerBroker(inflight))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return 0, 0, err
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil { // connect first: time the records only
		return 0, 0, err
	}
	errs := make(chan error, 1)
	start := time.Now()
	for range n {
		cl.Produce(ctx, &kgo.Record{Value: value}, func(_ *kgo.Record, err error) {
			if err != nil {
				select {
				case errs <- err:
				default:
				}
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		return 0, 0, err
	}
	d := time.Since(start).Seconds()
	select {
	case err := <-errs:
		return 0, 0, err
	default:
	}
	return float64(n*len(value)) / d / 1e6, float64(n) / d, nil
}

// benchConsume reads the n records of topic from the start and returns MB/s.
func benchConsume(ctx context.Context, addr, topic string, n int) (float64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxBytes(16<<20))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := cl.Ping(ctx); err != nil { // connect first: time the records only
		return 0, err
	}
	got, bytes := 0, 0
	start := time.Now()
	for got < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("%d of %d records: %w", got, n, err)
		}
		fs.EachRecord(func(r *kgo.Record) { got++; bytes += len(r.Value) })
	}
	return float64(bytes) / time.Since(start).Seconds() / 1e6, nil
}

// benchLatency produces n records one at a time and returns the p50 and p99 latency in ms.
func benchLatency(ctx context.Context, addr, topic string, value []byte, n int) (float64, float64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic))
	if err != nil {
		return 0, 0, err
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil {
		return 0, 0, err
	}
	lat := make([]float64, 0, n)
	for range n {
		start := time.Now()
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: value}).FirstErr(); err != nil {
			return 0, 0, err
		}
		lat = append(lat, float64(time.Since(start).Microseconds())/1000)
	}
	slices.Sort(lat)
	return lat[n/2], lat[n*99/100], nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// medianRatio is the median over rounds of xs[round]/base[round]: each round runs every
// path back to back, so a round's ratio cancels most of the load that moves all paths.
func medianRatio(xs, base []float64) float64 {
	r := make([]float64, len(xs))
	for i := range xs {
		r[i] = xs[i] / base[i]
	}
	return median(r)
}

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err == nil && n > 0 {
		return n
	}
	return def
}

// startGrepplabs starts grepplabs/kafka-proxy in front of upstream and returns its
// bootstrap address.
func startGrepplabs(bin, upstream string) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "server", "--bootstrap-server-mapping", upstream+","+addr,
		"--dynamic-listeners-disable=false", "--dynamic-advertised-listener", "127.0.0.1", "--http-disable")
	return runUntilListening(cmd, addr)
}

// startCommand runs a shell command with UPSTREAM and PORT set and waits for the port.
func startCommand(command, upstream string) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command("sh", "-c", command)
	cmd.Env = append(os.Environ(), "UPSTREAM="+upstream, fmt.Sprintf("PORT=%d", port))
	return runUntilListening(cmd, addr)
}

// startKroxylicious builds tests/java/kroxylicious (kroxylicious 0.12.0's runtime and a
// Main that configures one virtual cluster with no filters) and starts it in front of
// upstream: the bootstrap on a free port and one port per node id 0 to 3 after it.
func startKroxylicious(upstream string) (string, func(), error) {
	cp, err := kafkadist.BuildClasspath("kroxylicious", kafkadist.Kafka4)
	if err != nil {
		return "", nil, fmt.Errorf("needs Java and Maven (and Maven Central): %w", err)
	}
	port, err := freePorts(5)
	if err != nil {
		return "", nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command("java", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", cp,
		"io.kio.kroxylicious.Main", upstream, fmt.Sprint(port))
	return runUntilListening(cmd, addr)
}

// freePorts returns a port p such that p to p+n-1 were all free a moment ago.
func freePorts(n int) (int, error) {
	for range 50 {
		p, err := freePort()
		if err != nil {
			return 0, err
		}
		free := true
		for q := p + 1; q < p+n && free; q++ {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", q))
			if err != nil {
				free = false
				break
			}
			ln.Close()
		}
		if free {
			return p, nil
		}
	}
	return 0, fmt.Errorf("no %d free ports in a row on 127.0.0.1", n)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// runUntilListening starts cmd and waits up to a minute for addr to accept.
func runUntilListening(cmd *exec.Cmd, addr string) (string, func(), error) {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr, stop, nil
		}
	}
	stop()
	return "", nil, fmt.Errorf("not listening on %s after a minute:\n%s", addr, out.String())
}
