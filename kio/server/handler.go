package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"reflect"
	"sort"
	"sync"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// Request is a decoded request as a Handler receives it.
type Request struct {
	Header requestheader.RequestHeader
	// Body is a pointer to the API's generated request struct, e.g.
	// *metadata.MetadataRequest. Its bytes and records fields alias Frame.
	Body any
	// Frame is the request frame as read, size prefix included.
	Frame []byte
	// Peer is the connection the request came on.
	Peer *Peer
}

// Key returns the request's API key.
func (r *Request) Key() int16 { return r.Header.RequestApiKey }

// Version returns the request's API version, which is also the version the response
// body is written at.
func (r *Request) Version() int16 { return r.Header.RequestApiVersion }

// Peer describes a client connection. The server fills it before any handler runs
// and does not change it afterwards.
type Peer struct {
	RemoteAddr, LocalAddr net.Addr
	TLS                   *tls.ConnectionState // nil for a plaintext connection
	Mechanism             string               // the SASL mechanism authenticated with, or ""
	Principal             string               // the SASL principal (the user name), or ""
}

type peerKey struct{}

// PeerFromContext returns the Peer of the connection a handler's context belongs to.
func PeerFromContext(ctx context.Context) (*Peer, bool) {
	p, ok := ctx.Value(peerKey{}).(*Peer)
	return p, ok
}

// Handler answers requests. ServeKafka returns the response body, a pointer to the
// API's generated response struct at req.Version(); the server sets the correlation id
// and header. For a request that gets no response (Produce with acks=0) the return
// value is ignored. A handler that returns an error, or a nil body for a request that
// is answered, closes the connection; but an error carrying a Kafka error code (a
// common.ErrorCode, or an error wrapping one) is answered with that code where the
// response has a top-level ErrorCode (see "Error codes" in the package doc).
// ServeKafka may be called concurrently for
// different connections (and for one, with Server.ConnConcurrency above 1).
type Handler interface {
	ServeKafka(ctx context.Context, req *Request) (any, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Request) (any, error)

// ServeKafka calls f.
func (f HandlerFunc) ServeKafka(ctx context.Context, req *Request) (any, error) { return f(ctx, req) }

// Versioner is a Handler that says which APIs it serves, at which versions (by key).
// The server answers ApiVersions from it, intersected with what kio knows; a Handler
// that is not a Versioner is taken to serve every API kio knows.
type Versioner interface {
	Versions() map[int16]tags.Range
}

// ErrNotHandled is the error of a Mux asked for an API it has no handler for.
var ErrNotHandled = errors.New("no handler for this API")

// Mux routes requests to one Handler per API key. The zero value is empty and ready.
type Mux struct {
	mu     sync.RWMutex
	routes map[int16]route
}

type route struct {
	versions tags.Range
	h        Handler
}

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{} }

// Handle registers h for the API with the given key at the given versions (tags.All()
// for every version kio knows), replacing any earlier handler of that key. Registering
// ApiVersions (key 18) handles nothing, as the server answers it, but its versions cap
// what the server answers at.
func (m *Mux) Handle(key int16, versions tags.Range, h Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.routes == nil {
		m.routes = map[int16]route{}
	}
	m.routes[key] = route{versions: versions, h: h}
}

// ServeKafka calls the handler of req's API.
func (m *Mux) ServeKafka(ctx context.Context, req *Request) (any, error) {
	m.mu.RLock()
	r, ok := m.routes[req.Key()]
	m.mu.RUnlock()
	if !ok || r.h == nil || !r.versions.Contains(req.Version()) {
		return nil, fmt.Errorf("kio/server: %w: key %d version %d", ErrNotHandled, req.Key(), req.Version())
	}
	return r.h.ServeKafka(ctx, req)
}

// Versions returns the APIs handled and their versions, as registered.
func (m *Mux) Versions() map[int16]tags.Range {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[int16]tags.Range, len(m.routes))
	for k, r := range m.routes {
		out[k] = r.versions
	}
	return out
}

// Handle registers a typed handler on m for the API whose request type is Req, at
// every version kio knows:
//
//	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) { ... })
//
// It panics if Req is not a generated request type or Resp not its response type, a
// programming error found at startup.
func Handle[Req, Resp any](m *Mux, fn func(ctx context.Context, req *Request, body *Req) (*Resp, error)) {
	HandleVersions(m, tags.All(), fn)
}

// HandleVersions is Handle for the given versions only.
func HandleVersions[Req, Resp any](m *Mux, versions tags.Range, fn func(ctx context.Context, req *Request, body *Req) (*Resp, error)) {
	api, ok := schema.LookupBody((*Req)(nil))
	if !ok || api.Request != reflect.TypeFor[Req]() {
		panic(fmt.Sprintf("kio/server: Handle: %v is not a generated request type", reflect.TypeFor[Req]()))
	}
	if api.Response != reflect.TypeFor[Resp]() {
		panic(fmt.Sprintf("kio/server: Handle: %v answers %v, not %v", api.Request, api.Response, reflect.TypeFor[Resp]()))
	}
	m.Handle(api.Key, versions, HandlerFunc(func(ctx context.Context, req *Request) (any, error) {
		body, ok := req.Body.(*Req)
		if !ok {
			return nil, fmt.Errorf("kio/server: %v handler given %T", api.Name, req.Body)
		}
		resp, err := fn(ctx, req, body)
		if resp == nil || err != nil {
			return nil, err // a typed nil must not look like a response
		}
		return resp, nil
	}))
}

// served computes what the server answers ApiVersions with: the handler's versions
// (all kio knows for a plain Handler) within kio's, by key.
func served(h Handler) map[int16]tags.Range {
	out := map[int16]tags.Range{}
	var declared map[int16]tags.Range
	if v, ok := h.(Versioner); ok {
		declared = v.Versions()
	}
	for _, api := range schema.APIs() {
		r := stable(api)
		if declared != nil {
			d, ok := declared[api.Key]
			if !ok {
				continue
			}
			r = tags.Range{Lo: max(r.Lo, d.Lo), Hi: min(r.Hi, d.Hi)}
		}
		if r.Lo <= r.Hi {
			out[api.Key] = r
		}
	}
	return out
}

// stable is what kio knows of api without the versions the newest release marks
// unstable, which Kafka's broker does not advertise either (unstable.api.versions.enable).
func stable(api *schema.API) tags.Range {
	r := api.Versions
	if api.Unstable.Lo <= api.Unstable.Hi && r.Hi >= api.Unstable.Lo {
		r.Hi = api.Unstable.Lo - 1
	}
	return r
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[int16]tags.Range) []int16 {
	keys := make([]int16, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
