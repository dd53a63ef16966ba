package realkafka

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
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

// conn is one TCP connection to a listener, spoken through kio alone.
type conn struct {
	listener string // "broker" or "controller", for coverage
	addr     string
	c        net.Conn
	framer   frame.Framer
	nextID   int32
	cov      *coverage
}

func dial(t testing.TB, listener, addr string, cov *coverage) *conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &conn{listener: listener, addr: addr, c: c, nextID: 1, cov: cov}
}

// send writes req at version and returns the correlation id used.
func (c *conn) send(t testing.TB, version int16, req any) (*schema.API, int32) {
	t.Helper()
	api, ok := schema.LookupBody(req)
	if !ok || api.Request != reflect.TypeOf(req).Elem() {
		t.Fatalf("%T is not a generated request type", req)
	}
	id := c.nextID
	c.nextID++
	c.c.SetDeadline(time.Now().Add(ioTimeout))
	err := c.framer.WriteRequest(c.c, &frame.Request{
		Header: requestheader.RequestHeader{RequestApiKey: api.Key, RequestApiVersion: version, CorrelationId: id, ClientId: &clientID},
		Body:   req,
	})
	if err != nil {
		t.Fatalf("%v v%d to %s: write: %v", api, version, c.addr, err)
	}
	return api, id
}

// call sends req (a pointer to a generated request) at version and returns the decoded
// response, failing the test on any transport or codec error or a wrong correlation id.
func call[Resp any](t testing.TB, c *conn, version int16, req any) *Resp {
	t.Helper()
	api, id := c.send(t, version, req)
	resp, err := c.framer.ReadResponse(c.c, api.Key, version)
	if err != nil {
		t.Fatalf("%v v%d from %s: read: %v", api, version, c.addr, err)
	}
	if resp.Header.CorrelationId != id {
		t.Fatalf("%v v%d: correlation id %d, want %d", api, version, resp.Header.CorrelationId, id)
	}
	body, ok := resp.Body.(*Resp)
	if !ok {
		t.Fatalf("%v v%d: body %T, want *%v", api, version, resp.Body, reflect.TypeFor[Resp]())
	}
	c.cov.add(c.listener, api.Key, version)
	return body
}

// saslAuth authenticates c with mechanism ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
// through SaslHandshake hv and SaslAuthenticate av (av < 0: SaslHandshake v0's raw
// tokens). tokenAuth marks a delegation token's SCRAM login (user is the token id,
// password its HMAC). It returns the error of the last step, NONE on success.
func saslAuth(t testing.TB, c *conn, hv, av int16, mechanism, user, password string, tokenAuth bool) common.ErrorCode {
	t.Helper()
	hs := call[saslhandshake.SaslHandshakeResponse](t, c, hv, &saslhandshake.SaslHandshakeRequest{Mechanism: mechanism})
	if hs.ErrorCode != common.None {
		return hs.ErrorCode
	}
	if !slices.Contains(hs.Mechanisms, mechanism) {
		t.Fatalf("SaslHandshake v%d: mechanisms %v lack %s", hv, hs.Mechanisms, mechanism)
	}
	exchange := func(token []byte) ([]byte, common.ErrorCode) {
		if av < 0 { // v0 handshake: the tokens travel as bare size-prefixed frames
			c.c.SetDeadline(time.Now().Add(ioTimeout))
			frame := binary.BigEndian.AppendUint32(nil, uint32(len(token)))
			if _, err := c.c.Write(append(frame, token...)); err != nil {
				t.Fatalf("raw SASL token: %v", err)
			}
			var size [4]byte
			if _, err := io.ReadFull(c.c, size[:]); err != nil {
				return nil, common.SaslAuthenticationFailed // the broker closes on failure
			}
			out := make([]byte, binary.BigEndian.Uint32(size[:]))
			if _, err := io.ReadFull(c.c, out); err != nil {
				t.Fatalf("raw SASL token: %v", err)
			}
			return out, common.None
		}
		r := call[saslauthenticate.SaslAuthenticateResponse](t, c, av, &saslauthenticate.SaslAuthenticateRequest{AuthBytes: token})
		if r.ErrorCode == common.None && av >= 1 && r.SessionLifetimeMs < 0 {
			t.Errorf("SaslAuthenticate v%d: session lifetime %d", av, r.SessionLifetimeMs)
		}
		return r.AuthBytes, r.ErrorCode
	}
	switch mechanism {
	case "PLAIN":
		out, code := exchange([]byte("\x00" + user + "\x00" + password))
		if code == common.None && len(out) != 0 {
			t.Errorf("PLAIN: server sent %q", out)
		}
		return code
	case "SCRAM-SHA-256":
		return scram(t, exchange, sha256.New, user, password, tokenAuth)
	case "SCRAM-SHA-512":
		return scram(t, exchange, sha512.New, user, password, tokenAuth)
	}
	t.Fatalf("unknown mechanism %s", mechanism)
	return 0
}

// scram runs RFC 5802's client side, checking the server's signature.
func scram(t testing.TB, exchange func([]byte) ([]byte, common.ErrorCode), h func() hash.Hash, user, password string, tokenAuth bool) common.ErrorCode {
	t.Helper()
	var raw [18]byte
	rand.Read(raw[:])
	nonce := base64.RawStdEncoding.EncodeToString(raw[:])
	first := "n=" + user + ",r=" + nonce
	if tokenAuth {
		first += ",tokenauth=true"
	}
	serverFirst, code := exchange([]byte("n,," + first))
	if code != common.None {
		return code
	}
	attrs := map[string]string{}
	for _, kv := range strings.Split(string(serverFirst), ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			attrs[k] = v
		}
	}
	salt, err := base64.StdEncoding.DecodeString(attrs["s"])
	var iterations int
	fmt.Sscan(attrs["i"], &iterations)
	if err != nil || iterations < 4096 || !strings.HasPrefix(attrs["r"], nonce) {
		t.Fatalf("SCRAM server-first %q", serverFirst)
	}
	salted, err := pbkdf2.Key(h, password, salt, iterations, h().Size())
	if err != nil {
		t.Fatal(err)
	}
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(h, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	clientKey := mac(salted, "Client Key")
	sum := h()
	sum.Write(clientKey)
	storedKey := sum.Sum(nil)
	withoutProof := "c=biws,r=" + attrs["r"]
	authMessage := first + "," + string(serverFirst) + "," + withoutProof
	proof := mac(storedKey, authMessage)
	for i := range proof {
		proof[i] ^= clientKey[i]
	}
	serverFinal, code := exchange([]byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)))
	if code != common.None {
		return code
	}
	want := "v=" + base64.StdEncoding.EncodeToString(mac(mac(salted, "Server Key"), authMessage))
	if string(serverFinal) != want {
		t.Fatalf("SCRAM server-final %q, want %q", serverFinal, want)
	}
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
