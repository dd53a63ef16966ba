package schema

import (
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/kio-go/kafka-protocol/kio/tags"
)

// API describes one Kafka API: its key, its request and response types, and the versions
// the specs of the merged Kafka releases define. The index (index.go) holds one per key;
// Lookup, LookupBody and APIs return copies, so changing one changes nothing else.
type API struct {
	Key      int16
	Name     string       // the API name: "Metadata", "ApiVersions"
	Package  string       // import path of its package, e.g. ".../kio/schema/metadata"
	Request  reflect.Type // the request struct type, e.g. metadata.MetadataRequest
	Response reflect.Type // the response struct type, e.g. metadata.MetadataResponse

	Versions       tags.Range // every version some merged release defines (request and response alike)
	Flexible       tags.Range // flexible versions
	Deprecated     tags.Range // deprecated versions (informational)
	LatestUnstable bool       // the latest version is not yet stable
	Unstable       tags.Range // the versions the newest release marks unstable (its latest, or none)

	listeners   []string
	releases    []ReleaseVersions
	newRequest  func() any
	newResponse func() any
}

// ReleaseVersions is what one Kafka release's specs define of an API or message.
type ReleaseVersions struct {
	Release  string     // the release as Releases names it, e.g. "3.9.2" or "4.4.0"
	Versions tags.Range // the versions the release defines; tags.None() where it has none
	Unstable tags.Range // the release's latest version where it marks it unstable, else tags.None()
}

// Releases names the Kafka releases whose specs the schema merges, oldest first, as
// they ship on Maven Central ("3.9.2", "4.4.0"); API.Releases and Message.Releases say
// what each defines.
func Releases() []string { return slices.Clone(releases[:]) }

// releaseIn returns the entry of rels for the named release.
func releaseIn(rels []ReleaseVersions, name string) (ReleaseVersions, bool) {
	for _, r := range rels {
		if r.Release == name {
			return r, true
		}
	}
	return ReleaseVersions{Release: name, Versions: tags.None(), Unstable: tags.None()}, false
}

// Listeners returns the listeners serving the API (zkBroker, broker, controller) as the
// newest release that defines one of its versions says.
func (a *API) Listeners() []string { return slices.Clone(a.listeners) }

// Releases returns, for every merged release, oldest first, the versions it defines.
func (a *API) Releases() []ReleaseVersions { return slices.Clone(a.releases) }

// Release returns what the named release (as Releases names it) defines of the API, and
// whether the release is one the schema merges: whether Kafka 4.4.0 still serves
// Produce v2 is
//
//	r, _ := produceAPI.Release("4.4.0"); r.Versions.Contains(2)
func (a *API) Release(name string) (ReleaseVersions, bool) { return releaseIn(a.releases, name) }

// ReleaseVersions returns the versions the named release defines, and whether the
// release is one the schema merges.
//
// Deprecated: use Release(name).Versions; ReleaseVersions names the type Release returns.
func (a *API) ReleaseVersions(release string) (tags.Range, bool) {
	r, ok := a.Release(release)
	return r.Versions, ok
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

// NewRequestBody returns a pointer to a new zero request body of the API, e.g.
// *metadata.MetadataRequest, as Message.New does for a message. Spec defaults are not
// applied; use serial.SetDefaults.
func (a *API) NewRequestBody() any { return a.newRequest() }

// NewResponseBody returns a pointer to a new zero response body of the API.
func (a *API) NewResponseBody() any { return a.newResponse() }

// NewRequest returns a pointer to a new zero request body of the API.
//
// Deprecated: use NewRequestBody; a "new request" is a framed one (header and body).
func (a *API) NewRequest() any { return a.newRequest() }

// NewResponse returns a pointer to a new zero response body of the API.
//
// Deprecated: use NewResponseBody, which pairs with NewRequestBody.
func (a *API) NewResponse() any { return a.newResponse() }

// String returns the API's name and key, e.g. "Metadata(3)".
func (a *API) String() string { return a.Name + "(" + strconv.Itoa(int(a.Key)) + ")" }

// Lookup returns (a copy of) the API with the given key.
func Lookup(key int16) (*API, bool) {
	a, ok := lookupShared(key)
	if !ok {
		return nil, false
	}
	c := *a
	return &c, true
}

// lookupShared returns the index's own API for key, for the package's read-only use
// (framing looks an API up per frame, and a copy would cost an allocation each time).
func lookupShared(key int16) (*API, bool) {
	if key < 0 || int(key) >= len(apisByKey) || apisByKey[key] == nil {
		return nil, false
	}
	return apisByKey[key], true
}

// LookupBody returns (a copy of) the API whose request or response body is v, a
// generated request or response struct or a pointer to one (such as
// *metadata.MetadataRequest), so a header can be filled from the body alone.
func LookupBody(v any) (*API, bool) {
	t := reflect.TypeOf(v)
	if t == nil {
		return nil, false
	}
	if t.Kind() != reflect.Pointer {
		t = reflect.PointerTo(t)
	}
	for _, a := range apisByKey {
		if a != nil && (a.Request == t.Elem() || a.Response == t.Elem()) {
			c := *a
			return &c, true
		}
	}
	return nil, false
}

// APIs returns (copies of) every API, sorted by key.
func APIs() []*API {
	n := 0
	for _, a := range apisByKey {
		if a != nil {
			n++
		}
	}
	copies := make([]API, 0, n)
	out := make([]*API, 0, n)
	for _, a := range apisByKey {
		if a != nil {
			copies = append(copies, *a)
			out = append(out, &copies[len(copies)-1])
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
	Versions tags.Range // every version some merged release defines
	Flexible tags.Range

	releases []ReleaseVersions
	newValue func() any
}

// Releases returns, for every merged release, oldest first, the versions it defines.
func (m *Message) Releases() []ReleaseVersions { return slices.Clone(m.releases) }

// Release returns what the named release (as Releases names it) defines of the message,
// and whether the release is one the schema merges.
func (m *Message) Release(name string) (ReleaseVersions, bool) { return releaseIn(m.releases, name) }

// New returns a pointer to a new zero value of the message's type (for a request or
// response, what API.NewRequestBody or NewResponseBody returns).
func (m *Message) New() any { return m.newValue() }

// LookupMessage returns (a copy of) the message with the given spec name, e.g.
// "RequestHeader", "LeaderChangeMessage" or "MetadataRequest".
func LookupMessage(name string) (*Message, bool) {
	i, ok := slices.BinarySearchFunc(messagesByName[:], name, func(m *Message, name string) int {
		return strings.Compare(m.Name, name)
	})
	if !ok {
		return nil, false
	}
	c := *messagesByName[i]
	return &c, true
}

// Messages returns (copies of) every message, sorted by name.
func Messages() []*Message {
	copies := make([]Message, len(messagesByName))
	out := make([]*Message, len(messagesByName))
	for i, m := range messagesByName {
		copies[i] = *m
		out[i] = &copies[i]
	}
	return out
}
