package testkit

import (
	"context"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
)

// IOTimeout bounds every exchange with a peer, so a peer that does not answer fails the
// test instead of hanging it.
const IOTimeout = 30 * time.Second

// Conn is one TCP connection to a peer's listener, spoken through kio alone:
// kio/client and kio's generated structs. The kio/client connection is made on the
// first call over the socket as it then is (after a test's raw bytes, such as a version
// 0 SASL exchange, if any); Raw is the socket itself, for the tests that write bytes
// before any call.
type Conn struct {
	Listener string // the peer's listener, as Coverage records it ("broker", "controller")
	Addr     string
	ClientID string // the client id of every request header
	Raw      net.Conn
	// Client is the kio/client connection once made (by Client, or by a test that
	// authenticates Raw itself); nil before.
	Client *client.Conn
	Cov    *Coverage
}

// Dial connects to addr; the caller closes the connection (a suite's connections may
// outlive the subtest that dials them).
func Dial(t testing.TB, listener, addr, clientID string, cov *Coverage) *Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, IOTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	return &Conn{Listener: listener, Addr: addr, ClientID: clientID, Raw: c, Cov: cov}
}

// Close closes the connection.
func (c *Conn) Close() {
	if c.Client != nil {
		c.Client.Close()
	}
	c.Raw.Close()
}

// Connect returns the kio/client connection over Raw, negotiating versions on first use.
func (c *Conn) Connect(t testing.TB) *client.Conn {
	t.Helper()
	if c.Client == nil {
		ctx, cancel := context.WithTimeout(context.Background(), IOTimeout)
		defer cancel()
		cl, err := (&client.Dialer{ClientID: c.ClientID}).NewConn(ctx, c.Raw)
		if err != nil {
			t.Fatalf("connect to %s: %v", c.Addr, err)
		}
		c.Client = cl
	}
	return c.Client
}

// Call sends req (a pointer to a generated request) at version on c and returns the
// decoded response body, failing the test on any transport or codec error (kio/client
// matches the response to the request by correlation id). A version the listener does
// not advertise (some steps ask for a refusal) goes as a raw frame, which kio/client
// sends unchecked. The pair is recorded in c.Cov once it completed.
func Call[Resp any](t testing.TB, c *Conn, version int16, req any) *Resp {
	t.Helper()
	api, ok := schema.LookupBody(req)
	if !ok || api.Request != reflect.TypeOf(req).Elem() {
		t.Fatalf("%T is not a generated request type", req)
	}
	cl := c.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), IOTimeout)
	defer cancel()
	var out any
	var err error
	if r, served := cl.BrokerVersions(api.Key); served && r.Contains(version) {
		out, err = cl.CallVersion(ctx, req, version)
	} else {
		out, err = c.RawCall(ctx, t, api, version, req)
	}
	if err != nil {
		t.Fatalf("%v v%d to %s: %v", api, version, c.Addr, err)
	}
	body, ok := out.(*Resp)
	if !ok {
		t.Fatalf("%v v%d: response body is %T, want *%v", api, version, out, reflect.TypeFor[Resp]())
	}
	c.Cov.Add(c.Listener, api.Key, version)
	return body
}

// RawCall encodes req at version, whatever the listener advertises, sends it through
// kio/client's raw frame path and decodes the answer. It records no coverage.
func (c *Conn) RawCall(ctx context.Context, t testing.TB, api *schema.API, version int16, req any) (any, error) {
	t.Helper()
	r, err := frame.NewRequest(req, version, 1, &c.ClientID)
	if err != nil {
		return nil, err
	}
	var f frame.Framer
	out, err := f.AppendRequest(nil, r)
	if err != nil {
		return nil, err
	}
	resp, err := c.Connect(t).RoundTripFrame(ctx, out)
	if err != nil {
		return nil, err
	}
	got, err := f.ParseResponse(resp, api.Key, version)
	if err != nil {
		return nil, err
	}
	return got.Body, nil
}
