package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"sync"
	"time"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// slot is one request on its way: what the response needs to know about it.
type slot struct {
	key, version int16
	corr         int32
	raw          bool   // relay the response without decoding (an API kio does not know)
	answer       []byte // a filter's answer, written in place of an upstream response
	call         *Call  // the decoded request, for response filters; nil if not decoded
}

// conn is the proxy's side of one client connection: its upstream connection, a
// kio/client Conn dialled on the first request that goes upstream, and closed with it.
type conn struct {
	p    *Proxy
	info Conn

	mu     sync.Mutex
	up     *client.Conn
	closed bool
}

type connKey struct{}

// upstream returns the connection's upstream Conn, dialling it the first time.
func (c *conn) upstream(ctx context.Context) (*client.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, net.ErrClosed
	}
	if c.up != nil {
		return c.up, nil
	}
	timeout := 30 * time.Second // connect, negotiate versions, authenticate
	if t := c.p.UpstreamTimeout; t > 0 {
		timeout = min(timeout, t)
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	up, err := c.p.dialUpstream(dctx, c.info.Upstream)
	if err != nil {
		return nil, err
	}
	c.up = up
	context.AfterFunc(ctx, c.close) // ctx is the client connection's: it ends with it
	return up, nil
}

// close closes the upstream connection, for good.
func (c *conn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.up != nil {
		c.up.Close()
	}
}

// relay is the kio/server RawHandler of a listener: every request frame of a client
// goes through it, in the connection's order, and its answer is what the client gets.
// StartKafkaFrame (pipeline.go) relays most requests pipelined; ServeKafkaFrame serves
// the rest one at a time, synchronously.
type relay struct{ p *Proxy }

func (r relay) ServeKafkaFrame(ctx context.Context, req *server.RawRequest) ([]byte, bool, error) {
	c, _ := ctx.Value(connKey{}).(*conn)
	if c == nil {
		return nil, false, errors.New("kio/proxy: a connection without its state")
	}
	c.p.stats.requests.Add(1)
	if req.Peer != nil && c.info.Principal == "" {
		c.info.Principal = req.Peer.Principal // set by the server before the first request
	}
	if r.p.OnFrame != nil {
		return r.observe(ctx, c, req)
	}
	return r.serve(ctx, c, req)
}

// serve relays one request frame and returns the response frame the client is sent.
func (r relay) serve(ctx context.Context, c *conn, req *server.RawRequest) ([]byte, bool, error) {
	p := c.p
	if req.Key == apiversions.APIKey {
		return c.apiVersions(ctx, req)
	}
	o, out, err := c.request(req.Frame)
	if err != nil {
		return nil, false, c.connError("request", o.key, err)
	}
	if !o.expect {
		if out != nil {
			up, err := c.upstream(ctx)
			if err != nil {
				return nil, false, c.connError("dial upstream", o.key, err)
			}
			if _, err := up.RoundTripFrame(ctx, out); err != nil {
				return nil, false, c.connError("write request", o.key, err)
			}
		}
		return nil, true, nil
	}
	if o.answer != nil {
		p.stats.responses.Add(1)
		return o.answer, true, nil
	}
	up, err := c.upstream(ctx)
	if err != nil {
		return nil, false, c.connError("dial upstream", o.key, err)
	}
	rctx := ctx
	if p.UpstreamTimeout > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, p.UpstreamTimeout)
		defer cancel()
	}
	resp, err := up.RoundTripFrame(rctx, out)
	if err != nil {
		return nil, false, c.connError("round trip", o.key, err)
	}
	final, err := c.response(o.slot, resp)
	if err != nil {
		return nil, false, c.connError("response", o.key, err)
	}
	p.stats.responses.Add(1)
	return final, true, nil
}

// apiVersions answers a client's ApiVersions from the upstream connection's own
// negotiation (see apiVersionsAnswer); response filters see the answer.
func (c *conn) apiVersions(ctx context.Context, req *server.RawRequest) ([]byte, bool, error) {
	up, err := c.upstream(ctx)
	if err != nil {
		return nil, false, c.connError("dial upstream", req.Key, err)
	}
	f := c.p.Filters
	if f.wantsRequest(req.Key) && req.Version <= apiVersionsHi {
		// Request filters see ApiVersions too (an audit log), though it never goes
		// upstream: they may answer it themselves or drop it, not change it.
		parsed, err := framer.ParseRequest(req.Frame)
		if err != nil {
			c.p.stats.refused.Add(1)
			return nil, false, c.connError("request", req.Key, err)
		}
		c.p.stats.decoded.Add(1)
		call := &Call{APIKey: req.Key, Version: req.Version, Header: &parsed.Header, Request: parsed.Body, Conn: &c.info}
		switch f.runRequest(call, parsed.Body) {
		case Drop:
			c.p.stats.dropped.Add(1)
			return nil, false, c.connError("request", req.Key, ErrDropped)
		case Answered:
			out, err := c.encodeAnswer(call, req.Key, req.Version, req.CorrelationID)
			if err != nil {
				return nil, false, c.connError("request", req.Key, err)
			}
			c.p.stats.answered.Add(1)
			c.p.stats.responses.Add(1)
			return out, true, nil
		}
	}
	out, err := apiVersionsAnswer(up.APIVersions(), c.p.UnknownAPIs, req.Version, req.CorrelationID)
	if err != nil {
		return nil, false, c.connError("answer ApiVersions", req.Key, err)
	}
	if c.p.Filters.wantsResponse(req.Key) && req.Version <= apiVersionsHi {
		s := &slot{key: req.Key, version: req.Version, corr: req.CorrelationID}
		if out, err = c.response(s, out); err != nil {
			return nil, false, c.connError("response", req.Key, err)
		}
	}
	c.p.stats.answered.Add(1)
	c.p.stats.responses.Add(1)
	return out, true, nil
}

// encodeAnswer encodes a filter's answer to a request as the response frame.
func (c *conn) encodeAnswer(call *Call, key, version int16, corr int32) ([]byte, error) {
	api, _ := schema.Lookup(key)
	if reflect.TypeOf(call.answer) != reflect.PointerTo(api.Response) {
		return nil, fmt.Errorf("%w: %T for %s", ErrBadAnswer, call.answer, api.Name)
	}
	resp := &frame.Response{Body: call.answer}
	resp.Header.CorrelationId = corr
	out, err := framer.AppendResponse(nil, key, version, resp)
	if err != nil {
		return nil, fmt.Errorf("encoding a filter's answer: %w", err)
	}
	return out, nil
}

// connError wraps why a connection ends, for OnClose and ErrorLog.
func (c *conn) connError(op string, key int16, err error) error {
	return &ConnError{Conn: &c.info, Op: op, APIKey: key, Err: err}
}

// requestOutcome is what became of one request frame.
type requestOutcome struct {
	*slot
	expect bool // a response (upstream's or an answer) is owed to the client
}

// request decides about one request frame: it returns the slot for its response (when
// one is owed) and the bytes to send upstream (nil if none).
func (c *conn) request(raw []byte) (requestOutcome, []byte, error) {
	key, version, corr, err := frame.PeekRequest(raw)
	if err != nil {
		c.p.stats.refused.Add(1)
		return requestOutcome{slot: &slot{key: -1}}, nil, err
	}
	s := &slot{key: key, version: version, corr: corr}
	o := requestOutcome{slot: s, expect: true}
	api, known := schema.Lookup(key)
	switch {
	case known && !api.Versions.Contains(version) && key == apiversions.APIKey && version > api.Versions.Hi:
		// A client's newest ApiVersions, above kio's: the broker answers it in v0 (KIP-511).
		c.p.stats.relayed.Add(1)
		return o, raw, nil
	case !known || !api.Versions.Contains(version):
		if c.p.UnknownAPIs == RefuseUnknownAPIs {
			c.p.stats.refused.Add(1)
			return o, nil, fmt.Errorf("%w (key %d, version %d)", ErrUnknownAPI, key, version)
		}
		s.raw = true
		c.p.stats.relayed.Add(1)
		return o, raw, nil
	case key == saslhandshake.APIKey && version == 0:
		c.p.stats.refused.Add(1)
		return o, nil, ErrSASLHandshakeV0
	}
	if key == produce.APIKey {
		acks, err := frame.ProduceAcks(raw)
		if err != nil {
			c.p.stats.refused.Add(1)
			return o, nil, err
		}
		o.expect = acks != 0
	}
	f := c.p.Filters
	if !f.wantsRequest(key) {
		c.p.stats.relayed.Add(1)
		return o, raw, nil
	}
	req, err := framer.ParseRequest(raw)
	if err != nil {
		c.p.stats.refused.Add(1)
		return o, nil, err
	}
	c.p.stats.decoded.Add(1)
	call := &Call{APIKey: key, Version: version, Header: &req.Header, Request: req.Body, Conn: &c.info}
	s.call = call
	switch f.runRequest(call, req.Body) {
	case Pass:
		return o, raw, nil
	case Modified:
		out, err := framer.AppendRequest(nil, req)
		if err != nil {
			return o, nil, fmt.Errorf("encoding a filtered request: %w", err)
		}
		return o, out, nil
	case Answered:
		c.p.stats.answered.Add(1)
		out, err := c.encodeAnswer(call, key, version, corr)
		if err != nil {
			return o, nil, err
		}
		s.answer = out
		return o, nil, nil
	default: // Drop
		c.p.stats.dropped.Add(1)
		if o.expect {
			return o, nil, ErrDropped
		}
		return o, nil, nil
	}
}

// response decides about one upstream response frame and returns the bytes to write to
// the client.
func (c *conn) response(s *slot, raw []byte) ([]byte, error) {
	corr, err := frame.PeekCorrelationID(raw)
	if err != nil {
		return nil, err
	}
	if corr != s.corr {
		return nil, fmt.Errorf("%w: got %d, want %d", ErrCorrelation, corr, s.corr)
	}
	f := c.p.Filters
	if s.raw || (s.key != apiversions.APIKey && !f.wantsResponse(s.key) &&
		(!carriesEndpointsAt(s.key, s.version) || noEndpoints(s.key, s.version, raw))) {
		c.p.stats.relayed.Add(1)
		return raw, nil
	}
	version := s.version
	if s.key == apiversions.APIKey && version > apiVersionsHi {
		version = 0 // KIP-511: the broker answers an ApiVersions version it does not know in v0
	}
	resp, readAt, err := framer.ParseResponseVersion(raw, s.key, version)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUpstreamResponse, err)
	}
	c.p.stats.decoded.Add(1)
	changed := false
	if av, ok := resp.Body.(*apiversions.ApiVersionsResponse); ok {
		changed = ClampAPIVersions(av, c.p.UnknownAPIs) > 0
	}
	n, err := RewriteEndpoints(resp.Body, c.p.mapEndpoint)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		c.p.stats.rewritten.Add(int64(n))
		changed = true
	}
	if f.wantsResponse(s.key) {
		call := s.call
		if call == nil {
			call = &Call{APIKey: s.key, Version: s.version, Conn: &c.info}
		}
		switch f.runResponse(call, resp.Body) {
		case Modified:
			changed = true
		case Drop:
			c.p.stats.dropped.Add(1)
			return nil, errors.New("a filter dropped a response")
		}
	}
	if !changed {
		return raw, nil
	}
	return framer.AppendResponse(nil, s.key, readAt, resp)
}

var apiVersionsHi = func() int16 {
	api, _ := schema.Lookup(apiversions.APIKey)
	return api.Versions.Hi
}()
