// Package proxy is a Kafka wire proxy for tests, built as issue 18 shapes one: a
// kio/server whose handler is a kio/client. It sits between real clients and a broker:
// the server reads each client connection's request frames, and its raw handler relays
// every frame, undecoded, over a kio/client connection of its own to the broker
// (Conn.RoundTripFrame: the broker sees the client's bytes with that connection's
// correlation id, the client gets the broker's bytes with its own), and on the way
// decodes each frame with kio, encodes it again and records whether the bytes came out
// identical. Requests are decoded by the API key and version in their header; responses
// by the key and version of the request they answer.
//
// Checking never disturbs the traffic: a frame kio cannot decode, or encodes to different
// bytes, is recorded as a Problem and still relayed as it came. A frame the server or the
// client cannot frame (a size prefix out of bounds), and a response to no request in
// flight, end that connection, as they would end a broker's or a client's, and are
// recorded.
//
// A Rewrite may change decoded responses before they are forwarded (say, to adjust what
// a broker advertises). A rewritten frame is still checked first: its original bytes
// must round trip like any other frame; then kio's encoding of the changed response is
// what the client gets.
package proxy

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// Direction says which way a frame travelled.
type Direction int8

const (
	// ToBroker is a request, from client to broker.
	ToBroker Direction = iota
	// ToClient is a response, from broker to client.
	ToClient
)

// String names the direction as the frame's kind: "request" or "response".
func (d Direction) String() string {
	if d == ToBroker {
		return "request"
	}
	return "response"
}

// apiVersionsKey is ApiVersions' API key: its responses to versions the broker does not
// serve have a fixed shape, version 0 (KIP-511; see beyondSchema).
const apiVersionsKey = 18

// Problem is one frame kio did not turn back into its original bytes.
type Problem struct {
	Client        string // the client id of the connection's requests
	Direction     Direction
	APIKey        int16 // -1 where the frame could not be tied to an API
	APIVersion    int16
	CorrelationID int32
	// Err is why the frame could not be decoded or encoded; nil when kio decoded and
	// encoded it but the bytes differ.
	Err       error
	Original  []byte // the frame as it travelled, size prefix included
	Reencoded []byte // kio's encoding of the decoded frame; nil when Err is set
}

// FirstDifference returns the offset of the first byte where Original and Reencoded
// differ, or -1 when they are equal.
func (p *Problem) FirstDifference() int {
	n := min(len(p.Original), len(p.Reencoded))
	for i := range n {
		if p.Original[i] != p.Reencoded[i] {
			return i
		}
	}
	if len(p.Original) == len(p.Reencoded) {
		return -1
	}
	return n
}

// String describes the problem for a test failure, with both encodings' hex.
func (p *Problem) String() string {
	what := "bytes differ"
	if p.Err != nil {
		what = p.Err.Error()
	} else {
		what += fmt.Sprintf(" at offset %d (original %d bytes, re-encoded %d)",
			p.FirstDifference(), len(p.Original), len(p.Reencoded))
	}
	return fmt.Sprintf("%s %s key %d v%d corr %d: %s",
		p.Client, p.Direction, p.APIKey, p.APIVersion, p.CorrelationID, what)
}

// Skip is a frame deliberately not compared because its version lies beyond kio's schema
// and the client sent it knowingly: a client's ApiVersions request above the broker's
// range, which the broker answers in version 0 (KIP-511).
type Skip struct {
	Client        string
	APIKey        int16
	APIVersion    int16
	CorrelationID int32
	Reason        string
}

// Rewrite may change a decoded response (of the given API key and version) before the
// proxy forwards it, and reports whether it changed anything; if it did, the proxy
// forwards kio's encoding of the changed response instead of the original bytes. It is
// called from the connections' goroutines, possibly concurrently.
type Rewrite func(apiKey, apiVersion int16, resp *frame.Response) (changed bool)

// Stat counts the frames of one client, API key and version.
type Stat struct {
	Client     string
	APIKey     int16
	APIVersion int16
	Requests   int // request frames seen
	Responses  int // response frames seen
	Identical  int // frames (either direction) that kio re-encoded byte for byte
	Skipped    int // frames not compared (see Skip)
	Rewritten  int // responses forwarded as changed by the Rewrite
}

// Compared is the number of frames of s that were checked (not skipped).
func (s Stat) Compared() int { return s.Requests + s.Responses - s.Skipped }

type statKey struct {
	client       string
	key, version int16
}

// Proxy forwards Kafka connections from its listener to a target broker address and
// checks every frame with kio. Make one with Serve.
type Proxy struct {
	target  string
	rewrite Rewrite
	framer  frame.Framer
	srv     *server.Server
	addr    string
	served  chan struct{} // closed when the server's Serve returns

	handling sync.WaitGroup // relays in progress, for Close

	mu       sync.Mutex
	closed   bool
	conns    map[*server.Peer]*conn
	stats    map[statKey]*Stat
	problems []Problem
	skips    []Skip
	accepted int
	onFrame  func(d Direction, key, version int16, frame []byte)
}

// OnFrame sets a function called with every frame that kio decoded, in either
// direction, with the API key and version it was decoded at: a way to capture real
// clients' frames, for example as fuzzing seeds. It must not keep or modify frame
// beyond the call without copying it.
func (p *Proxy) OnFrame(f func(d Direction, key, version int16, frame []byte)) {
	p.mu.Lock()
	p.onFrame = f
	p.mu.Unlock()
}

func (p *Proxy) captured(d Direction, key, version int16, frame []byte) {
	p.mu.Lock()
	f := p.onFrame
	p.mu.Unlock()
	if f != nil {
		f(d, key, version, frame)
	}
}

// upstreamClientID is the client id of the proxy's own requests to the broker (its
// connections' version negotiation); relayed requests keep their client's.
const upstreamClientID = "kio-test-proxy"

// Serve starts a proxy accepting on ln and forwarding each connection to target (a
// host:port dialled over TCP). rewrite, if not nil, may change responses on their way
// (see Rewrite). The proxy owns ln from then on; Close stops it.
func Serve(ln net.Listener, target string, rewrite Rewrite) *Proxy {
	p := &Proxy{
		target:  target,
		rewrite: rewrite,
		addr:    ln.Addr().String(),
		served:  make(chan struct{}),
		conns:   map[*server.Peer]*conn{},
		stats:   map[statKey]*Stat{},
	}
	p.srv = &server.Server{
		RawHandler: p,
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			p.mu.Lock()
			p.accepted++
			p.mu.Unlock()
			return ctx
		},
		OnClose: p.connClosed,
	}
	go func() {
		defer close(p.served)
		p.srv.Serve(ln)
	}()
	return p
}

// Addr returns the address clients connect to.
func (p *Proxy) Addr() string { return p.addr }

// Close stops accepting, closes every connection and waits until every frame already
// read has been checked, so Stats, Problems and Skips are complete once it returns.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for _, c := range p.conns {
		c.upstream.Close()
	}
	p.mu.Unlock()
	err := p.srv.Close()
	<-p.served
	p.handling.Wait()
	return err
}

// Connections returns how many client connections the proxy has accepted.
func (p *Proxy) Connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// Stats returns the frame counts, sorted by client, API key and version.
func (p *Proxy) Stats() []Stat {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Stat, 0, len(p.stats))
	for _, s := range p.stats {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Stat) int {
		if c := strings.Compare(a.Client, b.Client); c != 0 {
			return c
		}
		if a.APIKey != b.APIKey {
			return int(a.APIKey) - int(b.APIKey)
		}
		return int(a.APIVersion) - int(b.APIVersion)
	})
	return out
}

// Problems returns the frames that did not round trip, in the order they were checked.
func (p *Proxy) Problems() []Problem {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.problems)
}

// Skips returns the frames deliberately not compared.
func (p *Proxy) Skips() []Skip {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.skips)
}

// Err returns an error listing the problems and skips p recorded, or nil where it
// recorded none: the verdict of a run in which every frame must round trip and none is
// passed over.
func (p *Proxy) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.problems) == 0 && len(p.skips) == 0 {
		return nil
	}
	return fmt.Errorf("proxy problems %v, skips %+v", p.problems, p.skips)
}

func (p *Proxy) addProblem(pr Problem) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.problems = append(p.problems, pr)
}

// frameOutcome is what became of one frame.
type frameOutcome struct{ identical, skipped, rewritten bool }

// count records one frame of the given client, API and direction.
func (p *Proxy) count(client string, key, version int16, d Direction, o frameOutcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := statKey{client, key, version}
	s := p.stats[k]
	if s == nil {
		s = &Stat{Client: client, APIKey: key, APIVersion: version}
		p.stats[k] = s
	}
	if d == ToBroker {
		s.Requests++
	} else {
		s.Responses++
	}
	if o.identical {
		s.Identical++
	}
	if o.skipped {
		s.Skipped++
	}
	if o.rewritten {
		s.Rewritten++
	}
}

// conn is one proxied connection: a client's, and the kio/client connection to the
// broker opened for it on its first request.
type conn struct {
	upstream *client.Conn

	mu    sync.Mutex
	label string // the client id of the connection's requests
}

func (c *conn) clientLabel() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.label == "" {
		return "?"
	}
	return c.label
}

func (c *conn) setLabel(clientID *string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if clientID != nil && c.label == "" {
		c.label = *clientID
	}
}

// watch records why the broker side of c broke, where that is a frame kio/client could
// not take: a size prefix out of bounds, or a response to no request in flight. (The
// broker hanging up is not kio's concern.) The client's next request then fails, and
// the server closes its connection.
func (p *Proxy) watch(c *conn) {
	defer p.handling.Done()
	<-c.upstream.Done()
	err := c.upstream.Err()
	if errors.Is(err, frame.ErrFrameTooLarge) || errors.Is(err, frame.ErrNegativeFrameSize) || errors.Is(err, frame.ErrUnknownCorrelationID) {
		p.addProblem(Problem{Client: c.clientLabel(), Direction: ToClient, APIKey: -1, APIVersion: -1, Err: err})
	}
}

// connFor returns the proxied connection of a client connection, dialling the broker on
// its first request. The server hands one connection's requests to the raw handler one
// at a time, so a conn is only ever used by one goroutine at once.
func (p *Proxy) connFor(ctx context.Context, peer *server.Peer) (*conn, error) {
	p.mu.Lock()
	c, ok := p.conns[peer]
	closed := p.closed
	p.mu.Unlock()
	if ok {
		return c, nil
	}
	if closed {
		return nil, errors.New("proxy closed")
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	up, err := (&client.Dialer{ClientID: upstreamClientID, NetDialer: &net.Dialer{Timeout: 5 * time.Second}}).Dial(dctx, p.target)
	if err != nil {
		// A dial the proxy's own shutdown (or the client leaving) cut short loses no
		// frame: nothing was read from the client beyond this request, which fails.
		if ctx.Err() == nil && !errors.Is(err, server.ErrServerClosed) {
			p.addProblem(Problem{Client: "?", APIKey: -1, APIVersion: -1,
				Err: fmt.Errorf("dial broker %s: %w", p.target, err)})
		}
		return nil, err
	}
	c = &conn{upstream: up}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		up.Close()
		return nil, errors.New("proxy closed")
	}
	p.conns[peer] = c
	p.handling.Add(1)
	go p.watch(c)
	return c, nil
}

// connClosed ends the broker side of a client connection that ended, and records a
// framing error of the client's (a size prefix out of bounds, a header that does not
// parse); the client hanging up, even mid-frame, is not kio's concern.
func (p *Proxy) connClosed(peer *server.Peer, err error) {
	p.mu.Lock()
	c := p.conns[peer]
	delete(p.conns, peer)
	p.mu.Unlock()
	label := "?"
	if c != nil {
		c.upstream.Close()
		label = c.clientLabel()
	}
	var fe *frame.FrameError
	var he *server.HandlerError
	if errors.As(err, &fe) && !errors.As(err, &he) && (fe.Op == "peek request" ||
		errors.Is(err, frame.ErrFrameTooLarge) || errors.Is(err, frame.ErrNegativeFrameSize)) {
		// The client's framing; the broker's is the relay's to record.
		p.addProblem(Problem{Client: label, Direction: ToBroker, APIKey: -1, APIVersion: -1, Err: err})
	}
}

// begin counts a relay in progress for Close to wait for, unless the proxy is closed:
// Close waits only once nothing can begin.
func (p *Proxy) begin() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.handling.Add(1)
	return true
}

// ServeKafkaFrame relays one request frame to the broker and returns the frame to
// forward to the client, checking both on the way. It is the proxy's server.RawHandler.
func (p *Proxy) ServeKafkaFrame(ctx context.Context, raw *server.RawRequest) ([]byte, bool, error) {
	if !p.begin() {
		return nil, false, errors.New("proxy closed")
	}
	defer p.handling.Done()
	c, err := p.connFor(ctx, raw.Peer)
	if err != nil {
		return nil, false, err
	}
	p.request(c, raw.Frame, raw.Key, raw.Version, raw.CorrelationID)
	resp, err := c.upstream.RoundTripFrame(ctx, raw.Frame)
	if err != nil { // the broker side broke: watch records why, where it is kio's concern
		return nil, false, err
	}
	if resp == nil { // a Produce with acks=0: no response
		return nil, true, nil
	}
	return p.response(c, resp, raw.Key, raw.Version, raw.CorrelationID), true, nil
}

// request checks a request frame before it is relayed.
func (p *Proxy) request(c *conn, f []byte, key, version int16, corr int32) {
	req, parseErr := p.framer.ParseRequest(f)
	if parseErr == nil {
		c.setLabel(req.Header.ClientId)
	} else {
		c.setLabel(headerClientID(f, key, version))
	}
	client := c.clientLabel()
	identical := false
	switch {
	case parseErr != nil && beyondSchema(key, version):
		// As a broker reads it (KIP-511): the header, whose layout every flexible
		// version shares; the body of a version nobody but its sender knows is
		// never read, by the broker either.
		again, err := reencodeHeader(f)
		identical = p.compare(client, ToBroker, key, version, corr, f, again, err)
	case parseErr != nil:
		p.addProblem(Problem{Client: client, Direction: ToBroker, APIKey: key,
			APIVersion: version, CorrelationID: corr, Err: parseErr, Original: bytes.Clone(f)})
	default:
		again, err := p.framer.AppendRequest(nil, req)
		identical = p.compare(client, ToBroker, key, version, corr, f, again, err)
		p.captured(ToBroker, key, version, f)
	}
	p.count(client, key, version, ToBroker, frameOutcome{identical: identical})
}

// response checks a response frame and returns the bytes to forward: the frame itself,
// or its rewritten encoding.
func (p *Proxy) response(c *conn, f []byte, key, version int16, corr int32) (forward []byte) {
	client := c.clientLabel()
	var o frameOutcome
	defer func() { p.count(client, key, version, ToClient, o) }()
	resp, readAt, err := p.framer.ParseResponseVersion(f, key, version)
	if err != nil {
		p.addProblem(Problem{Client: client, Direction: ToClient, APIKey: key,
			APIVersion: version, CorrelationID: corr, Err: err, Original: f})
		return f
	}
	version = readAt // an ApiVersions answer in v0 (KIP-511) is checked, and counted, as v0
	again, err := p.framer.AppendResponse(nil, key, version, resp)
	o.identical = p.compare(client, ToClient, key, version, corr, f, again, err)
	p.captured(ToClient, key, version, f)
	if p.rewrite == nil || !p.rewrite(key, version, resp) {
		return f
	}
	changed, err := p.framer.AppendResponse(nil, key, version, resp)
	if err != nil {
		p.addProblem(Problem{Client: client, Direction: ToClient, APIKey: key, APIVersion: version,
			CorrelationID: corr, Err: fmt.Errorf("encoding the rewritten response: %w", err), Original: f})
		return f
	}
	o.rewritten = true
	return changed
}

// compare records a Problem unless kio's encoding equals the original frame.
func (p *Proxy) compare(client string, d Direction, key, version int16, corr int32, original, again []byte, err error) bool {
	if err == nil && bytes.Equal(original, again) {
		return true
	}
	pr := Problem{Client: client, Direction: d, APIKey: key, APIVersion: version,
		CorrelationID: corr, Err: err, Original: bytes.Clone(original)}
	if err == nil {
		pr.Reencoded = again
	}
	p.addProblem(pr)
	return false
}

// reencodeHeader decodes the request header (version 2) of an ApiVersions request
// frame above kio's schema, encodes it again and appends the body as it came.
func reencodeHeader(frame []byte) ([]byte, error) {
	var h requestheader.RequestHeader
	n, err := serial.UnmarshalPrefix(frame[4:], &h, 2)
	if err != nil {
		return nil, err
	}
	out, err := serial.Append([]byte{0, 0, 0, 0}, &h, 2)
	if err != nil {
		return nil, err
	}
	out = append(out, frame[4+n:]...)
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	return out, nil
}

// headerClientID decodes just the header of a request frame whose body kio could not
// decode, for the client id; nil if the header does not decode either.
func headerClientID(frame []byte, key, version int16) *string {
	api, ok := schema.Lookup(key)
	if !ok || len(frame) < 4 {
		return nil
	}
	var h requestheader.RequestHeader
	if _, err := serial.UnmarshalPrefix(frame[4:], &h, api.RequestHeaderVersion(version)); err != nil {
		return nil
	}
	return h.ClientId
}

// beyondSchema reports an ApiVersions request of a version kio's schema does not define.
// Clients send their newest ApiVersions version first; a broker that does not serve it
// answers with a version 0 response carrying UNSUPPORTED_VERSION (KIP-511), which the
// Framer reads as Java does (see frame.Framer.ParseResponse).
func beyondSchema(key, version int16) bool {
	if key != apiVersionsKey {
		return false
	}
	api, ok := schema.Lookup(key)
	return ok && version > api.Versions.Hi
}
