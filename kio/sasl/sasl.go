// Package sasl holds the SASL mechanisms a Kafka connection authenticates with, for both
// sides of the wire: PLAIN (RFC 4616), SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC
// 7677) with Kafka's delegation-token extension, and the interfaces another mechanism
// (OAUTHBEARER, say) implements to plug in.
//
// A mechanism only turns tokens into tokens. Carrying them is the connection's business:
// kio/client sends them in SaslAuthenticate requests after a SaslHandshake (or, after a
// version 0 handshake, as bare size-prefixed tokens, as Kafka 0.10 clients did), and
// kio/server answers them the same two ways.
package sasl

import (
	"context"
	"errors"
	"fmt"
)

// Mechanism is the client side of a SASL mechanism. Start begins one authentication
// exchange: the Session it returns handles the server's tokens, and the initial token
// is the client's first message (every mechanism Kafka serves speaks first).
type Mechanism interface {
	// Name is the mechanism's name as SaslHandshake carries it, e.g. "SCRAM-SHA-512".
	Name() string
	// Start begins an exchange and returns its session and the client's first token.
	Start(ctx context.Context) (s Session, initial []byte, err error)
}

// Session is one client-side authentication exchange in progress.
type Session interface {
	// Challenge handles the server's latest token. It returns done when the exchange
	// is complete (the server's last token checked, where the mechanism checks it),
	// else the client's next token.
	Challenge(serverToken []byte) (done bool, response []byte, err error)
}

// ServerMechanism is the server side of a SASL mechanism.
type ServerMechanism interface {
	// Name is the mechanism's name as SaslHandshake carries it.
	Name() string
	// Start begins an exchange with one client.
	Start(ctx context.Context) ServerSession
}

// ServerSession is one server-side authentication exchange in progress.
type ServerSession interface {
	// Step handles the client's latest token and returns the server's answer. done
	// means the client is authenticated (the answer, possibly empty, is still sent);
	// an error means it is not, and the connection is to be closed after saying so.
	Step(clientToken []byte) (challenge []byte, done bool, err error)
	// Principal names the authenticated client once Step has returned done.
	Principal() string
}

// ErrAuthentication is what every failed authentication wraps, on both sides: wrong
// credentials, an unknown user, a malformed or out-of-order token, a server whose SCRAM
// signature does not verify.
var ErrAuthentication = errors.New("authentication failed")

// Error reports a failed authentication: the mechanism, what went wrong, and for an
// answer from a broker the error code and message it sent. It wraps ErrAuthentication
// and, where there is one, the cause.
type Error struct {
	Mechanism string
	Code      int16  // the broker's error code, e.g. 58 SASL_AUTHENTICATION_FAILED; 0 if none
	Message   string // the broker's error message, or what the mechanism found wrong
	Err       error  // the cause, if any (e.g. a malformed token)
}

func (e *Error) Error() string {
	msg := "kio/sasl: " + e.Mechanism + ": authentication failed"
	if e.Code != 0 {
		msg += fmt.Sprintf(" (error code %d)", e.Code)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns ErrAuthentication and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrAuthentication}
	}
	return []error{ErrAuthentication, e.Err}
}

func authError(mechanism, message string) *Error {
	return &Error{Mechanism: mechanism, Message: message}
}

// Mechanism names.
const (
	NamePlain       = "PLAIN"
	NameScramSHA256 = "SCRAM-SHA-256"
	NameScramSHA512 = "SCRAM-SHA-512"
)

// ErrUnknownMechanism is returned by ByName for a mechanism this package does not hold.
var ErrUnknownMechanism = errors.New("unknown SASL mechanism")

// ByName returns the client mechanism with the given name (PLAIN, SCRAM-SHA-256 or
// SCRAM-SHA-512) logging in as user with password, as a command-line flag names it.
func ByName(name, user, password string) (Mechanism, error) {
	switch name {
	case NamePlain:
		return Plain{User: user, Password: password}, nil
	case NameScramSHA256:
		return &Scram{Hash: SHA256, User: user, Password: password}, nil
	case NameScramSHA512:
		return &Scram{Hash: SHA512, User: user, Password: password}, nil
	}
	return nil, fmt.Errorf("kio/sasl: %w %q (want %s, %s or %s)", ErrUnknownMechanism, name, NamePlain, NameScramSHA256, NameScramSHA512)
}
