package proxysuite

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/tests/realkafka"
)

// faults runs a producer (acks=all, idempotent) and a group consumer through a proxy of
// their own while, in turn, the leader of a partition is stopped and started, the proxy
// is closed and started again on the same ports, and a leader stalls (its JVM paused)
// for longer than the clients' request timeout. Then every acknowledged record must be
// in the log exactly once (read back from the start by a fresh consumer through the
// proxy) and the group consumer must have seen each at least once.
func faults(ctx context.Context, t *testing.T, g *guard, tl *tally, nodes []*realkafka.Broker) {
	const topic = "real-faults"
	bootstrap := nodes[0].Plaintext
	p := g.newProxy(t, "faults", bootstrap, nil)
	addr := p.BootstrapAddr()
	rec := &dialRecorder{}
	adm := kadm.NewClient(newClient(t, addr, rec))
	if _, err := adm.CreateTopic(ctx, 3, 3, nil, topic); err != nil {
		t.Fatal(err)
	}
	load := startFaultLoad(ctx, t, addr, rec, topic)
	load.waitMore("start")

	t.Run("leader stopped and started", func(t *testing.T) {
		l := leaderOf(ctx, t, adm, topic, nodes, 0)
		if err := l.Shutdown(60 * time.Second); err != nil {
			t.Fatal(err)
		}
		load.waitMore("leader " + itoa(l.NodeID) + " stopped")
		if err := l.Restart(); err != nil {
			t.Fatal(err)
		}
		load.waitMore("leader " + itoa(l.NodeID) + " restarted")
	})
	outer := t // the restarted proxy lives as long as the faults, not just this step
	t.Run("proxy restarted", func(t *testing.T) {
		p.Close()
		time.Sleep(time.Second)
		p = g.newProxy(outer, "faults", bootstrap, nil)
		if p.BootstrapAddr() != addr {
			t.Fatalf("the restarted proxy listens at %s, not %s", p.BootstrapAddr(), addr)
		}
		load.waitMore("proxy restarted")
	})
	t.Run("leader stalls", func(t *testing.T) {
		l := leaderOf(ctx, t, adm, topic, nodes, 1)
		if err := l.Pause(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(15 * time.Second) // beyond the broker session timeout: the cluster fences it
		if err := l.Resume(); err != nil {
			t.Fatal(err)
		}
		load.waitMore("leader " + itoa(l.NodeID) + " resumed after a stall")
	})

	total := load.stopProducing(ctx)
	want, lost, dup := load.checkLogOnce(ctx, addr, rec)
	load.awaitConsumerSawAll(want)
	load.stopConsuming()
	tl.produced += want
	tl.consumed += want - lost
	t.Logf("faults: %d records acknowledged (%d produce failures reported to the producer, retried or not), %d lost, %d duplicated", total, load.failed, lost, dup)
	for _, a := range rec.around(g) {
		t.Errorf("a client dialled broker %s itself", a)
	}
}

// faultLoad is the traffic the faults happen under: a producer writing a record every
// few milliseconds and a group consumer reading meanwhile, both through the proxy, and
// what each has seen.
type faultLoad struct {
	t     *testing.T
	topic string
	prod  *kgo.Client

	mu     sync.Mutex
	acked  map[int]bool // records the producer had acknowledged, by index
	failed int          // produce failures reported to the producer

	seenMu sync.Mutex
	seen   map[int]int // records the group consumer read, by index

	stop    chan struct{} // closed to stop producing
	cancel  context.CancelFunc
	workers sync.WaitGroup
}

// startFaultLoad starts the producer and the group consumer on topic through addr.
func startFaultLoad(ctx context.Context, t *testing.T, addr string, rec *dialRecorder, topic string) *faultLoad {
	l := &faultLoad{t: t, topic: topic, acked: map[int]bool{}, seen: map[int]int{}, stop: make(chan struct{})}
	l.prod = newClient(t, addr, rec, kgo.ClientID("faults-producer"), kgo.RequestTimeoutOverhead(5*time.Second))
	l.workers.Add(1)
	go func() { // produce until stopped, a record every few milliseconds
		defer l.workers.Done()
		for i := 0; ; i++ {
			select {
			case <-l.stop:
				return
			case <-time.After(3 * time.Millisecond):
			}
			l.prod.Produce(ctx, record(topic, i), func(_ *kgo.Record, err error) {
				l.mu.Lock()
				defer l.mu.Unlock()
				if err != nil {
					l.failed++
					return
				}
				l.acked[i] = true
			})
		}
	}()
	cons := newClient(t, addr, rec, kgo.ClientID("faults-consumer"), kgo.ConsumeTopics(topic), kgo.ConsumerGroup(topic+"-group"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	cctx, cancel := context.WithCancel(ctx)
	l.cancel = cancel
	l.workers.Add(1)
	go func() { // consume meanwhile
		defer l.workers.Done()
		for cctx.Err() == nil {
			cons.PollFetches(cctx).EachRecord(func(r *kgo.Record) {
				if i, ok := intact(r); ok {
					l.seenMu.Lock()
					l.seen[i]++
					l.seenMu.Unlock()
				}
			})
		}
	}()
	return l
}

// progress logs and returns how many records are acknowledged so far.
func (l *faultLoad) progress(what string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t.Logf("%s: %d acknowledged, %d failed", what, len(l.acked), l.failed)
	return len(l.acked)
}

// waitMore lets the clients make progress through the proxy: 100 more records
// acknowledged, or 90 seconds.
func (l *faultLoad) waitMore(what string) {
	before := l.progress(what)
	deadline := time.Now().Add(90 * time.Second)
	for l.progress(what+", waiting for progress") < before+100 && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
}

// stopProducing stops the producer after flushing what it holds and returns how many
// records it had acknowledged.
func (l *faultLoad) stopProducing(ctx context.Context) int {
	close(l.stop)
	if err := l.prod.Flush(ctx); err != nil {
		l.t.Errorf("flush: %v", err)
	}
	return l.progress("stopped")
}

// checkLogOnce reads the topic from the start with a fresh consumer through addr and
// requires every acknowledged record in the log exactly once. It returns how many were
// acknowledged, and of those how many are missing and how many duplicated.
func (l *faultLoad) checkLogOnce(ctx context.Context, addr string, rec *dialRecorder) (want, lost, dup int) {
	t := l.t
	reader := newClient(t, addr, rec, kgo.ConsumeTopics(l.topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	l.mu.Lock()
	want = len(l.acked)
	l.mu.Unlock()
	rctx, rcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer rcancel()
	inLog := map[int]int{}
	for countAcked(inLog, l.acked, &l.mu) < want && rctx.Err() == nil {
		reader.PollFetches(rctx).EachRecord(func(r *kgo.Record) {
			i, ok := intact(r)
			if !ok {
				t.Errorf("record not intact: %+v", r)
				return
			}
			inLog[i]++
		})
	}
	l.mu.Lock()
	for i := range l.acked {
		switch inLog[i] {
		case 0:
			lost++
		case 1:
		default:
			dup++
		}
	}
	l.mu.Unlock()
	if lost > 0 || dup > 0 {
		t.Errorf("of %d acknowledged records, %d are not in the log and %d are there more than once", want, lost, dup)
	}
	return want, lost, dup
}

// awaitConsumerSawAll requires the group consumer, which ran through all the faults, to
// see every acknowledged record within a minute.
func (l *faultLoad) awaitConsumerSawAll(want int) {
	deadline := time.Now().Add(time.Minute)
	for {
		l.seenMu.Lock()
		missing := 0
		for i := range l.acked {
			if l.seen[i] == 0 {
				missing++
			}
		}
		l.seenMu.Unlock()
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			l.t.Errorf("the group consumer missed %d of %d acknowledged records", missing, want)
			return
		}
		time.Sleep(time.Second)
	}
}

// stopConsuming stops the group consumer and waits for both clients' goroutines.
func (l *faultLoad) stopConsuming() {
	l.cancel()
	l.workers.Wait()
}

// leaderOf returns the node leading partition of topic, by the metadata the proxy
// serves.
func leaderOf(ctx context.Context, t *testing.T, adm *kadm.Client, topic string, nodes []*realkafka.Broker, partition int32) *realkafka.Broker {
	var md kadm.Metadata
	var err error
	for range 20 { // a connection the proxy's restart closed fails once
		if md, err = adm.Metadata(ctx, topic); err == nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	id := md.Topics[topic].Partitions[partition].Leader
	for _, n := range nodes {
		if n.NodeID == id {
			return n
		}
	}
	t.Fatalf("leader %d of partition %d is no node", id, partition)
	return nil
}

func countAcked(inLog map[int]int, acked map[int]bool, mu *sync.Mutex) int {
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for i := range acked {
		if inLog[i] > 0 {
			n++
		}
	}
	return n
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
