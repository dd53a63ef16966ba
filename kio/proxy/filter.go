package proxy

import (
	"fmt"
	"net"
	"reflect"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
)

// Verdict is what a filter decided about a request or response.
type Verdict int8

const (
	// Pass relays the message as it came: the original bytes when no filter changed it.
	Pass Verdict = iota
	// Modified relays the message as the filter changed it: kio encodes it again.
	Modified
	// Answered (returned by Call.Answer) answers a request from the proxy itself; it is
	// not sent upstream, and the answer takes its place in the connection's order.
	Answered
	// Drop drops the message. A dropped request is not sent upstream; if its client
	// expects an answer (all but a Produce with acks=0), the proxy closes the connection,
	// as a broker does with a request it refuses, because Kafka clients read responses in
	// request order and would otherwise wait forever. A dropped response closes the
	// connection.
	Drop
)

// verdictNames name the verdicts, by value.
var verdictNames = [...]string{Pass: "pass", Modified: "modified", Answered: "answered", Drop: "drop"}

// String names the verdict.
func (v Verdict) String() string {
	if v >= 0 && int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", int8(v))
}

// Conn describes a client connection to the proxy, for filters.
type Conn struct {
	ID       uint64   // unique within the Proxy, in accept order
	Client   net.Addr // the client's address
	Listener string   // the proxy listener's address the client connected to
	Upstream string   // the upstream broker's host:port this connection is relayed to
	// Principal is the SASL user the client authenticated as with the proxy itself
	// (Proxy.ClientSASL); "" when the proxy does not authenticate clients.
	Principal string
}

// Call is what a filter sees besides the typed message: the API, version and header of
// the request, the connection, and (in a response filter) the request when it was
// decoded. A Call is valid only during the filter's run.
type Call struct {
	APIKey  int16
	Version int16 // the request's version; a response is read at the same version
	// Header is the request's header; nil in response filters when the request was relayed
	// without being decoded (no request filter asked for its API).
	Header *requestheader.RequestHeader
	// Request is the decoded request body (such as *produce.ProduceRequest) in response
	// filters when the request was decoded, else nil. In request filters it is the body.
	Request any
	Conn    *Conn

	answer any
}

// Answer makes the proxy answer the request with resp (a pointer to the API's generated
// response struct, encoded at the request's version) instead of sending it upstream;
// return its result from a request filter. For a request that expects no answer (a
// Produce with acks=0) the answer is not sent.
func (c *Call) Answer(resp any) Verdict {
	c.answer = resp
	return Answered
}

type (
	requestHook  func(c *Call, body any) Verdict
	responseHook func(c *Call, body any) Verdict
)

// Filters holds the hooks a Proxy runs. Register them with OnRequest, OnResponse,
// OnEveryRequest and OnEveryResponse before the Proxy starts; a Filters must not change
// while a Proxy uses it. The zero value has no hooks: every frame is relayed without
// being decoded, except those the proxy itself must read (responses that carry broker
// endpoints, to rewrite them). ApiVersions is answered by the proxy itself (see
// ClampAPIVersions): request filters see it and may answer or drop it, but a change goes
// nowhere; response filters see the proxy's answer.
//
// Hooks run on the connection's goroutines: a connection's request hooks one at a time in
// request order, its response hooks one at a time in response order, but a request hook
// and a response hook of the same connection may run at once, and hooks of different
// connections run concurrently. Several hooks of one API run in registration order, each
// seeing the previous one's changes; the first that answers or drops ends the run.
type Filters struct {
	requests      map[int16][]requestHook
	responses     map[int16][]responseHook
	everyRequest  []requestHook
	everyResponse []responseHook
}

// apiOf finds the API of a generated request or response type; it panics on any other
// type, a programming error at setup (as http.Handle panics on a bad pattern).
func apiOf[T any](wantRequest bool) *schema.API {
	t := reflect.TypeFor[T]()
	api, ok := schema.LookupBody(reflect.New(t).Interface())
	if !ok || (wantRequest && api.Request != t) || (!wantRequest && api.Response != t) {
		kind := "response"
		if wantRequest {
			kind = "request"
		}
		panic(fmt.Sprintf("kio/proxy: %v is not a generated %s type of kio/schema", t, kind))
	}
	return api
}

// OnRequest registers hook for requests whose body is a T, a generated request struct
// such as produce.ProduceRequest; such requests are decoded. The hook may read and change
// the body (returning Modified), answer it (c.Answer), drop it, or pass it.
// It panics if T is not a generated request type.
func OnRequest[T any](f *Filters, hook func(c *Call, req *T) Verdict) {
	api := apiOf[T](true)
	if f.requests == nil {
		f.requests = map[int16][]requestHook{}
	}
	f.requests[api.Key] = append(f.requests[api.Key], func(c *Call, body any) Verdict { return hook(c, body.(*T)) })
}

// OnResponse registers hook for responses whose body is a T, a generated response struct
// such as fetch.FetchResponse; such responses are decoded. The hook may read and change
// the body (returning Modified), drop it (closing the connection) or pass it. Broker
// endpoints are already rewritten when it runs. It panics if T is not a generated
// response type.
func OnResponse[T any](f *Filters, hook func(c *Call, resp *T) Verdict) {
	api := apiOf[T](false)
	if f.responses == nil {
		f.responses = map[int16][]responseHook{}
	}
	f.responses[api.Key] = append(f.responses[api.Key], func(c *Call, body any) Verdict { return hook(c, body.(*T)) })
}

// OnEveryRequest registers hook for every request of an API kio knows, after the typed
// hooks of its API: every request is decoded. body is a pointer to the generated request.
func OnEveryRequest(f *Filters, hook func(c *Call, body any) Verdict) {
	f.everyRequest = append(f.everyRequest, hook)
}

// OnEveryResponse registers hook for every response of an API kio knows, after the typed
// hooks of its API: every response is decoded.
func OnEveryResponse(f *Filters, hook func(c *Call, body any) Verdict) {
	f.everyResponse = append(f.everyResponse, hook)
}

func (f *Filters) wantsRequest(key int16) bool {
	return f != nil && (len(f.everyRequest) > 0 || len(f.requests[key]) > 0)
}

func (f *Filters) wantsResponse(key int16) bool {
	return f != nil && (len(f.everyResponse) > 0 || len(f.responses[key]) > 0)
}

// runRequest runs the request hooks of c.APIKey on body and returns the combined verdict.
func (f *Filters) runRequest(c *Call, body any) Verdict {
	out := Pass
	for _, hooks := range [2][]requestHook{f.requests[c.APIKey], f.everyRequest} {
		for _, h := range hooks {
			switch v := h(c, body); v {
			case Answered, Drop:
				return v
			case Modified:
				out = Modified
			}
		}
	}
	return out
}

// runResponse runs the response hooks of c.APIKey on body and returns the combined verdict.
func (f *Filters) runResponse(c *Call, body any) Verdict {
	out := Pass
	for _, hooks := range [2][]responseHook{f.responses[c.APIKey], f.everyResponse} {
		for _, h := range hooks {
			switch v := h(c, body); v {
			case Drop:
				return v
			case Modified:
				out = Modified
			}
		}
	}
	return out
}
