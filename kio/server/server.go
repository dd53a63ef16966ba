package server

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/saslauthenticate"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// Server serves Kafka clients. Set its fields, and register the Mux's handlers, before
// the first Serve: the ApiVersions answer is computed then. The zero value with a
// Handler is ready.
type Server struct {
	// Handler answers every request but ApiVersions and SASL's; a *Mux usually.
	Handler Handler
	// RawHandler, if not nil, sees every request frame first (after authentication).
	RawHandler RawHandler
	// SASL, if not empty, requires clients to authenticate with one of these mechanisms.
	SASL []sasl.ServerMechanism
	// MaxFrameSize bounds request frames; 0 means frame.DefaultMaxFrameSize (Kafka's
	// socket.request.max.bytes default).
	MaxFrameSize int32
	// ConnConcurrency is how many requests of one connection are handled at once; 0 or 1
	// means one at a time, as Kafka's broker does. Responses go in order regardless.
	ConnConcurrency int
	// ConnContext, if not nil, derives each connection's context (which its handlers
	// receive) from the server's.
	ConnContext func(ctx context.Context, c net.Conn) context.Context
	// OnClose, if not nil, is called when a connection ends, with why: nil for a client
	// that closed cleanly between requests, else the error (a *frame.FrameError for a
	// frame refused, a *HandlerError for a handler's failure, ...).
	OnClose func(p *Peer, err error)
	// SessionLifetime, if positive, limits a SASL session as Kafka's broker setting
	// connections.max.reauth.ms does (KIP-368): SaslAuthenticate answers (v1+) tell the
	// client the lifetime, the client re-authenticates on the same connection before
	// it ends (with the same mechanism, as the same principal), and a connection whose
	// session has ended is closed at its next request other than SaslHandshake, with an
	// error wrapping ErrSessionExpired.
	SessionLifetime time.Duration
	// HandshakeTimeout bounds a TLS handshake and SASL authentication; 0 means 10 s.
	HandshakeTimeout time.Duration
	// IdleTimeout, if positive, closes a connection that sends no request for that long
	// (Kafka's connections.max.idle.ms, 10 minutes by default there), with an error
	// wrapping ErrIdle. Requests still being handled do not count as activity.
	IdleTimeout time.Duration

	initOnce sync.Once
	versions map[int16]tags.Range // what ApiVersions answers, by key
	apiList  []apiversions.ApiVersion

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*serverConn]struct{}
	closing   bool
	connsDone chan struct{} // closed when conns empties during Shutdown
}

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("kio/server: server closed")

func (s *Server) init() {
	s.initOnce.Do(func() {
		h := s.Handler
		if h == nil {
			h = &Mux{}
		}
		s.versions = served(h)
		av, _ := schema.Lookup(apiversions.APIKey)
		r := av.Versions
		if v, ok := h.(Versioner); ok {
			if d, ok := v.Versions()[apiversions.APIKey]; ok {
				r = tags.Range{Lo: r.Lo, Hi: min(r.Hi, d.Hi)}
			}
		}
		s.versions[apiversions.APIKey] = r
		if len(s.SASL) > 0 {
			hs, _ := schema.Lookup(saslhandshake.APIKey)
			au, _ := schema.Lookup(saslauthenticate.APIKey)
			s.versions[saslhandshake.APIKey] = hs.Versions
			s.versions[saslauthenticate.APIKey] = au.Versions
		} else {
			delete(s.versions, saslhandshake.APIKey)
			delete(s.versions, saslauthenticate.APIKey)
		}
		for _, k := range sortedKeys(s.versions) {
			r := s.versions[k]
			s.apiList = append(s.apiList, apiversions.ApiVersion{ApiKey: k, MinVersion: r.Lo, MaxVersion: r.Hi})
		}
	})
}

// Versions returns what the server answers ApiVersions with: the versions it serves, by
// API key.
func (s *Server) Versions() map[int16]tags.Range {
	s.init()
	out := make(map[int16]tags.Range, len(s.versions))
	for k, v := range s.versions {
		out[k] = v
	}
	return out
}

// ListenAndServe listens on the TCP address and serves.
func (s *Server) ListenAndServe(address string) error {
	ln, err := net.Listen("tcp", address)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln and serves each in its own goroutines, until ln
// fails or the server is shut down (ErrServerClosed). It closes ln when it returns. Wrap
// ln with tls.NewListener to serve TLS.
func (s *Server) Serve(ln net.Listener) error {
	s.init()
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = map[net.Listener]struct{}{}
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, errTooManyFiles) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := s.newConn(nc)
		if c == nil {
			nc.Close()
			return ErrServerClosed
		}
		go c.serve()
	}
}

// Close closes the listeners and every connection at once.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closing = true
	for ln := range s.listeners {
		ln.Close()
	}
	conns := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.close(ErrServerClosed)
	}
	return nil
}

// Shutdown closes the listeners, then lets every connection finish the requests it has
// read (their responses written) and closes it; requests not yet read are not. If ctx
// ends first it closes what remains, as Close does, and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for ln := range s.listeners {
		ln.Close()
	}
	if s.connsDone == nil {
		s.connsDone = make(chan struct{})
		if len(s.conns) == 0 {
			close(s.connsDone)
		}
	}
	done := s.connsDone
	conns := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.drain()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
}

func (s *Server) newConn(nc net.Conn) *serverConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil
	}
	if s.conns == nil {
		s.conns = map[*serverConn]struct{}{}
	}
	c := newServerConn(s, nc)
	s.conns[c] = struct{}{}
	return c
}

func (s *Server) forget(c *serverConn) {
	s.mu.Lock()
	delete(s.conns, c)
	if s.connsDone != nil && len(s.conns) == 0 {
		select {
		case <-s.connsDone:
		default:
			close(s.connsDone)
		}
	}
	s.mu.Unlock()
}
