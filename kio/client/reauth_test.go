package client_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/saslauthenticate"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// lifetimeServer serves Metadata to PLAIN logins (alice and bob) with SASL sessions of
// the given lifetime; closed receives each connection's closing error.
func lifetimeServer(t *testing.T, lifetime time.Duration, closed chan<- error) string {
	t.Helper()
	srv := &server.Server{
		Handler:         echoMux(),
		SASL:            []sasl.ServerMechanism{sasl.PlainServer{Lookup: func(user string) (string, bool) { return user + "-secret", user == "alice" || user == "bob" }}},
		SessionLifetime: lifetime,
		ConnConcurrency: 4,
	}
	if closed != nil {
		srv.OnClose = func(_ *server.Peer, err error) { closed <- err }
	}
	return serve(t, srv)
}

// TestReauthentication: calls from many goroutines over several session lifetimes all
// succeed on one connection, which re-authenticates before each session ends (KIP-368).
func TestReauthentication(t *testing.T) {
	addr := lifetimeServer(t, 300*time.Millisecond, nil)
	d := client.Dialer{SASL: sasl.Plain{User: "alice", Password: "alice-secret"}}
	ctx := context.Background()
	c := conntest.DialWith(t, ctx, &d, addr)
	var wg sync.WaitGroup
	var calls atomic.Int64
	deadline := time.Now().Add(1500 * time.Millisecond)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := client.Call[metadata.MetadataResponse](ctx, c, metadataFor("g"))
				if err != nil {
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
				if *resp.ClusterId != "g" {
					t.Errorf("answer %q", *resp.ClusterId)
				}
				calls.Add(1)
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	if n := c.Reauthentications(); n < 3 {
		t.Errorf("%d re-authentications in 1.5 s of 300 ms sessions, want at least 3", n)
	}
	t.Logf("%d calls, %d re-authentications", calls.Load(), c.Reauthentications())
}

// TestSessionExpired: a client that cannot learn the lifetime (SaslAuthenticate v0 has
// no field for it) does not re-authenticate, and the server closes its connection at
// the first request after the session ends.
func TestSessionExpired(t *testing.T) {
	closed := make(chan error, 1)
	addr := lifetimeServer(t, 200*time.Millisecond, closed)
	d := client.Dialer{SASL: sasl.Plain{User: "alice", Password: "alice-secret"},
		MaxVersions: map[int16]int16{saslauthenticate.APIKey: 0}}
	ctx := context.Background()
	c := conntest.DialWith(t, ctx, &d, addr)
	if _, err := client.Call[metadata.MetadataResponse](ctx, c, metadataFor("a")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := client.Call[metadata.MetadataResponse](ctx, c, metadataFor("a")); !errors.Is(err, client.ErrClosed) {
		t.Errorf("call after the session ended: %v, want the connection closed", err)
	}
	if err := <-closed; !errors.Is(err, server.ErrSessionExpired) {
		t.Errorf("server closed the connection with %v, want ErrSessionExpired", err)
	}
	if n := c.Reauthentications(); n != 0 {
		t.Errorf("%d re-authentications without a lifetime", n)
	}
}

// switchingPlain logs in as its users in turn: the second login changes the principal.
type switchingPlain struct {
	n     atomic.Int32
	users []string
}

func (s *switchingPlain) Name() string { return sasl.NamePlain }

func (s *switchingPlain) Start(ctx context.Context) (sasl.Session, []byte, error) {
	u := s.users[int(s.n.Add(1)-1)%len(s.users)]
	return sasl.Plain{User: u, Password: u + "-secret"}.Start(ctx)
}

// TestReauthenticationKeepsPrincipal: a re-authentication as another user is refused
// (SASL_AUTHENTICATION_FAILED, as Kafka's broker does) and closes the connection; the
// call that came after it fails with ErrReauthentication.
func TestReauthenticationKeepsPrincipal(t *testing.T) {
	closed := make(chan error, 1)
	addr := lifetimeServer(t, 100*time.Millisecond, closed)
	d := client.Dialer{SASL: &switchingPlain{users: []string{"alice", "bob"}}}
	ctx := context.Background()
	c := conntest.DialWith(t, ctx, &d, addr)
	time.Sleep(150 * time.Millisecond)
	_, err := client.Call[metadata.MetadataResponse](ctx, c, metadataFor("a"))
	var se *sasl.Error
	if !errors.Is(err, client.ErrReauthentication) || !errors.As(err, &se) || se.Code != 58 {
		t.Errorf("call after a re-authentication as bob: %v, want ErrReauthentication with SASL_AUTHENTICATION_FAILED", err)
	}
	if err := <-closed; !errors.Is(err, sasl.ErrAuthentication) {
		t.Errorf("server closed the connection with %v, want an authentication error", err)
	}
}
