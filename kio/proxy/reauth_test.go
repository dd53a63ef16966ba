package proxy_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/sasl"
)

// TestClientSessionLifetime: a proxy that authenticates clients itself gives their
// sessions a lifetime (KIP-368); kgo re-authenticates with the proxy on its
// connections, which stay open: the proxy sees more logins than connections, and every
// request is served.
func TestClientSessionLifetime(t *testing.T) {
	_, brokers := fakeCluster(t, 1)
	var mu sync.Mutex
	logins := 0
	p := startProxy(t, &proxy.Proxy{
		ClientSASL: []sasl.ServerMechanism{sasl.PlainServer{Lookup: func(user string) (string, bool) {
			mu.Lock()
			logins++
			mu.Unlock()
			return "alice-secret", user == "alice"
		}}},
		ClientSessionLifetime: 300 * time.Millisecond,
	}, brokers)
	requests := 0
	cl := newKgo(t, p.BootstrapAddr(), kgo.SASL(plain.Auth{User: "alice", Pass: "alice-secret"}.AsMechanism()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if _, err := cl.Request(ctx, kmsg.NewPtrMetadataRequest()); err != nil {
			t.Fatal(err)
		}
		requests++
	}
	conns := p.Stats().Connections
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d requests, %d logins on %d connections", requests, logins, conns)
	if int64(logins)-conns < 3 {
		t.Errorf("%d logins on %d connections in 1.5 s of 300 ms sessions: want at least 3 re-authentications", logins, conns)
	}
}
