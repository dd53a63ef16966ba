package client

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// Conn is one connection to a broker, its versions negotiated and SASL done. It is
// safe for concurrent use; see the package documentation for pipelining,
// cancellation and failure.
type Conn struct {
	nc       net.Conn
	addr     string
	framer   frame.Framer
	clientID *string
	br       *bufio.Reader

	// Set during setup, read-only after.
	apiVersions *apiversions.ApiVersionsResponse
	broker      map[int16]tags.Range // what the broker serves, by key
	negotiated  map[int16]int16      // the version calls use, by key
	caps        map[int16]int16

	// wsem is the right to write: a channel rather than a mutex so that a call
	// waiting behind a stalled write can give up when its context ends.
	wsem   chan struct{}
	nextID int32 // held with wsem (or during setup)

	// interruptWrite, made once, sets a past write deadline and then signals
	// writeInterrupted: what write arranges for a context that ends mid-write,
	// without allocating a closure and a channel per request (writes hold wsem, so
	// one at a time uses them).
	interruptWrite   func()
	writeInterrupted chan struct{}

	// KIP-368: when the broker gave the SASL session a lifetime, the first call to
	// write at or after reauthAt re-authenticates first (held with wsem).
	sasl        sasl.Mechanism
	reauthAt    time.Time
	reauthLimit time.Duration // bounds one re-authentication
	reauths     atomic.Int32

	mu      sync.Mutex
	pending map[int32]chan []byte      // calls awaiting a response, by correlation id
	streams map[int32]*PendingResponse // those of them awaiting it as a stream (WaitStream)
	err     *ConnError                 // set once, when the connection closes
	closed  chan struct{}
}

func (d *Dialer) newConn(nc net.Conn, addr string) *Conn {
	id := d.clientID()
	c := &Conn{
		nc: nc, addr: addr, framer: d.framer(), clientID: &id,
		br:               bufio.NewReaderSize(nc, 64<<10),
		caps:             d.MaxVersions,
		wsem:             make(chan struct{}, 1),
		writeInterrupted: make(chan struct{}, 1),
		pending:          map[int32]chan []byte{},
		closed:           make(chan struct{}),
	}
	c.interruptWrite = func() {
		c.nc.SetWriteDeadline(time.Unix(1, 0))
		c.writeInterrupted <- struct{}{}
	}
	return c
}

// open negotiates and authenticates on nc, synchronously (a version 0 SASL exchange
// sends bare tokens, which the pipelined reader would take for responses), then
// starts the reader.
func (d *Dialer) open(ctx context.Context, nc net.Conn, addr string) (*Conn, error) {
	c := d.newConn(nc, addr)
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		nc.SetDeadline(time.Unix(1, 0))
		close(interrupted)
	})
	err := c.negotiate(d)
	if err == nil && d.SASL != nil {
		start := time.Now()
		var lifetime time.Duration
		if lifetime, err = c.authenticate(ctx, d.SASL, c.syncExchange); err == nil {
			c.setSession(d.SASL, d.Timeout, start, lifetime)
		}
	}
	if !stop() {
		<-interrupted
		if err == nil {
			err = context.Cause(ctx)
		}
	}
	if err != nil {
		nc.Close()
		cause := context.Cause(ctx)
		if dl, ok := ctx.Deadline(); ok && cause == nil && !time.Now().Before(dl) {
			cause = context.DeadlineExceeded // the socket's deadline fired first
		}
		if cause != nil && !errors.Is(err, cause) {
			err = fmt.Errorf("%w (%w)", cause, err)
		}
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	go c.readLoop()
	return c, nil
}

// readLoop hands each response frame to the call awaiting it, until the connection
// fails. A response to a call that gave up (its context ended) is dropped here.
func (c *Conn) readLoop() {
	for {
		if head, err := c.br.Peek(8); err == nil {
			streamed, err := c.handOver(head)
			if err != nil {
				c.fail(err)
				return
			}
			if streamed {
				continue
			}
		} // else ReadFrame reads what there is and says what is wrong
		f, err := c.framer.ReadFrame(c.br)
		if err != nil {
			c.fail(err)
			return
		}
		id, err := frame.PeekCorrelationID(f)
		if err != nil {
			c.fail(err)
			return
		}
		c.mu.Lock()
		ch, ok := c.pending[id]
		delete(c.pending, id)
		delete(c.streams, id) // a WaitStream of a response too small to stream
		c.mu.Unlock()
		if !ok {
			c.fail(fmt.Errorf("response: %w: %d", frame.ErrUnknownCorrelationID, id))
			return
		}
		ch <- f // buffered: never blocks, even for a call that gave up
	}
}

// fail closes the connection for cause (nil for Close) and wakes every call.
func (c *Conn) fail(cause error) error {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil
	}
	c.err = &ConnError{Addr: c.addr, Err: cause}
	c.pending = nil
	close(c.closed)
	c.mu.Unlock()
	return c.nc.Close()
}

// Close closes the connection; calls in flight fail with a *ConnError.
func (c *Conn) Close() error { return c.fail(nil) }

// Done is closed when the connection is closed or broken.
func (c *Conn) Done() <-chan struct{} { return c.closed }

// Err returns the *ConnError the connection closed with, or nil while it is open.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		return nil
	}
	return c.err
}

// Addr returns the broker's address as dialed (or the remote address of a wrapped
// net.Conn).
func (c *Conn) Addr() string { return c.addr }

// Call sends body, a pointer to a generated request struct (e.g.
// *metadata.MetadataRequest), at the newest version kio and the broker share, and
// returns the response body (e.g. *metadata.MetadataResponse), or nil for a Produce
// with acks=0. Spec defaults are not applied to body: zero fields go as zeros.
func (c *Conn) Call(ctx context.Context, body any) (any, error) {
	api, err := requestAPI(body)
	if err != nil {
		return nil, err
	}
	v, err := c.version(api, -1)
	if err != nil {
		return nil, err
	}
	return c.call(ctx, api, v, body)
}

// CallVersion is Call at a pinned version, which the broker must serve.
func (c *Conn) CallVersion(ctx context.Context, body any, version int16) (any, error) {
	api, err := requestAPI(body)
	if err != nil {
		return nil, err
	}
	if _, err := c.version(api, version); err != nil {
		return nil, err
	}
	return c.call(ctx, api, version, body)
}

// requestBuffers recycles request encodings: a buffer is free again once written.
var requestBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func (c *Conn) call(ctx context.Context, api *schema.API, version int16, body any) (any, error) {
	req := frame.Request{Body: body}
	req.Header.RequestApiKey, req.Header.RequestApiVersion, req.Header.ClientId = api.Key, version, c.clientID
	bp := requestBuffers.Get().(*[]byte)
	buf, err := c.framer.AppendRequest((*bp)[:0], &req)
	if err != nil {
		requestBuffers.Put(bp)
		return nil, err
	}
	expect := frame.ExpectsResponse(&req)
	f, err := c.roundTrip(ctx, buf, expect, bp)
	if err != nil || !expect {
		return nil, err
	}
	resp, err := c.framer.ParseResponse(f, api.Key, version)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// putRequestBuffer recycles the pooled buffer bp, now holding buf, unless it grew large.
func putRequestBuffer(bp *[]byte, buf []byte) {
	if cap(buf) <= 1<<20 {
		*bp = buf[:0]
		requestBuffers.Put(bp)
	}
}

// roundTrip writes a request frame with the next correlation id and, if expect, waits
// for the response frame. pooled, if not nil, is buf's requestBuffers entry, recycled
// once buf is no longer needed.
func (c *Conn) roundTrip(ctx context.Context, buf []byte, expect bool, pooled *[]byte) ([]byte, error) {
	defer func() {
		if pooled != nil {
			putRequestBuffer(pooled, buf)
		}
	}()
	id, ch, err := c.takeTurn(ctx, expect)
	if err != nil {
		return nil, err
	}
	binary.BigEndian.PutUint32(buf[8:], uint32(id))
	err = c.write(ctx, buf)
	<-c.wsem
	if pooled != nil {
		putRequestBuffer(pooled, buf)
		pooled = nil
	}
	if err != nil {
		c.fail(err)
		return nil, c.Err()
	}
	if !expect {
		return nil, nil
	}
	return c.await(ctx, ch)
}

// takeTurn takes the write turn (wsem), re-authenticating first if the session is due
// for it, and then the next correlation id and, if expect, its response channel. On
// success the caller holds wsem and gives it back once its request is written.
func (c *Conn) takeTurn(ctx context.Context, expect bool) (int32, chan []byte, error) {
	var ch chan []byte
	if expect {
		ch = responseChans.Get().(chan []byte)
	}
	id, err := c.takeTurnOn(ctx, ch)
	if err != nil {
		if ch != nil {
			responseChans.Put(ch) // never registered
		}
		return 0, nil, err
	}
	return id, ch, nil
}

// takeTurnFor is takeTurn for a PendingResponse's channel (nil p: no response).
func (c *Conn) takeTurnFor(ctx context.Context, p *PendingResponse) (int32, error) {
	if p == nil {
		return c.takeTurnOn(ctx, nil)
	}
	return c.takeTurnOn(ctx, p.ch)
}

// takeTurnOn is takeTurn with the response channel given (nil for none).
func (c *Conn) takeTurnOn(ctx context.Context, ch chan []byte) (int32, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	select {
	case c.wsem <- struct{}{}: // the common case, without a full select's locking
	default:
		select {
		case c.wsem <- struct{}{}:
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-c.closed:
			return 0, c.Err()
		}
	}
	if c.reauthDue() {
		if err := c.reauthenticate(); err != nil {
			<-c.wsem
			c.fail(err)
			// The broker closes the connection after refusing a login: this call says why,
			// whichever of the two the connection recorded first.
			return 0, &ConnError{Addr: c.addr, Err: err}
		}
	}
	id, err := c.register(ch)
	if err != nil {
		<-c.wsem
		return 0, err
	}
	return id, nil
}

// await waits for the response on ch, the context's end, or the connection's, and
// recycles ch once it has the response.
func (c *Conn) await(ctx context.Context, ch chan []byte) ([]byte, error) {
	f, err := c.awaitOn(ctx, ch)
	if err == nil {
		responseChans.Put(ch)
	}
	return f, err
}

// awaitOn is await without recycling ch (a PendingResponse recycles its own). ch is
// free again only when awaitOn returns no error: on an error the reader may hold it.
func (c *Conn) awaitOn(ctx context.Context, ch chan []byte) ([]byte, error) {
	select {
	case f := <-ch:
		return f, nil
	case <-ctx.Done():
		return nil, ctx.Err() // the reader drops the response when it comes
	case <-c.closed:
		select {
		case f := <-ch:
			return f, nil
		default:
			return nil, c.Err() // ch is not reused: the reader may hold it still
		}
	}
}

// register takes the next free correlation id and registers ch (nil for a request
// that gets no response) to receive its response. wsem must be held.
func (c *Conn) register(ch chan []byte) (int32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	id := c.nextID
	for _, taken := c.pending[id]; taken; _, taken = c.pending[id] {
		id++ // a call that gave up long ago still holds it
	}
	c.nextID = id + 1
	if c.nextID < 0 {
		c.nextID = 0
	}
	if ch != nil {
		c.pending[id] = ch
	}
	return id, nil
}

// responseChans recycles the channels calls await their response on. A channel is
// free again once its response is received: the reader, which sends once and forgets
// the call before sending, has no other use of it. A call that gave up leaves its
// channel to the garbage collector, since the reader may still send to it.
var responseChans = sync.Pool{New: func() any { return make(chan []byte, 1) }}

// write writes buf whole, or fails when ctx ends first (setting a past write deadline
// interrupts a Write blocked on a broker that does not read).
func (c *Conn) write(ctx context.Context, buf []byte) error {
	if ctx.Done() == nil {
		_, err := c.nc.Write(buf)
		return err
	}
	stop := context.AfterFunc(ctx, c.interruptWrite)
	_, err := c.nc.Write(buf)
	if !stop() {
		<-c.writeInterrupted
		if err != nil {
			return fmt.Errorf("writing a request: %w (%w)", context.Cause(ctx), err)
		}
		c.nc.SetWriteDeadline(time.Time{})
	}
	return err
}

// RoundTripFrame sends reqFrame, a whole request frame (size prefix included) encoded
// by the caller at any version, and returns the response frame undecoded; nil for a
// Produce with acks=0. The Conn puts its own correlation id into reqFrame while
// sending and the original back afterwards, and gives the response the original id,
// so a proxy relays frames between a client and a broker without decoding either.
// The broker's versions are not checked: a proxy relays what its client chose.
// reqFrame must not be used by anyone else until RoundTripFrame returns. It is SendFrame
// and then Wait.
func (c *Conn) RoundTripFrame(ctx context.Context, reqFrame []byte) ([]byte, error) {
	p, err := c.SendFrame(ctx, reqFrame)
	if err != nil || p == nil {
		return nil, err
	}
	return p.Wait(ctx)
}

// Version returns the version Call uses for the API with the given key, and false if
// the broker and kio share none.
func (c *Conn) Version(key int16) (int16, bool) {
	v, ok := c.negotiated[key]
	return v, ok
}

// BrokerVersions returns the versions the broker serves of the API with the given key
// (as its ApiVersions answer says, for keys kio knows or not), and false if it does not
// serve the API.
func (c *Conn) BrokerVersions(key int16) (tags.Range, bool) {
	r, ok := c.broker[key]
	return r, ok
}

// Negotiated returns the version Call uses for every API both sides serve, by key.
func (c *Conn) Negotiated() map[int16]int16 {
	out := make(map[int16]int16, len(c.negotiated))
	for k, v := range c.negotiated {
		out[k] = v
	}
	return out
}

// APIVersions returns the broker's ApiVersions answer the versions were negotiated
// from (shared: do not modify it).
func (c *Conn) APIVersions() *apiversions.ApiVersionsResponse { return c.apiVersions }

// version returns the version to send api at: pinned (>= 0) if the broker serves it,
// else the negotiated one.
func (c *Conn) version(api *schema.API, pinned int16) (int16, error) {
	broker, served := c.broker[api.Key]
	if served {
		if pinned >= 0 && broker.Contains(pinned) && api.Versions.Contains(pinned) {
			return pinned, nil
		}
		if v, ok := c.negotiated[api.Key]; ok && pinned < 0 {
			return v, nil
		}
	}
	e := &VersionError{API: api.Name, Key: api.Key, Version: pinned, Broker: broker, Kio: c.kioRange(api), Err: ErrVersionNotServed}
	if !served {
		e.Broker, e.Err = tags.None(), ErrAPINotServed
	}
	return 0, e
}

// kioRange is what kio knows of api, without the versions the newest release marks
// unstable (as Kafka's clients leave them out), capped by Dialer.MaxVersions.
// CallVersion may still pin an unstable version the broker serves.
func (c *Conn) kioRange(api *schema.API) tags.Range {
	r := api.Versions
	if api.Unstable.Lo <= api.Unstable.Hi && r.Hi >= api.Unstable.Lo {
		r.Hi = api.Unstable.Lo - 1
	}
	if cp, ok := c.caps[api.Key]; ok && cp < r.Hi {
		r.Hi = cp
	}
	return r
}

// The generated request types, for finding a body's API without a search per call.
var requestAPIs = func() map[reflect.Type]*schema.API {
	m := map[reflect.Type]*schema.API{}
	for _, a := range schema.APIs() {
		m[a.Request] = a
		m[reflect.PointerTo(a.Request)] = a
	}
	return m
}()

// requestAPI returns the API of body, a generated request struct or a non-nil pointer
// to one.
func requestAPI(body any) (*schema.API, error) {
	t := reflect.TypeOf(body)
	api, ok := requestAPIs[t]
	if !ok || (t.Kind() == reflect.Pointer && reflect.ValueOf(body).IsNil()) {
		return nil, fmt.Errorf("kio/client: %w: %T", ErrNotRequest, body)
	}
	return api, nil
}

// Caller is what Call calls: a *Conn, or anything that sends requests like one.
type Caller interface {
	Call(ctx context.Context, body any) (any, error)
}

// Call sends req through c and returns its response as *Resp, which must be the
// response type of req's API:
//
//	resp, err := client.Call[metadata.MetadataResponse](ctx, conn, &metadata.MetadataRequest{})
//
// A mismatched Resp is a *ResponseTypeError before anything is sent. For a Produce with
// acks=0 it returns (nil, nil).
func Call[Resp any](ctx context.Context, c Caller, req any) (*Resp, error) {
	api, err := requestAPI(req)
	if err != nil {
		return nil, err
	}
	if want := reflect.TypeFor[Resp](); api.Response != want {
		return nil, &ResponseTypeError{API: api.Name, Have: want, Want: api.Response}
	}
	body, err := c.Call(ctx, req)
	if err != nil || body == nil {
		return nil, err
	}
	resp, ok := body.(*Resp)
	if !ok { // a Caller that answers with another type
		return nil, &ResponseTypeError{API: api.Name, Have: reflect.TypeOf(body), Want: api.Response}
	}
	return resp, nil
}
