package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// saslServer serves Metadata (answering with the principal as the cluster id) to
// clients that log in as alice/alice-secret with PLAIN or SCRAM, or with the delegation
// token "token-1" whose HMAC is tokenHMAC.
func saslServer(t *testing.T) string {
	t.Helper()
	creds := map[sasl.ScramHash]map[string]sasl.ScramCredential{}
	tokens := map[sasl.ScramHash]map[string]sasl.ScramCredential{}
	for _, h := range []sasl.ScramHash{sasl.SHA256, sasl.SHA512} {
		c, err := sasl.NewScramCredential(h, "alice-secret")
		if err != nil {
			t.Fatal(err)
		}
		tok, err := sasl.DeriveScramCredential(h, sasl.DelegationToken(h, "token-1", tokenHMAC).Password, []byte("token-salt"), sasl.MinIterations)
		if err != nil {
			t.Fatal(err)
		}
		creds[h] = map[string]sasl.ScramCredential{"alice": c}
		tokens[h] = map[string]sasl.ScramCredential{"token-1": tok}
	}
	scram := func(h sasl.ScramHash) sasl.ScramServer {
		return sasl.ScramServer{Hash: h, Lookup: func(user string, token bool) (sasl.ScramCredential, bool) {
			if token {
				c, ok := tokens[h][user]
				return c, ok
			}
			c, ok := creds[h][user]
			return c, ok
		}}
	}
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		p, _ := server.PeerFromContext(ctx)
		who := p.Mechanism + ":" + req.Peer.Principal
		return &metadata.MetadataResponse{ClusterId: &who}, nil
	})
	return serve(t, &server.Server{Handler: mux, SASL: []sasl.ServerMechanism{
		sasl.PlainServer{Lookup: func(user string) (string, bool) { return "alice-secret", user == "alice" }},
		scram(sasl.SHA256), scram(sasl.SHA512),
	}})
}

var tokenHMAC = []byte("0123456789abcdef0123456789abcdef")

func TestSASL(t *testing.T) {
	addr := saslServer(t)
	for _, c := range []struct {
		name string
		mech sasl.Mechanism
		want string
	}{
		{"PLAIN", sasl.Plain{User: "alice", Password: "alice-secret"}, "PLAIN:alice"},
		{"SCRAM-SHA-256", &sasl.Scram{Hash: sasl.SHA256, User: "alice", Password: "alice-secret"}, "SCRAM-SHA-256:alice"},
		{"SCRAM-SHA-512", &sasl.Scram{Hash: sasl.SHA512, User: "alice", Password: "alice-secret"}, "SCRAM-SHA-512:alice"},
		{"token-SCRAM-SHA-256", sasl.DelegationToken(sasl.SHA256, "token-1", tokenHMAC), "SCRAM-SHA-256:token-1"},
		{"token-SCRAM-SHA-512", sasl.DelegationToken(sasl.SHA512, "token-1", tokenHMAC), "SCRAM-SHA-512:token-1"},
	} {
		for _, handshake := range []int16{1, 0} {
			t.Run(fmt.Sprintf("%s/handshake-v%d", c.name, handshake), func(t *testing.T) {
				d := client.Dialer{SASL: c.mech, MaxVersions: map[int16]int16{saslhandshake.APIKey: handshake}}
				conn := conntest.DialWith(t, context.Background(), &d, addr)
				resp, err := client.Call[metadata.MetadataResponse](context.Background(), conn, &metadata.MetadataRequest{})
				if err != nil {
					t.Fatal(err)
				}
				if *resp.ClusterId != c.want {
					t.Errorf("server saw %q, want %q", *resp.ClusterId, c.want)
				}
			})
		}
	}
}

func TestSASLFailures(t *testing.T) {
	addr := saslServer(t)
	for _, c := range []struct {
		name     string
		mech     sasl.Mechanism
		v0       bool
		wantCode common.ErrorCode
	}{
		{"PLAIN wrong password", sasl.Plain{User: "alice", Password: "nope"}, false, common.SaslAuthenticationFailed},
		{"PLAIN unknown user", sasl.Plain{User: "bob", Password: "alice-secret"}, false, common.SaslAuthenticationFailed},
		{"SCRAM-SHA-256 wrong password", &sasl.Scram{Hash: sasl.SHA256, User: "alice", Password: "nope"}, false, common.SaslAuthenticationFailed},
		{"SCRAM-SHA-512 wrong password", &sasl.Scram{Hash: sasl.SHA512, User: "alice", Password: "nope"}, false, common.SaslAuthenticationFailed},
		{"SCRAM-SHA-512 unknown user", &sasl.Scram{Hash: sasl.SHA512, User: "bob", Password: "x"}, false, common.SaslAuthenticationFailed},
		{"token as a user", &sasl.Scram{Hash: sasl.SHA256, User: "token-1", Password: sasl.DelegationToken(sasl.SHA256, "", tokenHMAC).Password}, false, common.SaslAuthenticationFailed},
		{"wrong token", sasl.DelegationToken(sasl.SHA256, "token-1", []byte("forged")), false, common.SaslAuthenticationFailed},
		{"mechanism not enabled", unknownMechanism{}, false, common.UnsupportedSaslMechanism},
		{"PLAIN wrong password, v0", sasl.Plain{User: "alice", Password: "nope"}, true, 0},
		{"SCRAM wrong password, v0", &sasl.Scram{Hash: sasl.SHA256, User: "alice", Password: "nope"}, true, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := client.Dialer{SASL: c.mech}
			if c.v0 {
				d.MaxVersions = map[int16]int16{saslhandshake.APIKey: 0}
			}
			conn, err := d.Dial(context.Background(), addr)
			if err == nil {
				conn.Close()
				t.Fatal("logged in")
			}
			var se *sasl.Error
			if !errors.Is(err, sasl.ErrAuthentication) || !errors.As(err, &se) || se.Code != int16(c.wantCode) {
				t.Fatalf("%v; want a *sasl.Error with code %d", err, c.wantCode)
			}
			if c.v0 && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("v0 failure %v does not say the broker closed the connection", err)
			}
			t.Log(err)
		})
	}
}

type unknownMechanism struct{}

func (unknownMechanism) Name() string { return "OAUTHBEARER" }
func (unknownMechanism) Start(context.Context) (sasl.Session, []byte, error) {
	return nil, []byte("n,,\x01auth=Bearer x\x01\x01"), nil
}
