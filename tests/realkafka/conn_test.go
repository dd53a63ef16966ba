package realkafka

import (
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
)

// ioTimeout bounds every exchange with the broker, so a broker that does not answer
// fails the test instead of hanging it.
const ioTimeout = 30 * time.Second

var clientID = "kio-realkafka-test"

var apiByRequest = func() map[reflect.Type]*schema.API {
	m := map[reflect.Type]*schema.API{}
	for _, api := range schema.APIs() {
		m[api.Request] = api
	}
	return m
}()

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
	framer   schema.Framer
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
	api, ok := apiByRequest[reflect.TypeOf(req).Elem()]
	if !ok {
		t.Fatalf("%T is not a generated request type", req)
	}
	id := c.nextID
	c.nextID++
	c.c.SetDeadline(time.Now().Add(ioTimeout))
	err := c.framer.WriteRequest(c.c, &schema.Request{
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
