package proxysuite

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
	"github.com/kio-go/kafka-protocol/tests/realkafka"
)

// saslRound uses the node's SASL_PLAINTEXT listener through two proxies: one relaying
// the clients' own SCRAM-SHA-512 exchange to the broker (the default), and one that
// authenticates clients itself (PLAIN, its own users) and logs in to the broker as the
// broker's super user (SCRAM-SHA-512). A client with a wrong password is refused.
func saslRound(ctx context.Context, t *testing.T, g *guard, tl *tally, node *realkafka.Broker, rf int16, n int) {
	const topic = "real-sasl"
	admin := scram.Auth{User: realkafka.AdminUser, Pass: realkafka.AdminPassword}.AsSha512Mechanism()
	relayed := g.newProxy(t, "sasl-relayed", node.SASL, nil)
	rec := &dialRecorder{}
	cl := newClient(t, relayed.BootstrapAddr(), rec, kgo.SASL(admin), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 2, rf, nil, topic); err != nil {
		t.Fatalf("create %s through the relaying proxy: %v", topic, err)
	}
	produceAll(ctx, t, cl, topic, 0, n)
	seen := consumeAll(ctx, t, cl, topic, n)

	var mu sync.Mutex
	principals := map[string]int{}
	terminating := g.newProxy(t, "sasl-terminating", node.SASL, func(p *proxy.Proxy, f *proxy.Filters) {
		p.ClientSASL = []sasl.ServerMechanism{sasl.PlainServer{Lookup: func(user string) (string, bool) {
			return "alice-secret", user == "alice"
		}}}
		p.UpstreamSASL = &sasl.Scram{Hash: sasl.SHA512, User: realkafka.AdminUser, Password: realkafka.AdminPassword}
		proxy.OnRequest(f, func(c *proxy.Call, r *produce.ProduceRequest) proxy.Verdict {
			mu.Lock()
			principals[c.Conn.Principal]++
			mu.Unlock()
			return proxy.Pass
		})
	})
	alice := newClient(t, terminating.BootstrapAddr(), rec, kgo.SASL(plain.Auth{User: "alice", Pass: "alice-secret"}.AsMechanism()),
		kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	produceAll(ctx, t, alice, topic, n, 2*n)
	both := consumeAll(ctx, t, alice, topic, 2*n)
	for i, c := range both {
		if c != 1 || (i < n && seen[i] != 1) {
			t.Errorf("record %d consumed %d times through the terminating proxy (%d through the relaying one)", i, c, seen[i])
		}
	}
	mu.Lock()
	if principals["alice"] == 0 || len(principals) != 1 {
		t.Errorf("Produce requests by principal: %v, want alice's only", principals)
	}
	mu.Unlock()
	mallory := newClient(t, terminating.BootstrapAddr(), rec, kgo.SASL(plain.Auth{User: "alice", Pass: "wrong"}.AsMechanism()))
	if err := mallory.Ping(ctx); err == nil {
		t.Error("a wrong password was let through")
	}
	tl.produced += 2 * n
	tl.consumed += len(both)
	for _, a := range rec.around(g) {
		t.Errorf("a SASL client dialled broker %s itself", a)
	}
}

// reauthRound: the node gives SCRAM-SHA-256 sessions a lifetime (realkafka's
// ReauthLifetime, KIP-368). kgo, logged in with it through a proxy relaying SASL,
// produces for more than two lifetimes: its re-authentications (SaslHandshake and
// SaslAuthenticate on live connections) pass through the proxy, no connection is
// closed for an expired session (the proxy accepts no new one), and every record comes
// back once.
func reauthRound(ctx context.Context, t *testing.T, g *guard, tl *tally, node *realkafka.Broker, rf int16) {
	const topic = "real-reauth"
	var handshakes atomic.Int64
	relayed := g.newProxy(t, "sasl-reauth", node.SASL, func(_ *proxy.Proxy, f *proxy.Filters) {
		proxy.OnRequest(f, func(*proxy.Call, *saslhandshake.SaslHandshakeRequest) proxy.Verdict {
			handshakes.Add(1)
			return proxy.Pass
		})
	})
	m := scram.Auth{User: realkafka.AdminUser, Pass: realkafka.AdminPassword}.AsSha256Mechanism()
	cl := newClient(t, relayed.BootstrapAddr(), &dialRecorder{}, kgo.SASL(m), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, rf, nil, topic); err != nil {
		t.Fatalf("create %s through the relaying proxy: %v", topic, err)
	}
	n := 0
	for end := time.Now().Add(2*realkafka.ReauthLifetime + realkafka.ReauthLifetime/2); time.Now().Before(end); n++ {
		if err := cl.ProduceSync(ctx, record(topic, n)).FirstErr(); err != nil {
			t.Fatalf("record %d: %v", n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	seen := consumeAll(ctx, t, cl, topic, n)
	for i, c := range seen {
		if c != 1 {
			t.Errorf("record %d consumed %d times", i, c)
		}
	}
	conns := relayed.Stats().Connections
	reauths := handshakes.Load() - conns
	t.Logf("%d records over %v of %v sessions: %d logins on %d connections", n, 2*realkafka.ReauthLifetime+realkafka.ReauthLifetime/2, realkafka.ReauthLifetime, handshakes.Load(), conns)
	if reauths < 2 {
		t.Errorf("%d SaslHandshakes on %d connections: want at least 2 re-authentications relayed", handshakes.Load(), conns)
	}
	tl.produced += n
	tl.consumed += len(seen)
}
