package kfake

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/schema"
)

// kfakeIOTimeout bounds every request/response exchange with the broker, so a broker
// that does not answer fails the test instead of hanging it.
const kfakeIOTimeout = 10 * time.Second

// kfakeClientID is the client id every request header of the kfake suite carries.
var kfakeClientID = "kio-kfake-test"

// kfakeConn is one connection to a broker, spoken through kio alone: kio/client, kio's
// generated structs, no other Kafka client code.
type kfakeConn struct {
	addr string
	cl   *client.Conn
	cov  *kfakeCoverage
}

// kfakeCoverage records the API/version pairs that completed a round trip, by API key
// (schema.Lookup returns a copy of an API each time, so pointers cannot be keys).
type kfakeCoverage struct {
	mu   sync.Mutex
	seen map[int16]map[int16]bool
}

func (c *kfakeCoverage) add(api *schema.API, version int16) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[int16]map[int16]bool{}
	}
	if c.seen[api.Key] == nil {
		c.seen[api.Key] = map[int16]bool{}
	}
	c.seen[api.Key][version] = true
}

// String lists the exercised pairs by API key: "ApiVersions(18) v0,v1,...; ...".
func (c *kfakeCoverage) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := slices.Sorted(maps.Keys(c.seen))
	pairs := 0
	var parts []string
	for _, key := range keys {
		versions := slices.Sorted(maps.Keys(c.seen[key]))
		labels := make([]string, len(versions))
		for i, v := range versions {
			labels[i] = fmt.Sprintf("v%d", v)
		}
		pairs += len(versions)
		name := fmt.Sprint(key)
		if api, ok := schema.Lookup(key); ok {
			name = api.String()
		}
		parts = append(parts, name+" "+strings.Join(labels, ","))
	}
	return fmt.Sprintf("%d API/version pairs over %d APIs: %s", pairs, len(keys), strings.Join(parts, "; "))
}

// dialKfake connects to addr; the caller closes the connection.
func dialKfake(t testing.TB, addr string, cov *kfakeCoverage) *kfakeConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), kfakeIOTimeout)
	defer cancel()
	cl, err := (&client.Dialer{ClientID: kfakeClientID}).Dial(ctx, addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	return &kfakeConn{addr: addr, cl: cl, cov: cov}
}

// kfakeCall sends req (a pointer to a generated request struct) at version on c and
// returns the decoded response body. It fails the test on any transport or codec error
// (kio/client matches the response to the request by correlation id).
func kfakeCall[Resp any](t testing.TB, c *kfakeConn, version int16, req any) *Resp {
	t.Helper()
	api, ok := schema.LookupBody(req)
	if !ok || api.Request != reflect.TypeOf(req).Elem() {
		t.Fatalf("%T is not a generated request type", req)
	}
	ctx, cancel := context.WithTimeout(context.Background(), kfakeIOTimeout)
	defer cancel()
	out, err := c.cl.CallVersion(ctx, req, version)
	if err != nil {
		t.Fatalf("%v v%d to %s: %v", api, version, c.addr, err)
	}
	body, ok := out.(*Resp)
	if !ok {
		t.Fatalf("%v v%d: response body is %T, want *%v", api, version, out, reflect.TypeFor[Resp]())
	}
	c.cov.add(api, version)
	return body
}
