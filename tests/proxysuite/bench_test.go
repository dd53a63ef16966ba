package proxysuite

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
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
// Kafka 4.4.0 node on loopback: directly, through kio/proxy relaying frames untouched,
// through kio/proxy decoding every Produce request and Fetch response (filters that read
// and pass), and through other proxies where they can be run: kroxylicious with no
// filters, built from tests/java/kroxylicious where Java and Maven are present
// (KIO_BENCH_KROXYLICIOUS, a command that starts a kroxylicious in front of $UPSTREAM on
// $PORT, replaces it), and grepplabs/kafka-proxy where KIO_BENCH_GREPPLABS names its
// binary. A proxy that cannot be run is listed with the reason under the table.
//
// Each of KIO_BENCH_ROUNDS rounds (default 7) runs every measurement on every path back
// to back before the next measurement, the paths in another order each round (rotated,
// and reversed every other round), and each throughput run lasts KIO_BENCH_SECONDS
// (default 2): the runs a round compares are seconds apart and seconds long. The table
// gives per path the median over rounds and, for the comparison, the median of each
// round's ratio to that round's direct run with the lowest and highest of those ratios
// (a paired ratio cancels the drift that moves all paths of a round together on a loaded
// machine; its spread says how far one round can be trusted). A benchmark, not a test:
// it asserts no time. Run it by name, once:
//
//	KIO_BENCH_ROUNDS=11 go test ./tests/proxysuite -run '^$' -bench BenchmarkProxyKgo -benchtime 1x -v
func BenchmarkProxyKgo(b *testing.B) {
	// Topics are deleted after each round; the broker removes their files a second later
	// instead of a minute, so that the disk holds one round's records, not ten.
	node := realkafka.StartWith(b, kafkadist.Kafka4, realkafka.Options{Properties: map[string]string{"log.segment.delete.delay.ms": "1000"}})
	rounds := envInt("KIO_BENCH_ROUNDS", 7)
	seconds := envInt("KIO_BENCH_SECONDS", 2)
	runFor := time.Duration(seconds) * time.Second
	const valueSize = 1024
	type mode struct {
		name string
		addr string
	}
	modes := []mode{{"direct", node.Plaintext}}
	pass := &proxy.Proxy{Upstream: []string{node.Plaintext}}
	var f proxy.Filters
	var decoded atomic.Int64
	proxy.OnRequest(&f, func(c *proxy.Call, r *produce.ProduceRequest) proxy.Verdict {
		decoded.Add(1)
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

	ctx := context.Background()
	adm, err := kgo.NewClient(kgo.SeedBrokers(node.Plaintext))
	if err != nil {
		b.Fatal(err)
	}
	defer adm.Close()
	value := []byte(strings.Repeat("kio proxy bench ", valueSize/16))
	createTopic := func(topic string) {
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
	}
	deleteTopics := func(topics ...string) {
		if _, err := kadm.NewClient(adm).DeleteTopics(ctx, topics...); err != nil {
			b.Fatal(err)
		}
	}

	// One measurement of one path in one round: it fills in its field of sample.
	type sample struct{ produceMBs, consumeMBs, p50, p99, pipelinedMBs float64 }
	type phase struct {
		name string
		run  func(m mode, topic string, s *sample, produced *int) error
	}
	phases := []phase{
		{"produce", func(m mode, topic string, s *sample, produced *int) (err error) {
			s.produceMBs, *produced, err = benchProduce(ctx, m.addr, topic, value, runFor, 1)
			return err
		}},
		{"consume", func(m mode, topic string, s *sample, produced *int) (err error) {
			s.consumeMBs, err = benchConsume(ctx, m.addr, topic, *produced)
			return err
		}},
		{"latency", func(m mode, topic string, s *sample, _ *int) (err error) {
			s.p50, s.p99, err = benchLatency(ctx, m.addr, topic, value, runFor/2)
			return err
		}},
		// Last, after the consume run has read the records before: up to 5 Produce
		// requests in flight per connection (kgo's idempotent producer, above, sends
		// one at a time), which shows what relaying a connection's requests one at a
		// time costs.
		{"pipelined produce", func(m mode, topic string, s *sample, _ *int) (err error) {
			s.pipelinedMBs, _, err = benchProduce(ctx, m.addr, topic, value, runFor, 5)
			return err
		}},
	}
	runRound := func(round int, prefix string, order []int, keep func(i int, s sample)) {
		topics := make([]string, len(modes))
		for _, i := range order {
			topics[i] = fmt.Sprintf("%s-%d-%d", prefix, round, i)
			createTopic(topics[i])
		}
		got := make([]sample, len(modes))
		produced := make([]int, len(modes))
		for _, ph := range phases {
			for _, i := range order {
				if err := ph.run(modes[i], topics[i], &got[i], &produced[i]); err != nil {
					b.Fatalf("round %d, %s: %s: %v", round, modes[i].name, ph.name, err)
				}
			}
		}
		deleteTopics(topics...) // keep the disk small
		for _, i := range order {
			keep(i, got[i])
		}
	}

	for i, m := range modes {
		if i > 0 {
			// A proxy that hands out the broker's own address would leave the clients
			// going direct after bootstrap, and the table would measure the wrong path.
			if err := checkProxied(ctx, m.addr, node.Plaintext); err != nil {
				b.Fatalf("%s: %v", m.name, err)
			}
		}
	}
	// One short unrecorded round first: connections, the JIT of the JVM-based proxies
	// and the broker's first segments are not what the rounds measure.
	warm := runFor
	runFor = runFor / 4
	runRound(0, "bench-warmup", identity(len(modes)), func(int, sample) {})
	runFor = warm

	results := make([][]sample, len(modes)) // [path][round]
	b.ResetTimer()
	for round := range rounds {
		runRound(round, "bench", roundOrder(len(modes), round), func(i int, s sample) { results[i] = append(results[i], s) })
	}
	b.StopTimer()

	col := func(i int, f func(sample) float64) []float64 {
		xs := make([]float64, len(results[i]))
		for r, s := range results[i] {
			xs[r] = f(s)
		}
		return xs
	}
	vsDirect := func(i int, f func(sample) float64) string {
		if i == 0 {
			return "1"
		}
		return ratioSummary(col(i, f), col(0, f))
	}
	produceOf := func(s sample) float64 { return s.produceMBs }
	consumeOf := func(s sample) float64 { return s.consumeMBs }
	p50Of := func(s sample) float64 { return s.p50 }
	p99Of := func(s sample) float64 { return s.p99 }
	pipelinedOf := func(s sample) float64 { return s.pipelinedMBs }

	var out strings.Builder
	fmt.Fprintf(&out, "kgo, Kafka %s, one node, loopback; records of %d B, 3 partitions, acks=all; %d rounds, each throughput run %d s; "+
		"medians over rounds, and vs direct: the median of the rounds' ratios to the same round's direct run [lowest, highest]\n\n",
		node.Version, len(value), rounds, seconds)
	fmt.Fprintln(&out, "| path | produce MB/s | produce vs direct | consume MB/s | consume vs direct | p50 produce latency | p50 vs direct | p99 | produce MB/s, 5 in flight | 5 in flight vs direct |")
	fmt.Fprintln(&out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for i, m := range modes {
		fmt.Fprintf(&out, "| %s | %.0f | %s | %.0f | %s | %.3f ms | %s | %.2f ms | %.0f | %s |\n", m.name,
			median(col(i, produceOf)), vsDirect(i, produceOf),
			median(col(i, consumeOf)), vsDirect(i, consumeOf),
			median(col(i, p50Of)), vsDirect(i, p50Of), median(col(i, p99Of)),
			median(col(i, pipelinedOf)), vsDirect(i, pipelinedOf))
	}
	// The goals, read off the paired ratios: a line to read, not an assertion.
	fmt.Fprintln(&out)
	for i, m := range modes[1:min(3, len(modes))] {
		goal := 0.95 // pass-through
		if i == 1 {
			goal = 0.85 // decoding every Produce and Fetch
		}
		fmt.Fprintf(&out, "- %s, goal at least %.2fx direct: produce %s; consume %s\n", m.name, goal,
			goalVerdict(col(i+1, produceOf), col(0, produceOf), goal), goalVerdict(col(i+1, consumeOf), col(0, consumeOf), goal))
	}
	fmt.Fprintln(&out, "\nevery run, in round order (produce MB/s; consume MB/s; p50 ms; produce MB/s with 5 in flight):")
	for i, m := range modes {
		fmt.Fprintf(&out, "- %s: %.0f; %.0f; %.2f; %.0f\n", m.name, col(i, produceOf), col(i, consumeOf), col(i, p50Of), col(i, pipelinedOf))
	}
	ps := pass.Stats()
	fmt.Fprintf(&out, "\nthe pass-through proxy relayed %d requests cut-through and %d Fetch responses as they arrived, of %d responses\n",
		ps.Streamed, ps.StreamedResponses, ps.Responses)
	for _, s := range skipped {
		fmt.Fprintf(&out, "\nnot run: %s", s)
	}
	b.Log("\n" + out.String())
	if decoded.Load() == 0 {
		b.Error("the decoding proxy decoded no Produce request")
	}
}

// identity returns 0 to n-1 in order.
func identity(n int) []int {
	o := make([]int, n)
	for i := range o {
		o[i] = i
	}
	return o
}

// roundOrder is the order the paths run in in a round: rotated by one each round, so
// that each path comes first as often as the others, and reversed every other round, so
// that a path does not always follow the same one (a path following a JVM-based proxy
// may find the cores busier).
func roundOrder(n, round int) []int {
	o := make([]int, n)
	for k := range o {
		o[k] = (k + round) % n
	}
	if round%2 == 1 {
		slices.Reverse(o)
	}
	return o
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

// benchProduce produces records for d as fast as kgo goes, then waits for the last
// ones, and returns MB/s over the whole and the number of records produced. With
// inflight 1 the producer is kgo's default, idempotent one, which sends one Produce
// request per broker at a time; above 1 it is not idempotent and pipelines up to
// inflight requests on the connection.
func benchProduce(ctx context.Context, addr, topic string, value []byte, d time.Duration, inflight int) (float64, int, error) {
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
	n := 0
	start := time.Now()
	// Produce blocks once kgo buffers its maximum of records, so the loop goes at the
	// path's pace; the clock is read once every 256 records.
	for n%256 != 0 || time.Since(start) < d {
		cl.Produce(ctx, &kgo.Record{Value: value}, func(_ *kgo.Record, err error) {
			if err != nil {
				select {
				case errs <- err:
				default:
				}
			}
		})
		n++
	}
	if err := cl.Flush(ctx); err != nil {
		return 0, 0, err
	}
	elapsed := time.Since(start).Seconds()
	select {
	case err := <-errs:
		return 0, 0, err
	default:
	}
	return float64(n*len(value)) / elapsed / 1e6, n, nil
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

// benchLatency produces records one at a time for d (at least 100) and returns the p50
// and p99 latency in ms.
func benchLatency(ctx context.Context, addr, topic string, value []byte, d time.Duration) (float64, float64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic))
	if err != nil {
		return 0, 0, err
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil {
		return 0, 0, err
	}
	var lat []float64
	for begin := time.Now(); len(lat) < 100 || time.Since(begin) < d; {
		start := time.Now()
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: value}).FirstErr(); err != nil {
			return 0, 0, err
		}
		lat = append(lat, float64(time.Since(start).Nanoseconds())/1e6)
	}
	slices.Sort(lat)
	n := len(lat)
	return lat[n/2], lat[n*99/100], nil
}

// median is the middle of xs, or the mean of the two middle ones.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[n/2]
}

// ratios is xs[round]/base[round] for each round: each round runs every path back to
// back, so a round's ratio cancels most of the load that moves all paths.
func ratios(xs, base []float64) []float64 {
	r := make([]float64, len(xs))
	for i := range xs {
		r[i] = xs[i] / base[i]
	}
	return r
}

// ratioSummary prints the median of the rounds' ratios of xs to base and their range.
func ratioSummary(xs, base []float64) string {
	r := ratios(xs, base)
	return fmt.Sprintf("%.3f [%.2f, %.2f]", median(r), slices.Min(r), slices.Max(r))
}

// goalVerdict says whether the rounds' ratios of xs to base reach goal: in every round,
// by their median only, or not.
func goalVerdict(xs, base []float64, goal float64) string {
	r := ratios(xs, base)
	switch m, lo := median(r), slices.Min(r); {
	case lo >= goal:
		return fmt.Sprintf("met in every round (lowest %.3f)", lo)
	case m >= goal:
		return fmt.Sprintf("met by the median (%.3f), not in every round (lowest %.3f)", m, lo)
	default:
		return fmt.Sprintf("not met (median %.3f)", m)
	}
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
	port, err := realkafka.PortRun(1)
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
	port, err := realkafka.PortRun(1)
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
	port, err := realkafka.PortRun(5)
	if err != nil {
		return "", nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command("java", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", cp,
		"io.kio.kroxylicious.Main", upstream, fmt.Sprint(port))
	return runUntilListening(cmd, addr)
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
