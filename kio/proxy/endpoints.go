package proxy

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/tags"

	"github.com/kio-go/kafka-protocol/kio/schema/describecluster"
	"github.com/kio-go/kafka-protocol/kio/schema/describequorum"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/findcoordinator"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/shareacknowledge"
	"github.com/kio-go/kafka-protocol/kio/schema/sharefetch"
)

// Endpoint is a broker (or controller) address as a Kafka response hands it to a client.
type Endpoint struct {
	NodeID int32 // the node the address belongs to; -1 where the response names none
	Host   string
	Port   int32
}

// String returns host:port.
func (e Endpoint) String() string { return net.JoinHostPort(e.Host, strconv.Itoa(int(e.Port))) }

// A Mapper returns the endpoint a client must be given in place of an upstream one: for
// a Proxy, the address of the listener it keeps for that upstream broker.
type Mapper func(upstream Endpoint) (Endpoint, error)

// endpointAPIs are the APIs whose responses carry broker endpoints, so the proxy decodes
// every response of theirs (see endpointFields for the fields and the reasons).
var endpointAPIs = map[int16]bool{
	produce.APIKey: true, fetch.APIKey: true, metadata.APIKey: true, findcoordinator.APIKey: true,
	describequorum.APIKey: true, describecluster.APIKey: true, sharefetch.APIKey: true,
	shareacknowledge.APIKey: true,
}

// CarriesEndpoints reports whether responses of the API may carry broker endpoints that
// RewriteEndpoints rewrites.
func CarriesEndpoints(apiKey int16) bool { return endpointAPIs[apiKey] }

// endpointVersions holds, per endpoint API, the versions whose responses have an
// endpoint field, read from the schema's tags (the top-level field of each rewritten
// path of endpointFields): Produce from v10 and Fetch from v16 (KIP-951), DescribeQuorum
// from v2. Older responses cannot carry one and are relayed undecoded.
var endpointVersions = func() map[int16][]tags.Range {
	out := map[int16][]tags.Range{}
	for _, f := range endpointFields {
		if !f.Rewritten {
			continue
		}
		msg, rest, _ := strings.Cut(f.Path, ".")
		top, _, _ := strings.Cut(rest, ".")
		m, ok := schema.LookupMessage(msg)
		if !ok {
			panic("kio/proxy: endpoint table names an unknown message " + msg)
		}
		sf, ok := m.Type.FieldByName(strings.TrimSuffix(top, "[]"))
		if !ok {
			panic("kio/proxy: endpoint table names an unknown field " + f.Path)
		}
		tf, err := tags.ParseField(sf.Tag.Get("kafka"))
		if err != nil {
			panic("kio/proxy: " + err.Error())
		}
		out[m.APIKey] = append(out[m.APIKey], tf.Versions)
	}
	return out
}()

// carriesEndpointsAt reports whether responses of the API at the version may carry
// broker endpoints.
func carriesEndpointsAt(apiKey, version int16) bool {
	for _, r := range endpointVersions[apiKey] {
		if r.Contains(version) {
			return true
		}
	}
	return false
}

// RewriteEndpoints replaces, in place, every broker endpoint of a decoded response body
// (a pointer to a generated response struct) with what m returns, and returns how many
// endpoints it rewrote. Bodies of APIs that carry no endpoint are left alone. An
// endpoint with an empty host or a negative port (FindCoordinator's answer when it has no
// coordinator) is not an address and is left as it is.
//
// The fields are those where Kafka hands broker addresses to clients: Metadata's
// brokers, FindCoordinator's host and port (v0-3) and its batched coordinators (v4+),
// DescribeCluster's brokers, the NodeEndpoints of Produce, Fetch, ShareFetch and
// ShareAcknowledge responses (KIP-951, KIP-932) and DescribeQuorum's nodes' listeners.
func RewriteEndpoints(body any, m Mapper) (int, error) {
	var r rewriter
	r.m = m
	switch b := body.(type) { // by API key
	case *produce.ProduceResponse:
		nodeEndpoints(&r, b.NodeEndpoints)
	case *fetch.FetchResponse:
		nodeEndpoints(&r, b.NodeEndpoints)
	case *metadata.MetadataResponse:
		nodeEndpoints(&r, b.Brokers)
	case *findcoordinator.FindCoordinatorResponse:
		r.int32Port(int32(b.NodeId), &b.Host, &b.Port)
		each(b.Coordinators, func(x *findcoordinator.Coordinator) { r.int32Port(int32(x.NodeId), &x.Host, &x.Port) })
	case *describequorum.DescribeQuorumResponse:
		each(b.Nodes, func(n *describequorum.Node) {
			each(n.Listeners, func(l *describequorum.Listener) { r.uint16Port(int32(n.NodeId), &l.Host, &l.Port) })
		})
	case *describecluster.DescribeClusterResponse:
		each(b.Brokers, func(x *describecluster.DescribeClusterBroker) { r.int32Port(int32(x.BrokerId), &x.Host, &x.Port) })
	case *sharefetch.ShareFetchResponse:
		nodeEndpoints(&r, b.NodeEndpoints)
	case *shareacknowledge.ShareAcknowledgeResponse:
		nodeEndpoints(&r, b.NodeEndpoints)
	}
	return r.n, r.err
}

// nodeEndpoint is the element type of Metadata's Brokers and of the NodeEndpoints of
// Produce, Fetch, ShareFetch and ShareAcknowledge (KIP-951, KIP-932): each message
// declares it under its own name, with the same fields, so one loop serves the five.
type nodeEndpoint interface {
	metadata.MetadataResponseBroker | produce.NodeEndpoint | fetch.NodeEndpoint |
		sharefetch.NodeEndpoint | shareacknowledge.NodeEndpoint
}

// nodeEndpoints rewrites every endpoint of s, through a copy of each element as
// produce.NodeEndpoint (a conversion between the same fields: Go converts values, not
// pointers, of a type parameter).
func nodeEndpoints[E nodeEndpoint](r *rewriter, s []E) {
	for i := range s {
		x := produce.NodeEndpoint(s[i])
		r.int32Port(int32(x.NodeId), &x.Host, &x.Port)
		s[i] = E(x)
	}
}

// each calls f with a pointer to each element of s, for the endpoint lists whose element
// types differ from nodeEndpoint's.
func each[E any](s []E, f func(*E)) {
	for i := range s {
		f(&s[i])
	}
}

// rewriter applies a Mapper to endpoint fields, counting them and keeping the first
// error (the kbin style: a sticky error, checked once at the end).
type rewriter struct {
	m   Mapper
	n   int
	err error
}

func (r *rewriter) int32Port(node int32, host *string, port *int32) {
	if r.err != nil || *host == "" || *port < 0 {
		return
	}
	to, err := r.m(Endpoint{NodeID: node, Host: *host, Port: *port})
	if err != nil {
		r.err = err
		return
	}
	*host, *port = to.Host, to.Port
	r.n++
}

func (r *rewriter) uint16Port(node int32, host *string, port *uint16) {
	p := int32(*port)
	before := r.n
	r.int32Port(node, host, &p)
	if r.n == before {
		return
	}
	if p < 0 || p > math.MaxUint16 {
		r.err = fmt.Errorf("proxy: port %d of %s does not fit a uint16 listener port", p, *host)
		return
	}
	*port = uint16(p)
}
