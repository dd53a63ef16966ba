package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"sync"
	"time"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
)

// maxQueued bounds the requests of one connection waiting for their responses; a client
// pipelining more waits (TCP pushes back) until responses drain.
const maxQueued = 1024

// slot is one request awaiting its response, in the connection's request order.
type slot struct {
	key, version int16
	corr         int32
	raw          bool   // relay the response without decoding (an API kio does not know)
	answer       []byte // a filter's answer, written in place of an upstream response
	call         *Call  // the decoded request, for response filters; nil if not decoded
}

// conn relays one client connection: a reader goroutine forwards requests upstream and
// queues a slot for each that expects a response; the writer goroutine takes the slots
// in order and writes each its response (an upstream frame or a filter's answer).
type conn struct {
	p      *Proxy
	client net.Conn
	info   Conn

	upstream net.Conn // dialled on the first request that goes upstream
	upR      *bufio.Reader

	slots chan *slot
	done  chan struct{}

	mu      sync.Mutex // guards closed and upstream against closeNow
	closed  bool
	errOnce sync.Once
}

// closeNow closes both sides, which ends both goroutines wherever they block.
func (c *conn) closeNow() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	c.client.Close()
	if c.upstream != nil {
		c.upstream.Close()
	}
	close(c.done)
}

// fail records why the connection ends (the first reason only) and closes it.
func (c *conn) fail(op string, key int16, err error) {
	c.errOnce.Do(func() {
		if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !errors.Is(err, ErrClosed) {
			c.p.logError(&ConnError{Conn: &c.info, Op: op, APIKey: key, Err: err})
		}
	})
	c.closeNow()
}

func (c *conn) serve() {
	defer c.p.wg.Done()
	defer c.p.forget(c)
	upReady := make(chan struct{}) // closed once upstream is set (or never needed)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.writeResponses(upReady)
	}()
	c.readRequests(upReady)
	wg.Wait()
	c.closeNow()
}

// readRequests reads the client's requests until it hangs up or a frame is refused.
func (c *conn) readRequests(upReady chan struct{}) {
	defer close(c.slots)
	defer func() {
		select {
		case <-upReady:
		default:
			close(upReady)
		}
	}()
	r := bufio.NewReaderSize(c.client, 64<<10)
	var buf []byte
	limit := c.p.maxFrame()
	for {
		if c.p.IdleTimeout > 0 {
			c.client.SetReadDeadline(time.Now().Add(c.p.IdleTimeout))
		}
		raw, err := readFrame(r, buf, limit)
		if err != nil {
			if errors.Is(err, frame.ErrFrameTooLarge) || errors.Is(err, frame.ErrNegativeFrameSize) {
				c.p.stats.refused.Add(1)
			}
			c.fail("read request", -1, err)
			return
		}
		buf = raw[:0]
		c.p.stats.requests.Add(1)
		s, out, err := c.request(raw)
		if err != nil {
			c.fail("request", s.key, err)
			return
		}
		if s.call != nil {
			buf = nil // the decoded request aliases the frame: the next one gets a new buffer
		}
		if out != nil {
			if c.upstream == nil {
				if err := c.dialUpstream(); err != nil {
					c.fail("dial upstream", s.key, err)
					return
				}
				close(upReady)
			}
		}
		if s.expect {
			select {
			case c.slots <- s.slot:
			case <-c.done:
				return
			}
		}
		if out != nil {
			if c.p.UpstreamTimeout > 0 { // a broker that stops reading must not hold this goroutine forever
				c.upstream.SetWriteDeadline(time.Now().Add(c.p.UpstreamTimeout))
			}
			if _, err := c.upstream.Write(out); err != nil {
				c.fail("write request", s.key, err)
				return
			}
		}
	}
}

func (c *conn) dialUpstream() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	up, err := c.p.dial(ctx, c.info.Upstream)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		up.Close()
		return net.ErrClosed
	}
	c.upstream = up
	c.upR = bufio.NewReaderSize(up, 64<<10)
	return nil
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
		acks, err := produceAcks(raw, version)
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
		if reflect.TypeOf(call.answer) != reflect.PointerTo(api.Response) {
			return o, nil, fmt.Errorf("%w: %T for %s", ErrBadAnswer, call.answer, api.Name)
		}
		resp := &frame.Response{Body: call.answer}
		resp.Header.CorrelationId = corr
		out, err := framer.AppendResponse(nil, key, version, resp)
		if err != nil {
			return o, nil, fmt.Errorf("encoding a filter's answer: %w", err)
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

// writeResponses writes each queued slot its response, in request order.
func (c *conn) writeResponses(upReady chan struct{}) {
	var buf []byte
	limit := c.p.maxFrame()
	for s := range c.slots {
		out := s.answer
		if out == nil {
			<-upReady
			if c.upstream == nil {
				return
			}
			if c.p.UpstreamTimeout > 0 {
				c.upstream.SetReadDeadline(time.Now().Add(c.p.UpstreamTimeout))
			}
			raw, err := readFrame(c.upR, buf, limit)
			if err != nil {
				c.fail("read response", s.key, err)
				return
			}
			buf = raw[:0]
			if out, err = c.response(s, raw); err != nil {
				c.fail("response", s.key, err)
				return
			}
		}
		if out != nil {
			if _, err := c.client.Write(out); err != nil {
				c.fail("write response", s.key, err)
				return
			}
			c.p.stats.responses.Add(1)
		}
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
	if s.raw || (s.key != apiversions.APIKey && !endpointAPIs[s.key] && !f.wantsResponse(s.key)) {
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
