package client

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/kio-go/kafka-protocol/kio/tags"
)

// ErrClosed is wrapped by every error of a call on a closed or broken connection.
var ErrClosed = errors.New("connection closed")

// ConnError reports a connection that broke or was closed: every call in flight at
// that moment, and every later one, returns it. It wraps ErrClosed and the cause.
type ConnError struct {
	Addr string // the broker's address
	Err  error  // why: io.EOF for a broker that closed the connection, a read error, a *frame.FrameError; nil after Close
}

func (e *ConnError) Error() string {
	if e.Err == nil {
		return "kio/client: connection to " + e.Addr + " closed"
	}
	return "kio/client: connection to " + e.Addr + " broken: " + e.Err.Error()
}

// Unwrap returns ErrClosed and the cause.
func (e *ConnError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrClosed}
	}
	return []error{ErrClosed, e.Err}
}

// Errors a VersionError wraps.
var (
	ErrAPINotServed     = errors.New("the broker does not serve this API")
	ErrVersionNotServed = errors.New("the broker does not serve this API version")
	ErrNotRequest       = errors.New("not a generated request body")
)

// VersionError reports a request the broker cannot be sent: its API is not served, or
// no version of it is both kio's and the broker's, or the pinned version is outside
// what the broker serves. Nothing was sent.
type VersionError struct {
	API     string     // the API's name, e.g. "Metadata"
	Key     int16      // its key
	Version int16      // the version pinned, or -1
	Broker  tags.Range // what the broker serves (empty when it does not serve the API)
	Kio     tags.Range // what kio knows (capped by Dialer.MaxVersions)
	Err     error      // ErrAPINotServed or ErrVersionNotServed
}

func (e *VersionError) Error() string {
	msg := fmt.Sprintf("kio/client: %s(%d)", e.API, e.Key)
	if e.Version >= 0 {
		msg += fmt.Sprintf(" v%d", e.Version)
	}
	msg += ": " + e.Err.Error()
	if e.Broker.Hi >= e.Broker.Lo {
		msg += fmt.Sprintf(" (broker serves %d-%d, kio %d-%d)", e.Broker.Lo, e.Broker.Hi, e.Kio.Lo, e.Kio.Hi)
	}
	return msg
}

// Unwrap returns ErrAPINotServed or ErrVersionNotServed.
func (e *VersionError) Unwrap() error { return e.Err }

// ResponseTypeError reports that Call's type parameter is not the response type of the
// request's API. Nothing was sent.
type ResponseTypeError struct {
	API  string       // the request's API
	Have reflect.Type // Call's type parameter
	Want reflect.Type // the API's response type
}

func (e *ResponseTypeError) Error() string {
	return fmt.Sprintf("kio/client: Call[%v] for a %s request, whose response is %v", e.Have, e.API, e.Want)
}
