package server_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// loginCounter counts the SASL exchanges each connection starts.
type loginCounter struct {
	sasl.ServerMechanism
	mu     sync.Mutex
	byPeer map[*server.Peer]int
}

func (l *loginCounter) Start(ctx context.Context) sasl.ServerSession {
	p, _ := server.PeerFromContext(ctx)
	l.mu.Lock()
	l.byPeer[p]++
	l.mu.Unlock()
	return l.ServerMechanism.Start(ctx)
}

// TestKgoReauthenticates: franz-go's client, told a 400 ms session lifetime by the
// server's SaslAuthenticate answer, re-authenticates on its connection before each
// session ends (KIP-368), and the server lets it carry on: no connection is closed for
// an expired session, and the connection serving the requests logged in several times.
func TestKgoReauthenticates(t *testing.T) {
	logins := &loginCounter{ServerMechanism: saslPlain()[0], byPeer: map[*server.Peer]int{}}
	cl := newCloses()
	addr := start(t, &server.Server{Handler: testMux(), SASL: []sasl.ServerMechanism{logins},
		SessionLifetime: 400 * time.Millisecond, OnClose: cl.onClose})
	kc, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.SASL(plain.Auth{User: "u", Pass: "pw"}.AsMechanism()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		req := kmsg.NewPtrMetadataRequest()
		if _, err := kc.Request(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	kc.Close()
	most := 0
	logins.mu.Lock()
	for _, n := range logins.byPeer {
		most = max(most, n)
	}
	logins.mu.Unlock()
	if most < 3 {
		t.Errorf("the busiest connection logged in %d times in 2 s of 400 ms sessions, want at least 3", most)
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for _, err := range cl.errs {
		if errors.Is(err, server.ErrSessionExpired) {
			t.Errorf("a connection closed with %v", err)
		}
	}
}
