package server_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/saslauthenticate"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
	"github.com/kio-go/kafka-protocol/kio/server"
)

func saslPlain() []sasl.ServerMechanism {
	return []sasl.ServerMechanism{sasl.PlainServer{Lookup: func(user string) (string, bool) { return "pw", user == "u" }}}
}

// TestSASLRequired: before authenticating, ApiVersions is answered (SaslHandshake and
// SaslAuthenticate listed) and anything else closes the connection, as Kafka does.
func TestSASLRequired(t *testing.T) {
	cl := newCloses()
	addr := start(t, &server.Server{Handler: testMux(), SASL: saslPlain(), OnClose: cl.onClose})
	c := dialRaw(t, addr)
	c.send(&apiversions.ApiVersionsRequest{}, 3)
	keys := map[int16]bool{}
	for _, k := range c.recv(apiversions.APIKey, 3).Body.(*apiversions.ApiVersionsResponse).ApiKeys {
		keys[k.ApiKey] = true
	}
	if !keys[saslhandshake.APIKey] || !keys[saslauthenticate.APIKey] || !keys[metadata.APIKey] {
		t.Errorf("ApiVersions before login lists %v", keys)
	}
	c.send(metadataFor("sneaky"), 12)
	if !c.closed() {
		t.Error("Metadata before login answered")
	}
	if err := cl.next(t); !errors.Is(err, server.ErrUnauthenticated) {
		t.Errorf("closed with %v", err)
	}

	// SaslAuthenticate before SaslHandshake.
	c = dialRaw(t, addr)
	c.send(&saslauthenticate.SaslAuthenticateRequest{AuthBytes: []byte("\x00u\x00pw")}, 1)
	if !c.closed() {
		t.Error("SaslAuthenticate before SaslHandshake answered")
	}
	if err := cl.next(t); !errors.Is(err, server.ErrUnauthenticated) {
		t.Errorf("closed with %v", err)
	}

	// A login, then the same connection is served.
	d := client.Dialer{SASL: sasl.Plain{User: "u", Password: "pw"}}
	conn := conntest.DialWith(t, context.Background(), &d, addr)
	if _, err := conn.Call(context.Background(), metadataFor("ok")); err != nil {
		t.Fatal(err)
	}
	// A server without SASL does not serve SaslHandshake.
	plain := start(t, &server.Server{Handler: testMux()})
	if _, err := d.Dial(context.Background(), plain); !errors.Is(err, client.ErrAPINotServed) || !errors.Is(err, sasl.ErrAuthentication) {
		t.Errorf("SASL login to a plaintext server: %v", err)
	}
	if _, ok := (&server.Server{Handler: testMux()}).Versions()[saslhandshake.APIKey]; ok {
		t.Error("a server without SASL lists SaslHandshake")
	}
	_ = metadata.APIKey
}

// TestUnstableVersionsNotAdvertised: as Kafka's broker (unstable.api.versions.enable
// off), the server does not offer the versions the newest release marks unstable.
func TestUnstableVersionsNotAdvertised(t *testing.T) {
	v := (&server.Server{Handler: server.HandlerFunc(func(context.Context, *server.Request) (any, error) { return nil, nil })}).Versions()
	for _, api := range schema.APIs() {
		r, ok := v[api.Key]
		if !ok {
			if api.Key != saslhandshake.APIKey && api.Key != saslauthenticate.APIKey {
				t.Errorf("%v not served by a plain Handler", api)
			}
			continue
		}
		if api.Unstable.Lo <= api.Unstable.Hi && r.Hi >= api.Unstable.Lo {
			t.Errorf("%v: advertises %v, which includes the unstable %v", api, r, api.Unstable)
		}
		if api.Unstable.Lo > api.Unstable.Hi && r != api.Versions {
			t.Errorf("%v: advertises %v, want %v", api, r, api.Versions)
		}
	}
}
