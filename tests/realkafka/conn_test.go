package realkafka

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"io"
	"syscall"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/saslauthenticate"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

// clientID is the client id of every request header the suite sends.
var clientID = "kio-realkafka-test"

// dial connects to a listener of the node at addr, closed when t ends.
func dial(t testing.TB, listener, addr string, cov *testkit.Coverage) *testkit.Conn {
	t.Helper()
	c := testkit.Dial(t, listener, addr, clientID, cov)
	t.Cleanup(c.Close)
	return c
}

// expectClosed sends req at version as a raw frame and requires the listener to close
// the connection instead of answering.
func expectClosed(t testing.TB, c *testkit.Conn, version int16, req any) *schema.API {
	t.Helper()
	api, ok := schema.LookupBody(req)
	if !ok {
		t.Fatalf("%T is not a generated request type", req)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testkit.IOTimeout)
	defer cancel()
	if _, err := c.RawCall(ctx, t, api, version, req); !errors.Is(err, client.ErrClosed) || !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("%v v%d: %v, want the connection closed", api, version, err)
	}
	return api
}

// saslAuth authenticates c with mechanism ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
// through kio/client's SASL, with SaslHandshake at hv and SaslAuthenticate at av (av < 0:
// after a version 0 handshake, the bare tokens of the original protocol). tokenAuth
// marks a delegation token's SCRAM login (user is the token id, password its HMAC in
// base64). It returns the broker's error code, NONE on success, and counts both
// versions as exercised once the connection shows it used them.
func saslAuth(t testing.TB, c *testkit.Conn, hv, av int16, mechanism, user, password string, tokenAuth bool) common.ErrorCode {
	t.Helper()
	if c.Client != nil {
		t.Fatal("SASL on a connection kio/client already reads")
	}
	m, err := sasl.ByName(mechanism, user, password)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := m.(*sasl.Scram); ok {
		s.Token = tokenAuth
	}
	caps := map[int16]int16{saslhandshake.APIKey: hv}
	if av >= 0 {
		caps[saslauthenticate.APIKey] = av
	}
	ctx, cancel := context.WithTimeout(context.Background(), testkit.IOTimeout)
	defer cancel()
	cl, err := (&client.Dialer{ClientID: clientID, SASL: m, MaxVersions: caps}).NewConn(ctx, c.Raw)
	var se *sasl.Error
	switch {
	case errors.As(err, &se) && se.Code != 0:
		return common.ErrorCode(se.Code)
	case err != nil:
		t.Fatalf("%s as %s (handshake v%d, authenticate v%d): %v", mechanism, user, hv, av, err)
	}
	if got, _ := cl.Version(saslhandshake.APIKey); got != hv {
		t.Fatalf("SaslHandshake negotiated at v%d, want v%d", got, hv)
	}
	c.Cov.Add(c.Listener, saslhandshake.APIKey, hv)
	if av >= 0 {
		if got, _ := cl.Version(saslauthenticate.APIKey); got != av {
			t.Fatalf("SaslAuthenticate negotiated at v%d, want v%d", got, av)
		}
		c.Cov.Add(c.Listener, saslauthenticate.APIKey, av)
	}
	c.Client = cl
	return common.None
}

// scramSaltedPassword is the SaltedPassword AlterUserScramCredentials carries.
func scramSaltedPassword(mechanism int8, password string, salt []byte, iterations int) []byte {
	h := sha256.New
	if mechanism == 2 {
		h = sha512.New
	}
	k, _ := pbkdf2.Key(h, password, salt, iterations, h().Size())
	return k
}
