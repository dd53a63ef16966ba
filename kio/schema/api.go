package schema

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/kio-go/kafka-protocol/kio/tags"
)

// API describes one Kafka API: its key, its request and response types, and the versions
// the specs define. The index (index.go) holds one per key; get them with Lookup or APIs.
type API struct {
	Key      int16
	Name     string       // the API name: "Metadata", "ApiVersions"
	Package  string       // import path of its package, e.g. ".../kio/schema/metadata"
	Request  reflect.Type // the request struct type, e.g. metadata.MetadataRequest
	Response reflect.Type // the response struct type, e.g. metadata.MetadataResponse

	Versions       tags.Range // valid versions (the same for request and response)
	Flexible       tags.Range // flexible versions
	Deprecated     tags.Range // deprecated versions (informational)
	LatestUnstable bool       // the latest version is not yet stable
	Listeners      []string   // the listeners serving the API: zkBroker, broker, controller

	newRequest  func() any
	newResponse func() any
}

// API keys whose header versions do not follow the flexible-versions rule.
const (
	controlledShutdownKey = 7  // version 0 requests use request header v0 (no client id)
	apiVersionsKey        = 18 // responses always use response header v0
)

// RequestHeaderVersion returns the request header version a request of the given version
// uses: 2 for flexible versions, else 1, except ControlledShutdown v0, which uses 0.
func (a *API) RequestHeaderVersion(version int16) int16 {
	switch {
	case a.Key == controlledShutdownKey && version == 0:
		return 0
	case a.Flexible.Contains(version):
		return 2
	default:
		return 1
	}
}

// ResponseHeaderVersion returns the response header version a response of the given
// version uses: 1 for flexible versions, else 0, except ApiVersions, whose responses
// always use 0 so that a client can read them before it knows the broker's versions.
func (a *API) ResponseHeaderVersion(version int16) int16 {
	switch {
	case a.Key == apiVersionsKey:
		return 0
	case a.Flexible.Contains(version):
		return 1
	default:
		return 0
	}
}

// NewRequest returns a pointer to a new zero request of the API, e.g.
// *metadata.MetadataRequest. Spec defaults are not applied; use serial.SetDefaults.
func (a *API) NewRequest() any { return a.newRequest() }

// NewResponse returns a pointer to a new zero response of the API.
func (a *API) NewResponse() any { return a.newResponse() }

// String returns the API's name and key, e.g. "Metadata(3)".
func (a *API) String() string { return a.Name + "(" + strconv.Itoa(int(a.Key)) + ")" }

// Lookup returns the API with the given key.
func Lookup(key int16) (*API, bool) {
	if key < 0 || int(key) >= len(apisByKey) || apisByKey[key] == nil {
		return nil, false
	}
	return apisByKey[key], true
}

// LookupBody returns the API whose request or response body is v, a pointer to a
// generated request or response struct (such as *metadata.MetadataRequest), so a
// header can be filled from the body alone.
func LookupBody(v any) (*API, bool) {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return nil, false
	}
	for _, a := range apisByKey {
		if a != nil && (a.Request == t.Elem() || a.Response == t.Elem()) {
			return a, true
		}
	}
	return nil, false
}

// NewRequest wraps body, a pointer to a generated request struct, in a Request whose
// header names body's API, the version, the correlation id and the client id (nil for
// null), ready for Framer.WriteRequest or AppendRequest.
func NewRequest(body any, version int16, correlationID int32, clientID *string) (*Request, error) {
	a, ok := LookupBody(body)
	if !ok || reflect.TypeOf(body).Elem() != a.Request {
		return nil, frameError("new request", -1, version, fmt.Errorf("%w: %T is not a generated request", ErrBodyType, body))
	}
	if !a.Versions.Contains(version) {
		return nil, frameError("new request", a.Key, version, ErrUnsupportedVersion)
	}
	req := &Request{Body: body}
	req.Header.RequestApiKey, req.Header.RequestApiVersion = a.Key, version
	req.Header.CorrelationId, req.Header.ClientId = correlationID, clientID
	return req, nil
}

// APIs returns every API, sorted by key. The slice is new; the APIs are shared and must
// not be modified.
func APIs() []*API {
	out := make([]*API, 0, len(apisByKey))
	for _, a := range apisByKey {
		if a != nil {
			out = append(out, a)
		}
	}
	return out
}

// Message describes one top-level message of the specs: a request, response, header or
// data schema (such as ConsumerProtocolAssignment or LeaderChangeMessage).
type Message struct {
	Name     string    // the spec name, which is also the Go type name
	Kind     tags.Kind // tags.Request, tags.Response, tags.Header or tags.Data
	APIKey   int16     // the API key of a request or response; -1 otherwise
	Package  string    // import path of its package
	Type     reflect.Type
	Versions tags.Range
	Flexible tags.Range

	newValue func() any
}

// New returns a pointer to a new zero value of the message's type.
func (m *Message) New() any { return m.newValue() }

// LookupMessage returns the message with the given spec name, e.g. "RequestHeader",
// "LeaderChangeMessage" or "MetadataRequest".
func LookupMessage(name string) (*Message, bool) {
	i, ok := slices.BinarySearchFunc(messagesByName[:], name, func(m *Message, name string) int {
		return strings.Compare(m.Name, name)
	})
	if !ok {
		return nil, false
	}
	return messagesByName[i], true
}

// Messages returns every message, sorted by name. The slice is new; the messages are
// shared and must not be modified.
func Messages() []*Message { return slices.Clone(messagesByName[:]) }
