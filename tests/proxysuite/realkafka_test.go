package proxysuite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/tests/kafkadist"
	"github.com/kio-go/kafka-protocol/tests/realkafka"
)

// TestProxyRealKafka puts kio/proxy in front of a three-node KRaft cluster of Kafka 4.4.0
// and a single 3.9.2 node (side by side) and runs the suite's rounds through it: kgo and
// kadm, kcat, two tenants of the topic-prefix example, hostile clients, and on the
// cluster the faults. Clients get only the proxy's bootstrap address. One line per
// release goes to the report.
func TestProxyRealKafka(t *testing.T) {
	kafkadist.EachRelease(t, "starts real brokers", func(t *testing.T, version string) {
		t.Parallel()
		testRelease(t, version)
	})
}

func testRelease(t *testing.T, version string) {
	size := 1
	if version == kafkadist.Kafka4 {
		size = 3
	}
	var nodes []*realkafka.Broker
	if size == 1 {
		nodes = []*realkafka.Broker{realkafka.Start(t, version)}
	} else {
		nodes = realkafka.StartCluster(t, version, size, nil)
	}
	var own []string // every listener of every node: none may reach a client
	for _, n := range nodes {
		own = append(own, n.Plaintext, n.SASL, n.Controller)
	}
	g := newGuard(own...)
	p := g.newProxy(t, "main", nodes[0].Plaintext, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	tl := newTally()
	rf := int16(size)
	direct, err := kgo.NewClient(kgo.SeedBrokers(nodes[0].Plaintext))
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()

	t.Run("kgo", func(t *testing.T) { kgoRound(ctx, t, g, tl, p.BootstrapAddr(), "real-kgo", 3, rf, 3000, true) })
	t.Run("kcat", func(t *testing.T) {
		if _, err := kadm.NewClient(direct).CreateTopic(ctx, 3, rf, nil, "real-kcat"); err != nil {
			t.Fatal(err)
		}
		kcatRound(ctx, t, g, tl, p.BootstrapAddr(), "real-kcat", 500)
	})
	t.Run("sasl", func(t *testing.T) { saslRound(ctx, t, g, tl, nodes[0], rf, 300) })
	t.Run("sasl-reauth", func(t *testing.T) { reauthRound(ctx, t, g, tl, nodes[0], rf) })
	t.Run("java", func(t *testing.T) { javaRound(ctx, t, tl, p.BootstrapAddr(), version) })
	t.Run("tenants", func(t *testing.T) { tenantRound(ctx, t, g, tl, nodes[0].Plaintext, kadm.NewClient(direct), rf, 500) })
	t.Run("hostile", func(t *testing.T) {
		works := func() error {
			cl := newClient(t, p.BootstrapAddr(), &dialRecorder{})
			return cl.ProduceSync(ctx, record("real-kgo", 0)).FirstErr()
		}
		hostile(t, g, p, works)
	})
	if size > 1 {
		t.Run("faults", func(t *testing.T) { faults(ctx, t, g, tl, nodes) })
	}
	if t.Failed() {
		return
	}
	leaks := g.leaked()
	for _, l := range leaks {
		t.Errorf("a broker address reached a client: %s", l)
	}
	if g.checked.Load() == 0 {
		t.Fatal("no response was checked for broker addresses")
	}
	lost := tl.produced - tl.consumed
	rewritten := int64(0)
	for _, q := range g.proxies() {
		rewritten += q.Stats().EndpointsRewritten
	}
	kafkadist.Report(t, fmt.Sprintf("proxy kafka %s: %d clients, %d records produced and consumed, %d lost, %d endpoint fields rewritten, %d broker addresses seen by clients",
		version, len(tl.clients), tl.consumed, lost, rewritten, len(leaks)))
}
