package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/responseheader"
	"github.com/kio-go/kafka-protocol/kio/schema/saslauthenticate"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
)

var errTooManyFiles = syscall.EMFILE

// Errors a connection can close with, besides frame and network errors.
var (
	// ErrUnauthenticated: a request other than ApiVersions, SaslHandshake or
	// SaslAuthenticate before the client authenticated.
	ErrUnauthenticated = errors.New("request before SASL authentication")
	// ErrNoResponse: a handler returned neither a response nor an error for a request
	// that is answered.
	ErrNoResponse = errors.New("handler returned no response")
	// ErrIdle: no request for Server.IdleTimeout.
	ErrIdle = errors.New("connection idle")
	// ErrSessionExpired: a request after the SASL session's lifetime ended
	// (Server.SessionLifetime) without a re-authentication.
	ErrSessionExpired = errors.New("SASL session expired")
	// ErrResponseFrame: a PendingStream wrote bytes that are not one whole frame (fewer
	// or more than its size prefix announced, or a size prefix under 4).
	ErrResponseFrame = errors.New("streamed response is not one whole frame")
)

// HandlerError reports a handler that failed (returned an error, panicked, returned
// no response or one that does not encode), closing its connection.
type HandlerError struct {
	APIKey, APIVersion int16
	Err                error  // the handler's error, ErrNoResponse, or the encoding error
	Panic              any    // the value the handler panicked with, if it did
	Stack              []byte // the panicking goroutine's stack
}

func (e *HandlerError) Error() string {
	if e.Panic != nil {
		return fmt.Sprintf("kio/server: handler of API key %d v%d panicked: %v", e.APIKey, e.APIVersion, e.Panic)
	}
	return fmt.Sprintf("kio/server: handler of API key %d v%d: %v", e.APIKey, e.APIVersion, e.Err)
}

// Unwrap returns the handler's error.
func (e *HandlerError) Unwrap() error { return e.Err }

// RawRequest is a request frame as a RawHandler sees it: undecoded, its key, version
// and correlation id peeked from the header.
type RawRequest struct {
	Key, Version  int16
	CorrelationID int32
	// Frame is the whole frame, size prefix included; in a request offered as a
	// stream (StreamRawHandler), its first bytes only, the rest being Body's.
	Frame []byte
	// Size is the frame's length, size prefix included: len(Frame) unless streamed.
	Size int
	// Body is nil unless the request is streamed: then it reads the Size-len(Frame)
	// bytes after Frame as they come from the client, and io.EOF after them.
	Body io.Reader
	Peer *Peer
}

// RawHandler may answer a request frame without decoding it. It returns the whole
// response frame (size prefix included, the request's correlation id), nil with
// handled for a request that gets no response, or handled false to let the frame
// take the decoding path (ApiVersions answered by the server, the Handler for the
// rest). An error closes the connection.
type RawHandler interface {
	ServeKafkaFrame(ctx context.Context, req *RawRequest) (resp []byte, handled bool, err error)
}

// responseBuffers recycles the buffers handlers' responses are encoded into: a buffer
// is free again once it is copied into the connection's bufio.Writer.
var responseBuffers = sync.Pool{New: func() any { return new([]byte) }}

// putBuffer recycles the buffer b points to, holding frame, unless it is large (a big
// Fetch answer is not kept around).
func putBuffer(b *[]byte, frame []byte) {
	if cap(frame) > 1<<20 {
		return
	}
	*b = frame[:0]
	responseBuffers.Put(b)
}

// slot is one request's place in its connection's response order.
type slot struct {
	done       chan struct{} // closed when the slot is filled; nil for a slot filled inline
	frame      []byte        // the response to write; nil for none
	err        error         // close the connection instead of writing
	closeAfter error         // write frame, then close the connection with this
	buf        *[]byte       // frame's pooled buffer, if it has one
	// pending, if not nil, fills frame or err when the writer comes to the slot
	// (PipelineRawHandler); key and version name the request in its errors.
	pending      PendingFrame
	key, version int16
	pooled       bool // from pendingSlots, back there once written
}

func doneSlot(f []byte) *slot {
	s := &slot{done: make(chan struct{}), frame: f}
	close(s.done)
	return s
}

// filled says the slot is ready for the writer.
func (s *slot) filled() {
	if s.done != nil {
		close(s.done)
	}
}

type serverConn struct {
	s      *Server
	nc     net.Conn
	peer   *Peer
	framer frame.Framer
	stream StreamRawHandler   // the RawHandler, if it takes large requests as streams
	pipe   PipelineRawHandler // the RawHandler, if it starts requests to await later
	head   []byte             // a streamed request's first bytes (stream.go)
	br     *bufio.Reader
	bw     *bufio.Writer
	ctx    context.Context
	cancel context.CancelCauseFunc

	// inline: one request at a time (ConnConcurrency 1), handled by the reader itself,
	// which also writes the response when the client has sent nothing more yet (a
	// client waiting for it: no hand-off to a writer); a pipelining client's responses
	// go to the writer goroutine, which writes them while the reader goes on. Otherwise
	// the reader queues each request's slot in order and the writer writes them as they
	// are filled.
	inline bool
	// queued counts the slots given to the writer and not yet written: the reader
	// writes a response itself only at 0, when the writer is done with bw (it counts
	// a slot down after its last use of bw for it), so the two never share bw.
	queued     atomic.Int32
	queue      chan *slot    // responses in request order; the reader alone sends
	sem        chan struct{} // handlers running
	writerDone chan struct{}
	draining   atomic.Bool

	closeOnce sync.Once
	closeErr  error

	// SASL state, the reader's alone.
	authed    bool
	mechanism sasl.ServerMechanism
	session   sasl.ServerSession
	rawTokens bool // a version 0 handshake: bare tokens follow
	// KIP-368: when the session ends (Server.SessionLifetime), and during a
	// re-authentication the mechanism and principal it must keep.
	sessionEnd    time.Time
	reauthing     bool
	prevMechanism string
	prevPrincipal string
}

// pipelineDepth bounds the requests read ahead of their responses on one connection.
const pipelineDepth = 64

func newServerConn(s *Server, nc net.Conn) *serverConn {
	base := context.Background()
	if s.ConnContext != nil {
		base = s.ConnContext(base, nc)
	}
	c := &serverConn{
		s: s, nc: nc,
		peer:       &Peer{RemoteAddr: nc.RemoteAddr(), LocalAddr: nc.LocalAddr()},
		framer:     frame.Framer{MaxFrameSize: s.MaxFrameSize, BrokerCompatible: true},
		br:         bufio.NewReaderSize(nc, 16<<10),
		bw:         bufio.NewWriterSize(nc, 16<<10),
		queue:      make(chan *slot, pipelineDepth),
		sem:        make(chan struct{}, max(s.ConnConcurrency, 1)),
		inline:     s.ConnConcurrency <= 1,
		writerDone: make(chan struct{}),
		authed:     len(s.SASL) == 0,
	}
	c.stream, _ = s.RawHandler.(StreamRawHandler)
	c.pipe, _ = s.RawHandler.(PipelineRawHandler)
	c.ctx, c.cancel = context.WithCancelCause(context.WithValue(base, peerKey{}, c.peer))
	return c
}

// close closes the connection with err, once; the first error is the one reported.
func (c *serverConn) close(err error) {
	c.closeOnce.Do(func() {
		c.closeErr = err
		c.cancel(err)
		c.nc.Close()
	})
}

// drain stops reading requests; those read are answered, then the connection closes.
func (c *serverConn) drain() {
	c.draining.Store(true)
	c.nc.SetReadDeadline(time.Unix(1, 0))
}

func (c *serverConn) serve() {
	defer c.s.forget(c)
	err := c.handshake()
	if err == nil {
		go c.writeLoop()
		err = c.readLoop()
		close(c.queue)
		<-c.writerDone
	}
	c.close(err)
	if c.s.OnClose != nil {
		c.s.OnClose(c.peer, c.closeErr)
	}
}

// handshake runs the TLS handshake, if the connection is TLS, and sets the deadline
// for authentication.
func (c *serverConn) handshake() error {
	timeout := c.s.HandshakeTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	if tc, ok := c.nc.(*tls.Conn); ok {
		ctx, cancel := context.WithTimeout(c.ctx, timeout)
		defer cancel()
		if err := tc.HandshakeContext(ctx); err != nil {
			return err
		}
		st := tc.ConnectionState()
		c.peer.TLS = &st
	}
	if !c.authed {
		c.nc.SetReadDeadline(time.Now().Add(timeout))
	}
	return nil
}

func (c *serverConn) readLoop() error {
	for !c.draining.Load() {
		if c.authed && c.s.IdleTimeout > 0 {
			c.nc.SetReadDeadline(time.Now().Add(c.s.IdleTimeout))
			if c.draining.Load() { // drain's past deadline may have come first
				return nil
			}
		}
		f, err := c.readFrame()
		if err != nil {
			var ne net.Error
			switch {
			case err == io.EOF || c.draining.Load():
				return nil
			case c.authed && c.s.IdleTimeout > 0 && errors.As(err, &ne) && ne.Timeout():
				return fmt.Errorf("kio/server: %w for %v: %w", ErrIdle, c.s.IdleTimeout, err)
			}
			return err
		}
		if f == nil { // a large frame whose head alone is read: offered as a stream
			if err := c.serveStream(); err != nil {
				return err
			}
			continue
		}
		if !c.authed {
			err = c.authenticate(f)
			if err == nil && c.authed {
				c.nc.SetReadDeadline(time.Time{})
			}
		} else if err = c.checkSession(f); err == nil && !c.authed {
			err = c.authenticate(f) // a re-authentication begins
		} else if err == nil {
			err = c.dispatch(f)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// enqueue takes the next place in the response order; inline, where the slot is
// always filled already, it may write the response itself (answer).
func (c *serverConn) enqueue(s *slot) error {
	if c.inline {
		return c.answer(s)
	}
	return c.toWriter(s)
}

// toWriter gives a slot to the writer goroutine.
func (c *serverConn) toWriter(s *slot) error {
	select {
	case c.queue <- s: // the common case (room in the queue), without a full select
		return nil
	default:
	}
	select {
	case c.queue <- s:
		return nil
	case <-c.ctx.Done():
		return context.Cause(c.ctx)
	}
}

// dispatch starts handling one request frame.
func (c *serverConn) dispatch(f []byte) error {
	key, version, id, err := frame.PeekRequest(f)
	if err != nil {
		return err
	}
	if c.s.RawHandler != nil {
		raw := &RawRequest{Key: key, Version: version, CorrelationID: id, Frame: f, Size: len(f), Peer: c.peer}
		if c.pipe != nil {
			if started, err := c.startPipelined(raw); started || err != nil {
				return err
			}
		}
		if c.inline { // start's inline path, without a closure to allocate per frame
			var s slot
			c.handleRaw(&s, raw)
			return c.answer(&s)
		}
		return c.start(func(s *slot) { c.handleRaw(s, raw) })
	}
	req, answer, err := c.decode(f, key, version, id)
	if err != nil {
		return err
	}
	if answer != nil {
		return c.enqueue(doneSlot(answer))
	}
	return c.start(func(s *slot) { c.handle(s, req) })
}

// start runs handle in a goroutine of its own, within the connection's concurrency;
// inline, on the reader, which then writes the response itself.
func (c *serverConn) start(handle func(*slot)) error {
	if c.inline {
		// One at a time: the next request could not start before this one is
		// answered anyway, so the reader handles it and writes the answer itself,
		// sparing a goroutine's wake-up per request for the handler and one for the
		// writer (a proxy's relay waits on its upstream here).
		s := &slot{}
		handle(s)
		return c.answer(s)
	}
	s := &slot{done: make(chan struct{})}
	if err := c.enqueue(s); err != nil {
		return err
	}
	select {
	case c.sem <- struct{}{}:
	case <-c.ctx.Done():
		return context.Cause(c.ctx)
	}
	go func() {
		defer func() { <-c.sem }()
		handle(s)
	}()
	return nil
}

// decode checks a request against what the server serves and decodes it; ApiVersions
// is answered here (answer), at a version the server does not serve with KIP-511's.
func (c *serverConn) decode(f []byte, key, version int16, id int32) (req *Request, answer []byte, err error) {
	served, ok := c.s.versions[key]
	switch {
	case key == apiversions.APIKey:
		answer, err = c.apiVersionsAnswer(f, version, id)
		return nil, answer, err
	case !ok:
		return nil, nil, &frame.FrameError{Op: "serve request", APIKey: key, APIVersion: version, Size: -1, Err: frame.ErrUnknownAPI}
	case !served.Contains(version):
		return nil, nil, &frame.FrameError{Op: "serve request", APIKey: key, APIVersion: version, Size: -1, Err: frame.ErrUnsupportedVersion}
	}
	r, err := c.framer.ParseRequest(f)
	if err != nil {
		return nil, nil, err
	}
	return &Request{Header: r.Header, Body: r.Body, Frame: f, Peer: c.peer}, nil, nil
}

// apiVersionsAnswer answers ApiVersions from what the server serves, or, at a version
// it does not serve, as Kafka's broker does (KIP-511): a version 0 body carrying
// UNSUPPORTED_VERSION and the ApiVersions range alone.
func (c *serverConn) apiVersionsAnswer(f []byte, version int16, id int32) ([]byte, error) {
	served := c.s.versions[apiversions.APIKey]
	resp := &frame.Response{Header: responseheader.ResponseHeader{CorrelationId: id}}
	if !served.Contains(version) {
		resp.Body = &apiversions.ApiVersionsResponse{ErrorCode: common.UnsupportedVersion,
			ApiKeys: []apiversions.ApiVersion{{ApiKey: apiversions.APIKey, MinVersion: served.Lo, MaxVersion: served.Hi}}}
		return c.framer.AppendResponse(nil, apiversions.APIKey, 0, resp)
	}
	if _, err := c.framer.ParseRequest(f); err != nil {
		return nil, err
	}
	resp.Body = &apiversions.ApiVersionsResponse{ApiKeys: c.s.apiList, FinalizedFeaturesEpoch: -1}
	return c.framer.AppendResponse(nil, apiversions.APIKey, version, resp)
}

// handle runs the Handler for one request and fills its slot.
func (c *serverConn) handle(s *slot, req *Request) {
	defer s.filled()
	defer func() {
		if r := recover(); r != nil {
			s.frame, s.err = nil, &HandlerError{APIKey: req.Key(), APIVersion: req.Version(), Panic: r, Stack: debug.Stack()}
		}
	}()
	expect := frame.ExpectsResponse(&frame.Request{Header: req.Header, Body: req.Body})
	h := c.s.Handler
	if h == nil {
		h = &Mux{}
	}
	body, err := h.ServeKafka(c.ctx, req)
	if err != nil && expect {
		if answer := errorCodeAnswer(req.Key(), req.Version(), err); answer != nil {
			body, err = answer, nil
		}
	}
	switch {
	case err != nil:
		s.err = &HandlerError{APIKey: req.Key(), APIVersion: req.Version(), Err: err}
	case !expect:
	case body == nil:
		s.err = &HandlerError{APIKey: req.Key(), APIVersion: req.Version(), Err: ErrNoResponse}
	default:
		s.buf = responseBuffers.Get().(*[]byte)
		s.frame, err = c.framer.AppendResponse((*s.buf)[:0], req.Key(), req.Version(),
			&frame.Response{Header: responseheader.ResponseHeader{CorrelationId: req.Header.CorrelationId}, Body: body})
		if err != nil {
			s.err = &HandlerError{APIKey: req.Key(), APIVersion: req.Version(), Err: err}
		}
	}
}

// handleRaw offers a frame to the RawHandler, then to the decoding path.
func (c *serverConn) handleRaw(s *slot, raw *RawRequest) {
	resp, handled, err := func() (resp []byte, handled bool, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = &HandlerError{APIKey: raw.Key, APIVersion: raw.Version, Panic: r, Stack: debug.Stack()}
			}
		}()
		return c.s.RawHandler.ServeKafkaFrame(c.ctx, raw)
	}()
	switch {
	case err != nil:
		var he *HandlerError
		if !errors.As(err, &he) {
			err = &HandlerError{APIKey: raw.Key, APIVersion: raw.Version, Err: err}
		}
		s.err = err
	case handled:
		s.frame = resp
	default:
		req, answer, err := c.decode(raw.Frame, raw.Key, raw.Version, raw.CorrelationID)
		switch {
		case err != nil:
			s.err = err
		case answer != nil:
			s.frame = answer
		default:
			c.handle(s, req)
			return // handle fills the slot
		}
	}
	s.filled()
}

// writeLoop writes responses in request order, flushing whenever the next one is not
// ready yet.
func (c *serverConn) writeLoop() {
	defer close(c.writerDone)
	for s := range c.queue {
		select {
		case <-s.done:
		default:
			if err := c.bw.Flush(); err != nil {
				c.close(err)
				return
			}
			select {
			case <-s.done:
			case <-c.ctx.Done():
				return
			}
		}
		if err := c.write(s); err != nil {
			c.close(err)
			return
		}
		if len(c.queue) == 0 {
			if err := c.bw.Flush(); err != nil {
				c.close(err)
				return
			}
		}
		if c.inline {
			c.queued.Add(-1) // after the last use of bw for s (see queued)
		}
		if s.pooled {
			*s = slot{}
			pendingSlots.Put(s)
		}
	}
	c.bw.Flush()
}

// write buffers a filled slot's response; an error is the one to close the connection
// with, the responses before flushed.
func (c *serverConn) write(s *slot) error {
	if s.pending != nil {
		if c.bw.Buffered() > 0 && !s.pending.Ready() {
			if err := c.bw.Flush(); err != nil { // the client may wait for those
				return err
			}
		}
		if ps, ok := s.pending.(PendingStream); ok {
			s.pending = nil
			return c.writeStreamed(ps, s.key, s.version)
		}
		c.await(s)
	}
	if s.err != nil {
		c.bw.Flush()
		return s.err
	}
	if s.frame != nil {
		_, err := c.bw.Write(s.frame)
		if s.buf != nil {
			putBuffer(s.buf, s.frame)
		}
		if err != nil {
			return err
		}
	}
	if s.closeAfter != nil {
		c.bw.Flush()
		return s.closeAfter
	}
	return nil
}

// answer sends a filled slot's response from the reader, inline. When the client has
// sent more already (pipelining) or the writer has responses still to write, the slot
// goes to the writer, which writes while the reader handles the next request.
// Otherwise the reader writes and flushes it itself: the client waits for it, and
// the next handler may wait long (a Fetch's long poll).
func (c *serverConn) answer(s *slot) error {
	if c.br.Buffered() > 0 || c.queued.Load() > 0 {
		q := *s // a copy to the heap here, so that s may live on the reader's stack
		if q.done == nil {
			q.done = closedDone
		}
		c.queued.Add(1)
		return c.toWriter(&q)
	}
	if err := c.write(s); err != nil {
		return err
	}
	return c.bw.Flush()
}

// closedDone is the done channel of a slot filled before it is queued.
var closedDone = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// authenticate handles a frame before the client has authenticated: ApiVersions,
// SaslHandshake, SaslAuthenticate, or after a version 0 handshake a bare token.
func (c *serverConn) authenticate(f []byte) error {
	if c.rawTokens {
		challenge, done, err := c.session.Step(f[4:])
		if err != nil {
			return err // version 0 has no way to say why: Kafka closes the connection
		}
		if err := c.authDone(done); err != nil {
			return err
		}
		return c.enqueue(doneSlot(append(binary.BigEndian.AppendUint32(nil, uint32(len(challenge))), challenge...)))
	}
	key, version, id, err := frame.PeekRequest(f)
	if err != nil {
		return err
	}
	switch {
	case key == apiversions.APIKey:
		answer, err := c.apiVersionsAnswer(f, version, id)
		if err != nil {
			return err
		}
		return c.enqueue(doneSlot(answer))
	case key == saslhandshake.APIKey && c.session == nil:
		req, _, err := c.decode(f, key, version, id)
		if err != nil {
			return err
		}
		name := req.Body.(*saslhandshake.SaslHandshakeRequest).Mechanism
		body := &saslhandshake.SaslHandshakeResponse{}
		for _, m := range c.s.SASL {
			body.Mechanisms = append(body.Mechanisms, m.Name())
			if m.Name() == name && c.mechanism == nil {
				c.mechanism = m
			}
		}
		s := &slot{done: make(chan struct{})}
		close(s.done)
		switch {
		case c.mechanism == nil:
			body.ErrorCode = common.UnsupportedSaslMechanism
			s.closeAfter = &sasl.Error{Mechanism: name, Code: int16(body.ErrorCode), Message: "mechanism not enabled"}
		case c.reauthing && name != c.prevMechanism:
			body.ErrorCode = common.UnsupportedSaslMechanism
			s.closeAfter = &sasl.Error{Mechanism: name, Code: int16(body.ErrorCode),
				Message: "re-authentication must keep the mechanism " + c.prevMechanism}
		default:
			c.session = c.mechanism.Start(c.ctx)
			c.rawTokens = version == 0
		}
		if s.frame, err = c.framer.AppendResponse(nil, key, version, &frame.Response{Header: responseheader.ResponseHeader{CorrelationId: id}, Body: body}); err != nil {
			return err
		}
		return c.enqueue(s)
	case key == saslauthenticate.APIKey && c.session != nil:
		req, _, err := c.decode(f, key, version, id)
		if err != nil {
			return err
		}
		s := &slot{done: make(chan struct{})}
		close(s.done)
		challenge, done, err := c.session.Step(req.Body.(*saslauthenticate.SaslAuthenticateRequest).AuthBytes)
		body := &saslauthenticate.SaslAuthenticateResponse{AuthBytes: challenge}
		if err != nil {
			msg := "Authentication failed during authentication due to invalid credentials with SASL mechanism " + c.mechanism.Name()
			body = &saslauthenticate.SaslAuthenticateResponse{ErrorCode: common.SaslAuthenticationFailed, ErrorMessage: &msg}
			s.closeAfter = err
		} else if err := c.authDone(done); err != nil {
			msg := err.Error()
			body = &saslauthenticate.SaslAuthenticateResponse{ErrorCode: common.SaslAuthenticationFailed, ErrorMessage: &msg}
			s.closeAfter = err
		} else if done && c.s.SessionLifetime > 0 {
			body.SessionLifetimeMs = c.s.SessionLifetime.Milliseconds()
		}
		if s.frame, err = c.framer.AppendResponse(nil, key, version, &frame.Response{Header: responseheader.ResponseHeader{CorrelationId: id}, Body: body}); err != nil {
			return err
		}
		return c.enqueue(s)
	}
	return &frame.FrameError{Op: "serve request", APIKey: key, APIVersion: version, Size: -1, Err: ErrUnauthenticated}
}

// authDone records a finished exchange: the peer's principal, or for a
// re-authentication a check that it kept it (the peer is shared with handlers then).
func (c *serverConn) authDone(done bool) error {
	if !done {
		return nil
	}
	if c.reauthing {
		if p := c.session.Principal(); p != c.prevPrincipal {
			return &sasl.Error{Mechanism: c.mechanism.Name(), Code: int16(common.SaslAuthenticationFailed),
				Message: fmt.Sprintf("cannot change principals during re-authentication from %q to %q", c.prevPrincipal, p), Err: sasl.ErrAuthentication}
		}
		c.reauthing = false
	} else {
		c.peer.Mechanism, c.peer.Principal = c.mechanism.Name(), c.session.Principal()
	}
	c.authed = true
	if c.s.SessionLifetime > 0 {
		c.sessionEnd = time.Now().Add(c.s.SessionLifetime)
	}
	return nil
}

// checkSession looks at a request of an authenticated connection: a SaslHandshake
// begins a re-authentication (KIP-368; the connection counts as unauthenticated until
// it completes), and any other request after the session ended closes the connection.
func (c *serverConn) checkSession(f []byte) error {
	if len(c.s.SASL) == 0 {
		return nil
	}
	key, version, _, err := frame.PeekRequest(f)
	if err != nil {
		return err
	}
	if key == saslhandshake.APIKey {
		c.prevMechanism, c.prevPrincipal = c.peer.Mechanism, c.peer.Principal
		c.authed, c.reauthing = false, true
		c.mechanism, c.session, c.rawTokens = nil, nil, false
		return nil
	}
	if !c.sessionEnd.IsZero() && time.Now().After(c.sessionEnd) {
		return &frame.FrameError{Op: "serve request", APIKey: key, APIVersion: version, Size: -1,
			Err: fmt.Errorf("%w %v after authentication", ErrSessionExpired, c.s.SessionLifetime)}
	}
	return nil
}
