package realkafka

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/saslauthenticate"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
)

// ioTimeout bounds every exchange with the broker, so a broker that does not answer
// fails the test instead of hanging it.
const ioTimeout = 30 * time.Second

var clientID = "kio-realkafka-test"

// coverage records the key/version pairs that completed a round trip, per listener.
type coverage struct {
	mu   sync.Mutex
	seen map[string]map[int16]map[int16]bool // listener -> key -> version
}

func (c *coverage) add(listener string, key, version int16) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]map[int16]map[int16]bool{}
	}
	if c.seen[listener] == nil {
		c.seen[listener] = map[int16]map[int16]bool{}
	}
	if c.seen[listener][key] == nil {
		c.seen[listener][key] = map[int16]bool{}
	}
	c.seen[listener][key][version] = true
}

// has reports whether key at version completed on listener.
func (c *coverage) has(listener string, key, version int16) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[listener][key][version]
}

// totals returns the distinct API keys and key/version pairs over every listener.
func (c *coverage) totals() (keys, pairs int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	all := map[int16]map[int16]bool{}
	for _, byKey := range c.seen {
		for k, vs := range byKey {
			if all[k] == nil {
				all[k] = map[int16]bool{}
			}
			for v := range vs {
				all[k][v] = true
			}
		}
	}
	for _, vs := range all {
		pairs += len(vs)
	}
	return len(all), pairs
}

// describe lists one listener's pairs: "Produce(0) v3-v11; ...".
func (c *coverage) describe(listener string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var keys []int16
	for k := range c.seen[listener] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		var vs []int
		for v := range c.seen[listener][k] {
			vs = append(vs, int(v))
		}
		slices.Sort(vs)
		api, _ := schema.Lookup(k)
		label := fmt.Sprintf("v%d", vs[0])
		if len(vs) > 1 {
			label += fmt.Sprintf("-v%d", vs[len(vs)-1])
			if vs[len(vs)-1]-vs[0]+1 != len(vs) {
				label = fmt.Sprint(vs)
			}
		}
		parts = append(parts, api.String()+" "+label)
	}
	return strings.Join(parts, "; ")
}

// conn is one TCP connection to a listener. Requests go through kio/client (made on
// the first call, over the connection as it then is: after a test's raw bytes, such as
// a version 0 SASL exchange, if any); c is the socket itself, for the tests that write
// raw bytes before any call, and for closing.
type conn struct {
	listener string // "broker" or "controller", for coverage
	addr     string
	c        net.Conn
	cl       *client.Conn
	cov      *coverage
}

func dial(t testing.TB, listener, addr string, cov *coverage) *conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &conn{listener: listener, addr: addr, c: c, cov: cov}
}

// client returns the kio/client connection over c, negotiating versions on first use.
func (c *conn) client(t testing.TB) *client.Conn {
	t.Helper()
	if c.cl == nil {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		cl, err := (&client.Dialer{ClientID: clientID}).NewConn(ctx, c.c)
		if err != nil {
			t.Fatalf("connect to %s: %v", c.addr, err)
		}
		c.cl = cl
	}
	return c.cl
}

// call sends req (a pointer to a generated request) at version and returns the decoded
// response, failing the test on any transport or codec error. A version the listener
// does not advertise (some steps ask for a refusal) goes as a raw frame, which kio/client
// sends unchecked, and is decoded here.
func call[Resp any](t testing.TB, c *conn, version int16, req any) *Resp {
	t.Helper()
	api, ok := schema.LookupBody(req)
	if !ok || api.Request != reflect.TypeOf(req).Elem() {
		t.Fatalf("%T is not a generated request type", req)
	}
	cl := c.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	var out any
	var err error
	if r, served := cl.BrokerVersions(api.Key); served && r.Contains(version) {
		out, err = cl.CallVersion(ctx, req, version)
	} else {
		out, err = c.rawCall(ctx, t, api, version, req)
	}
	if err != nil {
		t.Fatalf("%v v%d to %s: %v", api, version, c.addr, err)
	}
	body, ok := out.(*Resp)
	if !ok {
		t.Fatalf("%v v%d: body %T, want *%v", api, version, out, reflect.TypeFor[Resp]())
	}
	c.cov.add(c.listener, api.Key, version)
	return body
}

// rawCall encodes req at version, whatever the listener advertises, sends it through
// kio/client's raw frame path and decodes the answer.
func (c *conn) rawCall(ctx context.Context, t testing.TB, api *schema.API, version int16, req any) (any, error) {
	t.Helper()
	r, err := frame.NewRequest(req, version, 1, &clientID)
	if err != nil {
		return nil, err
	}
	var f frame.Framer
	out, err := f.AppendRequest(nil, r)
	if err != nil {
		return nil, err
	}
	resp, err := c.client(t).RoundTripFrame(ctx, out)
	if err != nil {
		return nil, err
	}
	got, err := f.ParseResponse(resp, api.Key, version)
	if err != nil {
		return nil, err
	}
	return got.Body, nil
}

// expectClosed sends req at version as a raw frame and requires the listener to close
// the connection instead of answering.
func expectClosed(t testing.TB, c *conn, version int16, req any) *schema.API {
	t.Helper()
	api, ok := schema.LookupBody(req)
	if !ok {
		t.Fatalf("%T is not a generated request type", req)
	}
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	if _, err := c.rawCall(ctx, t, api, version, req); !errors.Is(err, client.ErrClosed) || !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
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
func saslAuth(t testing.TB, c *conn, hv, av int16, mechanism, user, password string, tokenAuth bool) common.ErrorCode {
	t.Helper()
	if c.cl != nil {
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
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	cl, err := (&client.Dialer{ClientID: clientID, SASL: m, MaxVersions: caps}).NewConn(ctx, c.c)
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
	c.cov.add(c.listener, saslhandshake.APIKey, hv)
	if av >= 0 {
		if got, _ := cl.Version(saslauthenticate.APIKey); got != av {
			t.Fatalf("SaslAuthenticate negotiated at v%d, want v%d", got, av)
		}
		c.cov.add(c.listener, saslauthenticate.APIKey, av)
	}
	c.cl = cl
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
