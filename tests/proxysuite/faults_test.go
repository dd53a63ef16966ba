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
	admCl := newClient(t, addr, rec)
	adm := kadm.NewClient(admCl)
	if _, err := adm.CreateTopic(ctx, 3, 3, nil, topic); err != nil {
		t.Fatal(err)
	}

	prod := newClient(t, addr, rec, kgo.ClientID("faults-producer"), kgo.RequestTimeoutOverhead(5*time.Second))
	var mu sync.Mutex
	acked := map[int]bool{}
	var failed int
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // produce until stopped, a record every few milliseconds
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(3 * time.Millisecond):
			}
			prod.Produce(ctx, record(topic, i), func(_ *kgo.Record, err error) {
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed++
					return
				}
				acked[i] = true
			})
		}
	}()
	cons := newClient(t, addr, rec, kgo.ClientID("faults-consumer"), kgo.ConsumeTopics(topic), kgo.ConsumerGroup(topic+"-group"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	seen := map[int]int{}
	var seenMu sync.Mutex
	cctx, ccancel := context.WithCancel(ctx)
	wg.Add(1)
	go func() { // consume meanwhile
		defer wg.Done()
		for cctx.Err() == nil {
			cons.PollFetches(cctx).EachRecord(func(r *kgo.Record) {
				if i, ok := intact(r); ok {
					seenMu.Lock()
					seen[i]++
					seenMu.Unlock()
				}
			})
		}
	}()
	progress := func(what string) int {
		mu.Lock()
		defer mu.Unlock()
		t.Logf("%s: %d acknowledged, %d failed", what, len(acked), failed)
		return len(acked)
	}
	waitMore := func(what string) { // let the clients make progress through the proxy
		before := progress(what)
		deadline := time.Now().Add(90 * time.Second)
		for progress(what+", waiting for progress") < before+100 && time.Now().Before(deadline) {
			time.Sleep(time.Second)
		}
	}
	waitMore("start")

	leader := func(partition int32) *realkafka.Broker {
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

	t.Run("leader stopped and started", func(t *testing.T) {
		l := leader(0)
		if err := l.Shutdown(60 * time.Second); err != nil {
			t.Fatal(err)
		}
		waitMore("leader " + itoa(l.NodeID) + " stopped")
		if err := l.Restart(); err != nil {
			t.Fatal(err)
		}
		waitMore("leader " + itoa(l.NodeID) + " restarted")
	})
	outer := t // the restarted proxy lives as long as the faults, not just this step
	t.Run("proxy restarted", func(t *testing.T) {
		p.Close()
		time.Sleep(time.Second)
		p = g.newProxy(outer, "faults", bootstrap, nil)
		if p.BootstrapAddr() != addr {
			t.Fatalf("the restarted proxy listens at %s, not %s", p.BootstrapAddr(), addr)
		}
		waitMore("proxy restarted")
	})
	t.Run("leader stalls", func(t *testing.T) {
		l := leader(1)
		if err := l.Pause(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(15 * time.Second) // beyond the broker session timeout: the cluster fences it
		if err := l.Resume(); err != nil {
			t.Fatal(err)
		}
		waitMore("leader " + itoa(l.NodeID) + " resumed after a stall")
	})
	close(stop)
	if err := prod.Flush(ctx); err != nil {
		t.Errorf("flush: %v", err)
	}
	total := progress("stopped")

	// Every acknowledged record is in the log, once.
	reader := newClient(t, addr, rec, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	mu.Lock()
	want := len(acked)
	mu.Unlock()
	rctx, rcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer rcancel()
	inLog := map[int]int{}
	for countAcked(inLog, acked, &mu) < want && rctx.Err() == nil {
		reader.PollFetches(rctx).EachRecord(func(r *kgo.Record) {
			i, ok := intact(r)
			if !ok {
				t.Errorf("record not intact: %+v", r)
				return
			}
			inLog[i]++
		})
	}
	lost, dup := 0, 0
	mu.Lock()
	for i := range acked {
		switch inLog[i] {
		case 0:
			lost++
		case 1:
		default:
			dup++
		}
	}
	mu.Unlock()
	if lost > 0 || dup > 0 {
		t.Errorf("of %d acknowledged records, %d are not in the log and %d are there more than once", want, lost, dup)
	}
	// The group consumer, which ran through all of it, saw every one.
	deadline := time.Now().Add(time.Minute)
	for {
		seenMu.Lock()
		missing := 0
		for i := range acked {
			if seen[i] == 0 {
				missing++
			}
		}
		seenMu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the group consumer missed %d of %d acknowledged records", missing, want)
			break
		}
		time.Sleep(time.Second)
	}
	ccancel()
	wg.Wait()
	tl.produced += want
	tl.consumed += want - lost
	t.Logf("faults: %d records acknowledged (%d produce failures reported to the producer, retried or not), %d lost, %d duplicated", total, failed, lost, dup)
	for _, a := range rec.around(g) {
		t.Errorf("a client dialled broker %s itself", a)
	}
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
