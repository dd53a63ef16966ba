// Package proxy is a Kafka wire proxy for tests. It sits between real clients and a
// broker, forwards every frame's original bytes unchanged in both directions, and on the
// side decodes each frame with kio, encodes it again and records whether the bytes came
// out identical. Requests are decoded by the API key and version in their header;
// responses by the key and version of the request with the same correlation id on the
// same connection.
//
// Checking never disturbs the traffic: a frame kio cannot decode, or encodes to different
// bytes, is recorded as a Problem and still forwarded as it came. Only a broken frame
// boundary (a size prefix the proxy cannot frame) ends a connection, since nothing after
// it can be found again.
//
// A Rewrite may change decoded responses before they are forwarded (say, to adjust what
// a broker advertises). A rewritten frame is still checked first: its original bytes
// must round trip like any other frame; then kio's encoding of the changed response is
// what the client gets.
package proxy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
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
	ln      net.Listener
	target  string
	rewrite Rewrite
	framer  frame.Framer

	wg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}

	stats    map[statKey]*Stat
	problems []Problem
	skips    []Skip
	accepted int
	onFrame  func(d Direction, key, version int16, raw []byte)
}

// OnFrame sets a function called with every frame that kio decoded, in either
// direction, with the API key and version it was decoded at: a way to capture real
// clients' frames, for example as fuzzing seeds. It must not keep or modify frame
// beyond the call without copying it.
func (p *Proxy) OnFrame(f func(d Direction, key, version int16, raw []byte)) {
	p.mu.Lock()
	p.onFrame = f
	p.mu.Unlock()
}

func (p *Proxy) captured(d Direction, key, version int16, raw []byte) {
	p.mu.Lock()
	f := p.onFrame
	p.mu.Unlock()
	if f != nil {
		f(d, key, version, raw)
	}
}

// Serve starts a proxy accepting on ln and forwarding each connection to target (a
// host:port dialled over TCP). rewrite, if not nil, may change responses on their way
// (see Rewrite). The proxy owns ln from then on; Close stops it.
func Serve(ln net.Listener, target string, rewrite Rewrite) *Proxy {
	p := &Proxy{
		ln:      ln,
		target:  target,
		rewrite: rewrite,
		conns:   map[net.Conn]struct{}{},
		stats:   map[statKey]*Stat{},
	}
	p.wg.Add(1)
	go p.accept()
	return p
}

// Addr returns the address clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Close stops accepting, closes every connection and waits until every frame already
// read has been checked, so Stats, Problems and Skips are complete once it returns.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
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

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		broker, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			p.addProblem(Problem{Client: "?", APIKey: -1, APIVersion: -1,
				Err: fmt.Errorf("dial broker %s: %w", p.target, err)})
			client.Close()
			continue
		}
		if !p.track(client, broker) {
			client.Close()
			broker.Close()
			return
		}
		c := &conn{p: p, client: client, broker: broker}
		p.wg.Add(2)
		go c.requests()
		go c.responses()
	}
}

// track registers a connection pair so Close can end it; false once the proxy is closed.
func (p *Proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	p.accepted++
	return true
}

func (p *Proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
	}
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

// conn is one proxied connection: a client and the broker connection opened for it.
type conn struct {
	p              *Proxy
	client, broker net.Conn
	inFlight       frame.InFlight

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
	if clientID == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.label == "" {
		c.label = *clientID
	}
}

// closeBoth ends the connection in both directions, so the other goroutine stops too.
func (c *conn) closeBoth() {
	c.client.Close()
	c.broker.Close()
	c.p.untrack(c.client, c.broker)
}

// requests forwards client frames to the broker.
func (c *conn) requests() {
	defer c.p.wg.Done()
	defer c.closeBoth()
	for {
		raw, err := c.p.framer.ReadFrame(c.client)
		if err != nil {
			c.framingError(ToBroker, err)
			return
		}
		check := c.request(raw)
		if _, err := c.broker.Write(raw); err != nil {
			return
		}
		check()
	}
}

// request decodes a request frame and registers it as awaiting a response, which must
// happen before the frame is forwarded lest the response overtake it. It returns the
// byte comparison, which can wait until the frame is on its way.
func (c *conn) request(raw []byte) (check func()) {
	key, version, corr, err := frame.PeekRequest(raw)
	if err != nil {
		c.p.addProblem(Problem{Client: c.clientLabel(), Direction: ToBroker, APIKey: -1,
			APIVersion: -1, Err: err, Original: raw})
		return func() {}
	}
	req, parseErr := c.p.framer.ParseRequest(raw)
	if parseErr == nil {
		c.setLabel(req.Header.ClientId)
	} else {
		c.setLabel(headerClientID(raw, key, version))
	}
	if !expectsResponse(req) {
		// A Produce with acks=0 gets no response (and so no in-flight entry).
	} else if err := c.inFlight.Add(corr, key, version); err != nil {
		c.p.addProblem(Problem{Client: c.clientLabel(), Direction: ToBroker, APIKey: key,
			APIVersion: version, CorrelationID: corr, Err: err, Original: raw})
	}
	return func() {
		client := c.clientLabel()
		identical := false
		switch {
		case parseErr != nil && beyondSchema(key, version):
			// As a broker reads it (KIP-511): the header, whose layout every flexible
			// version shares; the body of a version nobody but its sender knows is
			// never read, by the broker either.
			again, err := reencodeHeader(raw)
			identical = c.compare(ToBroker, key, version, corr, raw, again, err)
		case parseErr != nil:
			c.p.addProblem(Problem{Client: client, Direction: ToBroker, APIKey: key,
				APIVersion: version, CorrelationID: corr, Err: parseErr, Original: raw})
		default:
			again, err := c.p.framer.AppendRequest(nil, req)
			identical = c.compare(ToBroker, key, version, corr, raw, again, err)
			c.p.captured(ToBroker, key, version, raw)
		}
		c.p.count(client, key, version, ToBroker, frameOutcome{identical: identical})
	}
}

// reencodeHeader decodes the request header (version 2) of an ApiVersions request
// frame above kio's schema, encodes it again and appends the body as it came.
func reencodeHeader(raw []byte) ([]byte, error) {
	var h requestheader.RequestHeader
	n, err := serial.UnmarshalPrefix(raw[4:], &h, 2)
	if err != nil {
		return nil, err
	}
	out, err := serial.Append([]byte{0, 0, 0, 0}, &h, 2)
	if err != nil {
		return nil, err
	}
	out = append(out, raw[4+n:]...)
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	return out, nil
}

// responses forwards broker frames to the client.
func (c *conn) responses() {
	defer c.p.wg.Done()
	defer c.closeBoth()
	for {
		raw, err := c.p.framer.ReadFrame(c.broker)
		if err != nil {
			c.framingError(ToClient, err)
			return
		}
		if _, err := c.client.Write(c.response(raw)); err != nil {
			return
		}
	}
}

// response checks a response frame and returns the bytes to forward: the frame itself,
// or its rewritten encoding.
func (c *conn) response(raw []byte) (forward []byte) {
	client := c.clientLabel()
	corr, err := frame.PeekCorrelationID(raw)
	if err != nil {
		c.p.addProblem(Problem{Client: client, Direction: ToClient, APIKey: -1, APIVersion: -1,
			Err: err, Original: raw})
		return raw
	}
	key, version, ok := c.inFlight.Take(corr)
	if !ok {
		c.p.addProblem(Problem{Client: client, Direction: ToClient, APIKey: -1, APIVersion: -1,
			CorrelationID: corr, Err: errors.New("response to no request in flight"), Original: raw})
		return raw
	}
	var o frameOutcome
	defer func() { c.p.count(client, key, version, ToClient, o) }()
	resp, readAt, err := c.p.framer.ParseResponseVersion(raw, key, version)
	if err != nil {
		c.p.addProblem(Problem{Client: client, Direction: ToClient, APIKey: key,
			APIVersion: version, CorrelationID: corr, Err: err, Original: raw})
		return raw
	}
	version = readAt // an ApiVersions answer in v0 (KIP-511) is checked, and counted, as v0
	again, err := c.p.framer.AppendResponse(nil, key, version, resp)
	o.identical = c.compare(ToClient, key, version, corr, raw, again, err)
	c.p.captured(ToClient, key, version, raw)
	if c.p.rewrite == nil || !c.p.rewrite(key, version, resp) {
		return raw
	}
	changed, err := c.p.framer.AppendResponse(nil, key, version, resp)
	if err != nil {
		c.p.addProblem(Problem{Client: client, Direction: ToClient, APIKey: key, APIVersion: version,
			CorrelationID: corr, Err: fmt.Errorf("encoding the rewritten response: %w", err), Original: raw})
		return raw
	}
	o.rewritten = true
	return changed
}

// compare records a Problem unless kio's encoding equals the original frame.
func (c *conn) compare(d Direction, key, version int16, corr int32, original, again []byte, err error) bool {
	if err == nil && bytes.Equal(original, again) {
		return true
	}
	pr := Problem{Client: c.clientLabel(), Direction: d, APIKey: key, APIVersion: version,
		CorrelationID: corr, Err: err, Original: original}
	if err == nil {
		pr.Reencoded = again
	}
	c.p.addProblem(pr)
	return false
}

// framingError records a read error that breaks the framing itself (a size prefix that
// is negative or too large); the peer hanging up, even mid-frame, is not kio's concern.
func (c *conn) framingError(d Direction, err error) {
	if errors.Is(err, frame.ErrFrameTooLarge) || errors.Is(err, frame.ErrNegativeFrameSize) {
		c.p.addProblem(Problem{Client: c.clientLabel(), Direction: d, APIKey: -1, APIVersion: -1, Err: err})
	}
}

// headerClientID decodes just the header of a request frame whose body kio could not
// decode, for the client id; nil if the header does not decode either.
func headerClientID(raw []byte, key, version int16) *string {
	api, ok := schema.Lookup(key)
	if !ok || len(raw) < 4 {
		return nil
	}
	var h requestheader.RequestHeader
	if _, err := serial.UnmarshalPrefix(raw[4:], &h, api.RequestHeaderVersion(version)); err != nil {
		return nil
	}
	return h.ClientId
}

// expectsResponse reports whether the broker answers req: every request except a
// Produce with acks=0. A request kio could not decode is assumed to be answered.
func expectsResponse(req *frame.Request) bool {
	if req == nil {
		return true
	}
	if pr, ok := req.Body.(*produce.ProduceRequest); ok && pr.Acks == 0 {
		return false
	}
	return true
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
