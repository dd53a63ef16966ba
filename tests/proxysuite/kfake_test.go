package proxysuite

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/kio/proxy"
)

// TestProxyKfake runs the suite's rounds in front of franz-go's in-process kfake (three
// brokers): fast, and everywhere. The real clusters run them in TestProxyRealKafka.
func TestProxyKfake(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g := newGuard(c.ListenAddrs()...)
	p := g.newProxy(t, "main", c.ListenAddrs()[0], nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tl := newTally()
	t.Run("kgo", func(t *testing.T) { kgoRound(ctx, t, g, tl, p.BootstrapAddr(), "kfake-kgo", 3, 3, 500, false) })
	t.Run("kcat", func(t *testing.T) {
		adm := kadm.NewClient(newClient(t, p.BootstrapAddr(), &dialRecorder{}))
		if _, err := adm.CreateTopic(ctx, 2, 3, nil, "kfake-kcat"); err != nil {
			t.Fatal(err)
		}
		kcatRound(ctx, t, g, tl, p.BootstrapAddr(), "kfake-kcat", 200)
	})
	direct, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	t.Run("tenants", func(t *testing.T) { tenantRound(ctx, t, g, tl, c.ListenAddrs()[0], kadm.NewClient(direct), 3, 200) })
	t.Run("hostile", func(t *testing.T) {
		// kfake crashes on a request of an unknown key (a nil dereference in its
		// client_conn.go), so here the proxy refuses them; TestProxyRealKafka relays
		// them to Kafka, which closes the connection.
		p := g.newProxy(t, "refusing", c.ListenAddrs()[0], func(p *proxy.Proxy, _ *proxy.Filters) { p.UnknownAPIs = proxy.RefuseUnknownAPIs })
		works := func() error {
			cl := newClient(t, p.BootstrapAddr(), &dialRecorder{})
			return cl.ProduceSync(ctx, record("kfake-kgo", 0)).FirstErr()
		}
		hostile(t, g, p, works)
	})
	if l := g.leaked(); len(l) > 0 {
		t.Errorf("broker addresses reached clients: %v", l)
	}
	if g.checked.Load() == 0 {
		t.Error("no response was checked")
	}
	t.Logf("%d clients, %d records produced, %d consumed, %d endpoint fields rewritten, %d responses checked",
		len(tl.clients), tl.produced, tl.consumed, p.Stats().EndpointsRewritten, g.checked.Load())
}
