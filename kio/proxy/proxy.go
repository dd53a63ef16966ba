package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// Errors the proxy reports (wrapped in a *ConnError) when it closes a connection.
var (
	ErrUnknownAPI       = errors.New("request of an API key kio does not know, refused")
	ErrSASLHandshakeV0  = errors.New("SaslHandshake v0 (unframed SASL tokens) is not relayed")
	ErrDropped          = errors.New("a filter dropped a request that expects a response")
	ErrCorrelation      = errors.New("upstream answered with a correlation id not in flight")
	ErrUpstreamResponse = errors.New("upstream response could not be decoded")
	ErrBadAnswer        = errors.New("a filter's answer is not the API's response type")
	ErrClosed           = errors.New("proxy closed")
)

// ConnError is why the proxy closed a client connection.
type ConnError struct {
	Conn   *Conn
	Op     string // "read request", "dial upstream", "read response", "filter", ...
	APIKey int16  // -1 where not known
	Err    error
}

// Error says which connection, what and why.
func (e *ConnError) Error() string {
	s := fmt.Sprintf("kio/proxy: conn %d from %v to %s: %s", e.Conn.ID, e.Conn.Client, e.Conn.Upstream, e.Op)
	if e.APIKey >= 0 {
		s += " (API key " + strconv.Itoa(int(e.APIKey)) + ")"
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ConnError) Unwrap() error { return e.Err }

// Proxy relays Kafka clients to an upstream cluster. It keeps one listener per upstream
// broker: the first ones for the bootstrap servers, more as responses name brokers it has
// not seen (a broker added to the cluster shows up in Metadata), and it rewrites every
// broker endpoint in the responses to the address of the listener for that broker, so a
// client given the proxy's bootstrap address never connects around it.
//
// Set the fields, then call Start; the fields must not change afterwards. Close stops it.
type Proxy struct {
	// Upstream lists the upstream cluster's bootstrap servers, host:port each.
	Upstream []string

	// Addr is where the listener for the first bootstrap server listens, such as
	// "127.0.0.1:9092"; the default "127.0.0.1:0" picks a free port. The other listeners
	// listen on the same host (see ListenAddr).
	Addr string

	// ListenAddr, if set, chooses the address of the listener for an upstream endpoint
	// (a bootstrap server, with NodeID -1, or a broker a response names), for example a
	// port per node id so that clients' cached addresses survive a restart of the proxy.
	// By default: Addr's host and a free port.
	ListenAddr func(upstream Endpoint) string

	// AdvertisedHost, if set, is the host clients are given for every listener instead
	// of the listener's own (a name clients resolve, in front of a NAT or container).
	AdvertisedHost string

	// TLS, if set, makes the listeners speak TLS to clients.
	TLS *tls.Config

	// ClientSASL, if not empty, makes the proxy authenticate clients itself with these
	// mechanisms (kio/server's SASL) instead of relaying their SASL frames to the
	// brokers; the principal is in each Call's Conn. Set UpstreamSASL too when the brokers
	// require authentication.
	ClientSASL []sasl.ServerMechanism
	// ClientSessionLifetime, with ClientSASL, limits a client's SASL session as Kafka's
	// connections.max.reauth.ms does (KIP-368, kio/server's SessionLifetime): clients are
	// told it when they log in and re-authenticate with the proxy before it ends; one
	// that does not is disconnected at its next request. 0 means sessions never end.
	ClientSessionLifetime time.Duration

	// Dial opens a connection to an upstream broker; by default a net.Dialer with a
	// 10-second timeout, then a TLS handshake if UpstreamTLS is set. The proxy then
	// negotiates versions on it and authenticates as UpstreamSASL says (kio/client).
	Dial func(ctx context.Context, addr string) (net.Conn, error)

	// UpstreamTLS, if set, makes the default Dial speak TLS to the brokers (the server
	// name is the broker's host unless the config names one).
	UpstreamTLS *tls.Config

	// UpstreamSASL, if set, authenticates every upstream connection as the proxy's own
	// principal (kio/client's SASL: PLAIN, SCRAM-SHA-256/512, tokens). Leave it nil to
	// relay the clients' own SASL exchanges to the brokers, the default.
	UpstreamSASL sasl.Mechanism

	// Filters holds the hooks run on requests and responses; nil relays everything.
	Filters *Filters

	// OnFrame, if set, is called with every request frame a client sends and every
	// response frame the proxy writes back, as the client sees them (see Frame): a
	// protocol log or a tap. It only observes: frames are still relayed undecoded unless
	// a filter or an endpoint rewrite needs them decoded, but each is read whole before
	// it is relayed (no cut-through, see the package doc). It runs on the connection's
	// goroutine, a connection's frames one at a time in order (each request, then its
	// response: with OnFrame set a connection's requests are relayed one at a time, not
	// pipelined); different
	// connections call it concurrently. With ClientSASL, the frames the proxy's
	// kio/server answers before a client has logged in (its SASL exchange and the
	// ApiVersions before it) are not seen.
	OnFrame func(*Frame)

	// UnknownAPIs says whether requests of API keys kio does not know are relayed
	// (the default) or refused.
	UnknownAPIs UnknownAPIs

	// MaxFrameSize bounds the frames read from either side; 0 means 100 MiB (Kafka's
	// socket.request.max.bytes). A larger size prefix closes the connection before
	// anything is allocated.
	MaxFrameSize int32

	// UpstreamTimeout, if positive, bounds how long the proxy waits for the next
	// response of a connection with requests in flight, and for a broker to take a
	// request; a stalled broker's connection is closed after it (the client retries as
	// it would on its own timeout). It must exceed the longest Fetch max wait the
	// clients use. For a request relayed cut-through (package doc) it also bounds the
	// time the client takes to send it, which the broker waits through. Without it a stalled broker holds its connections until it recovers
	// or the client gives up (a client closing is seen once its requests are written).
	UpstreamTimeout time.Duration

	// IdleTimeout, if positive, closes client connections that send no request for this
	// long (Kafka's connections.max.idle.ms; kio/server's IdleTimeout).
	IdleTimeout time.Duration

	// ErrorLog, if set, is told why each connection that ended with an error ended.
	ErrorLog func(error)

	// DiscoveryInterval, if positive, makes the proxy ask the cluster for its brokers
	// this often (Discover) and open listeners for new ones. Start discovers once
	// either way.
	DiscoveryInterval time.Duration

	mu        sync.Mutex
	started   bool
	closed    bool
	listeners map[string]*listener // by upstream host:port
	order     []*listener
	wg        sync.WaitGroup // listeners' Serve loops, live connections, discovery
	stop      chan struct{}  // closed by Close

	clusterVersions servedVersions // with ClientSASL: what clients are told before they log in
	nextID          atomic.Uint64
	stats           counters
}

// listener is the proxy's listener for one upstream broker: a kio/server Server whose
// handler relays to that broker.
type listener struct {
	ln         net.Listener
	srv        *server.Server
	upstream   string // host:port
	node       int32  // the upstream node id where known, else -1
	advertised Endpoint
}

// Mapping is one listener of the proxy and the upstream broker it relays to.
type Mapping struct {
	Listen     string   // the listener's address
	Advertised Endpoint // what clients are told
	Upstream   string   // the broker's host:port
	NodeID     int32    // the broker's node id where a response named it, else -1
}

// Start opens the listeners for the bootstrap servers, starts serving, and asks the
// cluster for its brokers (Discover) to open theirs; a cluster that does not answer yet
// is no error (ErrorLog hears it), since responses open listeners as they name brokers.
func (p *Proxy) Start() error {
	if len(p.ClientSASL) > 0 {
		// kio/server answers ApiVersions before a client logs in; it must know the
		// cluster's versions by then.
		if err := p.learnVersions(); err != nil {
			return err
		}
	}
	if err := p.start(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Discover(ctx); err != nil {
		p.logError(err)
	}
	if p.DiscoveryInterval > 0 {
		p.wg.Add(1)
		go p.discoverEvery(p.DiscoveryInterval, p.stop)
	}
	return nil
}

// learnVersions asks a bootstrap server for the cluster's API versions.
func (p *Proxy) learnVersions() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	for _, up := range p.Upstream {
		c, err := p.dialUpstream(ctx, up)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.clusterVersions = servedVersionsOf(c.APIVersions(), p.UnknownAPIs)
		c.Close()
		return nil
	}
	return fmt.Errorf("kio/proxy: the cluster's API versions, needed to answer clients before they log in: %w", errors.Join(errs...))
}

func (p *Proxy) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return errors.New("kio/proxy: started twice")
	}
	if len(p.Upstream) == 0 {
		return errors.New("kio/proxy: no upstream bootstrap server")
	}
	p.started = true
	p.listeners = map[string]*listener{}
	p.stop = make(chan struct{})
	for i, up := range p.Upstream {
		host, port, err := splitHostPort(up)
		if err != nil {
			p.closeLocked()
			return err
		}
		addr := ""
		if i == 0 {
			addr = p.Addr
		}
		if _, err := p.listenLocked(Endpoint{NodeID: -1, Host: host, Port: port}, addr); err != nil {
			p.closeLocked()
			return err
		}
	}
	return nil
}

// BootstrapAddr returns the bootstrap address clients are given: the advertised address of the
// first bootstrap server's listener.
func (p *Proxy) BootstrapAddr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.order) == 0 {
		return ""
	}
	return p.order[0].advertised.String()
}

// Mappings returns the proxy's listeners, in the order they were opened.
func (p *Proxy) Mappings() []Mapping {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Mapping, 0, len(p.order))
	for _, l := range p.order {
		out = append(out, Mapping{Listen: l.ln.Addr().String(), Advertised: l.advertised, Upstream: l.upstream, NodeID: l.node})
	}
	return out
}

// Close stops every listener, closes every connection and waits for their goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closeLocked()
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

func (p *Proxy) closeLocked() {
	if !p.closed && p.stop != nil {
		close(p.stop)
	}
	p.closed = true
	for _, l := range p.order {
		l.srv.Close()
	}
}

func splitHostPort(addr string) (string, int32, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("kio/proxy: upstream %q: %w", addr, err)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("kio/proxy: upstream %q: bad port: %w", addr, err)
	}
	return host, int32(n), nil
}

// listenLocked opens the listener for an upstream endpoint (at addr, or where ListenAddr
// or the default put it) and starts accepting on it.
func (p *Proxy) listenLocked(up Endpoint, addr string) (*listener, error) {
	key := up.String()
	if l := p.listeners[key]; l != nil {
		if l.node < 0 {
			l.node = up.NodeID
		}
		return l, nil
	}
	if p.closed {
		return nil, ErrClosed
	}
	if addr == "" && p.ListenAddr != nil {
		addr = p.ListenAddr(up)
	}
	if addr == "" {
		host := "127.0.0.1"
		if p.Addr != "" {
			if h, _, err := net.SplitHostPort(p.Addr); err == nil {
				host = h
			}
		}
		addr = net.JoinHostPort(host, "0")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("kio/proxy: listen for upstream %s: %w", key, err)
	}
	tcp := ln.Addr().(*net.TCPAddr)
	adv := Endpoint{NodeID: up.NodeID, Host: tcp.IP.String(), Port: int32(tcp.Port)}
	if h, _, err := net.SplitHostPort(addr); err == nil && h != "" && net.ParseIP(h) == nil {
		adv.Host = h // a name given by the user stays a name
	}
	if p.AdvertisedHost != "" {
		adv.Host = p.AdvertisedHost
	}
	if p.TLS != nil {
		ln = tls.NewListener(ln, p.TLS)
	}
	l := &listener{ln: ln, upstream: key, node: up.NodeID, advertised: adv}
	l.srv = p.newServer(l)
	p.listeners[key] = l
	p.order = append(p.order, l)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		l.srv.Serve(ln)
	}()
	return l, nil
}

// newServer is the kio/server Server of a listener: every frame goes to the relay, on
// the connection's reader in order (ConnConcurrency 1; the relay pipelines, see
// StartKafkaFrame), so a connection's requests reach the broker in the order the
// client sent them.
func (p *Proxy) newServer(l *listener) *server.Server {
	var h server.Handler
	if p.clusterVersions != nil {
		h = p.clusterVersions
	}
	return &server.Server{
		Handler:         h,
		RawHandler:      relay{p},
		SASL:            p.ClientSASL,
		SessionLifetime: p.ClientSessionLifetime,
		MaxFrameSize:    p.maxFrame(),
		IdleTimeout:     p.IdleTimeout,
		ConnContext: func(ctx context.Context, nc net.Conn) context.Context {
			// Called once per connection that will be served; OnClose follows.
			p.wg.Add(1)
			p.stats.connections.Add(1)
			c := &conn{p: p, info: Conn{ID: p.nextID.Add(1), Client: nc.RemoteAddr(), Listener: l.ln.Addr().String(), Upstream: l.upstream}}
			return context.WithValue(ctx, connKey{}, c)
		},
		OnClose: func(peer *server.Peer, err error) {
			defer p.wg.Done()
			p.onClose(peer, err)
		},
	}
}

// mapEndpoint is the Mapper the proxy rewrites responses with: the advertised address
// of the listener for the endpoint's broker, opened on first sight.
func (p *Proxy) mapEndpoint(up Endpoint) (Endpoint, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, err := p.listenLocked(up, "")
	if err != nil {
		return Endpoint{}, err
	}
	out := l.advertised
	out.NodeID = up.NodeID
	return out, nil
}

// IsUpstream reports whether addr (host:port) is the address of an upstream broker
// the proxy relays to: a test's check that no broker address reaches a client.
func (p *Proxy) IsUpstream(addr string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.listeners[addr]
	return ok
}

// onClose hears why a client connection ended: counted when the proxy refused a frame,
// and told to ErrorLog unless the client simply left.
func (p *Proxy) onClose(peer *server.Peer, err error) {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, server.ErrServerClosed) {
		return
	}
	var ce *ConnError
	if !errors.As(err, &ce) {
		if errors.Is(err, frame.ErrFrameTooLarge) || errors.Is(err, frame.ErrNegativeFrameSize) {
			p.stats.refused.Add(1)
		}
		info := &Conn{Client: peer.RemoteAddr, Listener: peer.LocalAddr.String()}
		p.mu.Lock()
		for _, l := range p.order {
			if l.ln.Addr().String() == info.Listener {
				info.Upstream = l.upstream
			}
		}
		p.mu.Unlock()
		ce = &ConnError{Conn: info, Op: "read request", APIKey: -1, Err: err}
	}
	p.logError(ce)
}

// dialUpstream opens a kio/client connection to an upstream broker: dialled by Dial (or
// the default, with UpstreamTLS), versions negotiated, authenticated with UpstreamSASL.
func (p *Proxy) dialUpstream(ctx context.Context, addr string) (*client.Conn, error) {
	nc, err := p.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	d := client.Dialer{ClientID: "kio-proxy", SASL: p.UpstreamSASL, MaxFrameSize: p.maxFrame()}
	return d.NewConn(ctx, nc)
}

func (p *Proxy) dial(ctx context.Context, addr string) (net.Conn, error) {
	if p.Dial != nil {
		return p.Dial(ctx, addr)
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil || p.UpstreamTLS == nil {
		return nc, err
	}
	cfg := p.UpstreamTLS.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(addr)
	}
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return tc, nil
}

func (p *Proxy) maxFrame() int32 {
	if p.MaxFrameSize <= 0 {
		return frame.DefaultMaxFrameSize
	}
	return p.MaxFrameSize
}

func (p *Proxy) logError(err error) {
	if p.ErrorLog != nil {
		p.ErrorLog(err)
	}
}

// counters are the proxy's statistics, updated atomically.
type counters struct {
	connections, requests, responses, relayed, streamed, decoded, rewritten, answered, dropped, refused atomic.Int64
	streamedResponses, endpointsDropped                                                                 atomic.Int64
}

// Stats are a proxy's counts since it started.
type Stats struct {
	Connections        int64 // client connections accepted
	Requests           int64 // request frames read from clients
	Responses          int64 // response frames written to clients (answers included)
	Relayed            int64 // frames relayed without being decoded (either direction)
	Streamed           int64 // requests among them relayed cut-through, as they arrived (package doc, "Cut-through")
	Decoded            int64 // frames decoded (either direction)
	EndpointsRewritten int64 // broker endpoints rewritten in responses
	StreamedResponses  int64 // Fetch responses relayed as they arrived (package doc, "Cut-through")
	EndpointsDropped   int64 // NodeEndpoints of streamed Fetch responses dropped for want of room (fetchstream.go)
	Answered           int64 // requests answered by the proxy: by a filter, and ApiVersions
	Dropped            int64 // requests and responses dropped by a filter
	Refused            int64 // connections closed for a frame the proxy refuses
	Listeners          int   // listeners open
}

// Stats returns the proxy's counts.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	n := len(p.order)
	p.mu.Unlock()
	s := &p.stats
	return Stats{Connections: s.connections.Load(), Requests: s.requests.Load(), Responses: s.responses.Load(),
		Relayed: s.relayed.Load(), Streamed: s.streamed.Load(), Decoded: s.decoded.Load(), EndpointsRewritten: s.rewritten.Load(),
		Answered: s.answered.Load(), Dropped: s.dropped.Load(), Refused: s.refused.Load(), Listeners: n,
		StreamedResponses: s.streamedResponses.Load(), EndpointsDropped: s.endpointsDropped.Load()}
}
