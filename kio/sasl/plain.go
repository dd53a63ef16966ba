package sasl

import (
	"bytes"
	"context"
	"crypto/subtle"
)

// Plain is the client side of PLAIN: the user name and password, sent in the clear
// (use it over TLS). Authzid, if set, must equal User for Kafka's broker.
type Plain struct {
	Authzid, User, Password string
}

// Name returns "PLAIN".
func (Plain) Name() string { return NamePlain }

// Start returns the one PLAIN message: authzid NUL user NUL password.
func (p Plain) Start(context.Context) (Session, []byte, error) {
	msg := make([]byte, 0, len(p.Authzid)+len(p.User)+len(p.Password)+2)
	msg = append(append(append(append(append(msg, p.Authzid...), 0), p.User...), 0), p.Password...)
	return plainSession{}, msg, nil
}

// plainSession takes the server's (empty) answer to the one message.
type plainSession struct{}

func (plainSession) Challenge([]byte) (bool, []byte, error) { return true, nil, nil }

// PlainServer is the server side of PLAIN, checking passwords against Lookup.
type PlainServer struct {
	// Lookup returns the password of user, or false for an unknown user.
	Lookup func(user string) (password string, ok bool)
}

// Name returns "PLAIN".
func (PlainServer) Name() string { return NamePlain }

// Start begins an exchange.
func (s PlainServer) Start(context.Context) ServerSession {
	return &plainServerSession{lookup: s.Lookup}
}

type plainServerSession struct {
	lookup    func(string) (string, bool)
	principal string
}

func (s *plainServerSession) Step(token []byte) ([]byte, bool, error) {
	parts := bytes.Split(token, []byte{0})
	if len(parts) != 3 {
		return nil, false, authError(NamePlain, "malformed PLAIN message: want authzid NUL user NUL password")
	}
	authzid, user, password := string(parts[0]), string(parts[1]), parts[2]
	if user == "" {
		return nil, false, authError(NamePlain, "empty user name")
	}
	if authzid != "" && authzid != user {
		return nil, false, authError(NamePlain, "authorization id differs from the user name")
	}
	want, ok := "", false
	if s.lookup != nil {
		want, ok = s.lookup(user)
	}
	// Compare even for an unknown user, so the time taken does not say which it was.
	if subtle.ConstantTimeCompare([]byte(want), password) != 1 || !ok {
		return nil, false, authError(NamePlain, "invalid user name or password")
	}
	s.principal = user
	return []byte{}, true, nil
}

func (s *plainServerSession) Principal() string { return s.principal }
