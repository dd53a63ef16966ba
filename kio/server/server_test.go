package server_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/controlledshutdown"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/server"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

func TestAPIVersionsAnswer(t *testing.T) {
	mux := testMux()
	server.HandleVersions(mux, tags.Range{Lo: 0, Hi: 4}, func(ctx context.Context, req *server.Request, body *produce.ProduceRequest) (*produce.ProduceResponse, error) {
		return &produce.ProduceResponse{}, nil
	})
	addr := start(t, &server.Server{Handler: mux})
	c := dialRaw(t, addr)
	av, _ := schema.Lookup(apiversions.APIKey)
	md, _ := schema.Lookup(metadata.APIKey)
	for v := av.Versions.Lo; v <= av.Versions.Hi; v++ {
		id := c.send(&apiversions.ApiVersionsRequest{ClientSoftwareName: "t", ClientSoftwareVersion: "1"}, v)
		resp := c.recv(apiversions.APIKey, v)
		body := resp.Body.(*apiversions.ApiVersionsResponse)
		want := []apiversions.ApiVersion{{ApiKey: produce.APIKey, MinVersion: 0, MaxVersion: 4},
			{ApiKey: metadata.APIKey, MinVersion: md.Versions.Lo, MaxVersion: md.Versions.Hi},
			{ApiKey: apiversions.APIKey, MinVersion: av.Versions.Lo, MaxVersion: av.Versions.Hi}}
		if resp.Header.CorrelationId != id || body.ErrorCode != 0 || fmt.Sprint(body.ApiKeys) != fmt.Sprint(want) {
			t.Errorf("v%d: id %d, error %v, keys %v; want %v", v, resp.Header.CorrelationId, body.ErrorCode, body.ApiKeys, want)
		}
	}
	// KIP-511: a version the server does not know, answered in v0 (a header built by
	// hand: kio cannot encode ApiVersions v99).
	raw := binary.BigEndian.AppendUint32(nil, 0)
	raw = binary.BigEndian.AppendUint16(raw, uint16(apiversions.APIKey))
	raw = binary.BigEndian.AppendUint16(raw, 99)
	raw = binary.BigEndian.AppendUint32(raw, 4242)
	raw = append(raw, 0, 0, 0, 1, 2, 3) // client id "" and what a v99 body might hold
	binary.BigEndian.PutUint32(raw, uint32(len(raw)-4))
	c.nc.Write(raw)
	resp := c.recv(apiversions.APIKey, 99) // read as Java reads it: falls back to v0
	body := resp.Body.(*apiversions.ApiVersionsResponse)
	if resp.Header.CorrelationId != 4242 || body.ErrorCode != common.UnsupportedVersion ||
		len(body.ApiKeys) != 1 || body.ApiKeys[0].ApiKey != apiversions.APIKey || body.ApiKeys[0].MaxVersion != av.Versions.Hi {
		t.Errorf("v99: id %d, %+v", resp.Header.CorrelationId, body)
	}
	// And the connection goes on, as the client retries.
	c.send(metadataFor("after"), 12)
	if got := *c.recv(metadata.APIKey, 12).Body.(*metadata.MetadataResponse).ClusterId; got != "after" {
		t.Errorf("after KIP-511: %q", got)
	}
}

// TestClosesLikeKafka: what Kafka's broker closes a connection for, the server closes
// it for, with a typed error, and other connections go on.
func TestClosesLikeKafka(t *testing.T) {
	cl := newCloses()
	addr := start(t, &server.Server{Handler: testMux(), OnClose: cl.onClose, MaxFrameSize: 1 << 20})
	good := conntest.Dial(t, context.Background(), addr)
	header := func(key, version int16) []byte {
		b := binary.BigEndian.AppendUint16(nil, uint16(key))
		b = binary.BigEndian.AppendUint16(b, uint16(version))
		return append(binary.BigEndian.AppendUint32(b, 1), 0xff, 0xff) // id 1, null client id
	}
	sized := func(payload []byte) []byte {
		return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
	}
	for _, c := range []struct {
		name string
		send []byte
		want error
	}{
		{"unknown API key", sized(header(999, 0)), frame.ErrUnknownAPI},
		{"unknown version", sized(header(metadata.APIKey, 99)), frame.ErrUnsupportedVersion},
		{"API not handled", sized(header(controlledshutdown.APIKey, 1)), frame.ErrUnknownAPI},
		{"body does not parse", sized(append(header(metadata.APIKey, 4), 0, 0, 0, 5)), nil},
		{"2 GiB size prefix", []byte{0x7f, 0xff, 0xff, 0xff, 0, 3}, frame.ErrFrameTooLarge},
		{"negative size", []byte{0xff, 0xff, 0xff, 0xfe}, frame.ErrNegativeFrameSize},
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: kafka\r\n\r\n"), frame.ErrFrameTooLarge},
		{"truncated frame", []byte{0, 0, 0, 100, 0, 3}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			rc := dialRaw(t, addr)
			rc.nc.Write(c.send)
			if c.name == "truncated frame" {
				rc.nc.(interface{ CloseWrite() error }).CloseWrite()
			}
			if !rc.closed() {
				t.Error("connection left open")
			}
			err := cl.next(t)
			if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
				t.Errorf("closed with %v, want %v", err, c.want)
			}
			var fe *frame.FrameError
			if !errors.As(err, &fe) {
				t.Errorf("closed with %T %v, want a *frame.FrameError", err, err)
			}
			resp, err := client.Call[metadata.MetadataResponse](context.Background(), good, metadataFor("still"))
			if err != nil || *resp.ClusterId != "still" {
				t.Errorf("the other connection: %v", err)
			}
		})
	}
}

// TestHugePrefixAllocatesNothing: a size prefix of 2 GiB costs the server no memory
// sized by it, and one just under the limit costs a bounded chunk.
func TestHugePrefixAllocatesNothing(t *testing.T) {
	cl := newCloses()
	addr := start(t, &server.Server{Handler: testMux(), OnClose: cl.onClose})
	measure := func(prefix uint32, conns int) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range conns {
			rc := dialRaw(t, addr)
			rc.nc.Write(binary.BigEndian.AppendUint32(nil, prefix))
			rc.nc.Write([]byte{0, 3, 0, 4})
			rc.nc.Close()
			cl.next(t)
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / uint64(conns)
	}
	if per := measure(0x7fffffff, 20); per > 256<<10 {
		t.Errorf("a 2 GiB prefix cost %d bytes per connection", per)
	}
	if per := measure(frame.DefaultMaxFrameSize, 10); per > 8<<20 {
		t.Errorf("a 100 MiB prefix cost %d bytes per connection", per)
	}
}

func TestHandlerFailuresCloseTheirConnectionOnly(t *testing.T) {
	cl := newCloses()
	addr := start(t, &server.Server{Handler: testMux(), OnClose: cl.onClose})
	good := conntest.Dial(t, context.Background(), addr)
	for _, name := range []string{"boom", "fail", "nil"} {
		t.Run(name, func(t *testing.T) {
			c := conntest.Dial(t, context.Background(), addr)
			if _, err := c.Call(context.Background(), metadataFor(name)); !errors.Is(err, client.ErrClosed) {
				t.Errorf("call: %v, want the connection closed", err)
			}
			var he *server.HandlerError
			err := cl.next(t)
			if !errors.As(err, &he) || he.APIKey != metadata.APIKey {
				t.Fatalf("closed with %v, want a *HandlerError", err)
			}
			if name == "boom" && (he.Panic != "boom" || len(he.Stack) == 0) {
				t.Errorf("panic not reported: %+v", he)
			}
			if name == "nil" && !errors.Is(err, server.ErrNoResponse) {
				t.Errorf("nil response: %v", err)
			}
			if _, err := good.Call(context.Background(), metadataFor("ok")); err != nil {
				t.Errorf("other connection: %v", err)
			}
		})
	}
}

// TestResponseOrder: 64 pipelined requests handled 16 at a time, the earliest slowest;
// the responses come back in request order.
func TestResponseOrder(t *testing.T) {
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		time.Sleep(time.Duration(64-req.Header.CorrelationId) * 100 * time.Microsecond)
		return &metadata.MetadataResponse{}, nil
	})
	counting := &gauge{h: mux}
	addr := start(t, &server.Server{Handler: counting, ConnConcurrency: 16})
	c := dialRaw(t, addr)
	for range 64 {
		c.send(&metadata.MetadataRequest{}, 12)
	}
	for i := int32(1); i <= 64; i++ {
		if got := c.recv(metadata.APIKey, 12).Header.CorrelationId; got != i {
			t.Fatalf("response %d has correlation id %d", i, got)
		}
	}
	if most := counting.peak(); most < 2 || most > 16 {
		t.Errorf("at most %d handlers ran at once, want 2..16", most)
	}
}

// gauge is a Handler that passes each request to h and keeps the most requests h
// handled at once.
type gauge struct {
	h             server.Handler
	mu            sync.Mutex
	running, most int
}

func (g *gauge) ServeKafka(ctx context.Context, req *server.Request) (any, error) {
	g.mu.Lock()
	g.running++
	g.most = max(g.most, g.running)
	g.mu.Unlock()
	defer func() { g.mu.Lock(); g.running--; g.mu.Unlock() }()
	return g.h.ServeKafka(ctx, req)
}

func (g *gauge) peak() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.most
}

// TestOneAtATimeByDefault: without ConnConcurrency, a connection's requests are handled
// one after another, as Kafka's broker handles them.
func TestOneAtATimeByDefault(t *testing.T) {
	h := &gauge{h: server.HandlerFunc(func(ctx context.Context, req *server.Request) (any, error) {
		time.Sleep(time.Millisecond)
		return &metadata.MetadataResponse{}, nil
	})}
	c := dialRaw(t, start(t, &server.Server{Handler: h}))
	for range 10 {
		c.send(&metadata.MetadataRequest{}, 12)
	}
	for range 10 {
		c.recv(metadata.APIKey, 12)
	}
	if most := h.peak(); most != 1 {
		t.Errorf("%d handlers ran at once", most)
	}
}

// TestOneAtATimePipelined: one at a time (the reader handles each request, and writes
// the response itself unless the client pipelines), a pipelined connection's responses
// come in request order, ApiVersions and an acks=0 Produce among them, and are sent
// while the next handler blocks; and the order holds when a client switches between
// waiting for each response and pipelining.
func TestOneAtATimePipelined(t *testing.T) {
	release := make(chan struct{})
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		return &metadata.MetadataResponse{}, nil
	})
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *produce.ProduceRequest) (*produce.ProduceResponse, error) {
		if body.Acks == -1 {
			<-release // a long poll
		}
		return &produce.ProduceResponse{}, nil
	})
	c := dialRaw(t, start(t, &server.Server{Handler: mux}))
	var ids []int32
	for i := range 30 {
		switch i % 3 {
		case 0:
			ids = append(ids, c.send(metadataFor("m"), 12))
		case 1:
			ids = append(ids, c.send(&apiversions.ApiVersionsRequest{}, 3))
		default:
			c.send(&produce.ProduceRequest{Acks: 0}, 9)
		}
	}
	blocked := c.send(&produce.ProduceRequest{Acks: -1}, 9)
	for i, id := range ids {
		key, version := metadata.APIKey, int16(12)
		if i%2 == 1 {
			key, version = apiversions.APIKey, 3
		}
		if got := c.recv(key, version).Header.CorrelationId; got != id {
			t.Fatalf("response %d has correlation id %d, want %d", i, got, id)
		}
	}
	close(release)
	if got := c.recv(produce.APIKey, 9).Header.CorrelationId; got != blocked {
		t.Fatalf("last response has correlation id %d, want %d", got, blocked)
	}
	// Waiting for each response (the reader writes it) and pipelining (the writer
	// does) in turns: the order holds across the switch.
	for round := range 200 {
		n := 1 + round%7
		ids = ids[:0]
		for range n {
			ids = append(ids, c.send(metadataFor("m"), 12))
		}
		for i, id := range ids {
			if got := c.recv(metadata.APIKey, 12).Header.CorrelationId; got != id {
				t.Fatalf("round %d: response %d of %d has correlation id %d, want %d", round, i, n, got, id)
			}
		}
	}
}

func TestSlowHandlerDoesNotBlockOthers(t *testing.T) {
	addr := start(t, &server.Server{Handler: testMux()})
	slow := dialRaw(t, addr)
	slow.send(metadataFor("slow"), 12)
	c := conntest.Dial(t, context.Background(), addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Call(ctx, metadataFor("fast")); err != nil {
		t.Fatal(err)
	}
}

func TestAcksZeroGetsNoResponse(t *testing.T) {
	c := dialRaw(t, start(t, &server.Server{Handler: testMux()}))
	c.send(&produce.ProduceRequest{Acks: 0}, 9)
	c.send(&produce.ProduceRequest{Acks: 0}, 3)
	id := c.send(metadataFor("m"), 12)
	if got := c.recv(metadata.APIKey, 12).Header.CorrelationId; got != id {
		t.Fatalf("first response has id %d, want the Metadata request's %d", got, id)
	}
	id = c.send(&produce.ProduceRequest{Acks: 1}, 9)
	if got := c.recv(produce.APIKey, 9).Header.CorrelationId; got != id {
		t.Fatalf("acks=1 response id %d, want %d", got, id)
	}
}

// TestControlledShutdownV0: request header v0 (no client id) is read and answered.
func TestControlledShutdownV0(t *testing.T) {
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *controlledshutdown.ControlledShutdownRequest) (*controlledshutdown.ControlledShutdownResponse, error) {
		if req.Header.ClientId != nil && *req.Header.ClientId != "" { // absent at header v0
			return nil, errors.New("v0 header carried a client id")
		}
		return &controlledshutdown.ControlledShutdownResponse{ErrorCode: common.ErrorCode(body.BrokerId)}, nil
	})
	cl := newCloses()
	c := dialRaw(t, start(t, &server.Server{Handler: mux, OnClose: cl.onClose}))
	id := c.send(&controlledshutdown.ControlledShutdownRequest{BrokerId: 7}, 0)
	resp := c.recv(controlledshutdown.APIKey, 0)
	if resp.Header.CorrelationId != id || resp.Body.(*controlledshutdown.ControlledShutdownResponse).ErrorCode != 7 {
		t.Errorf("response %+v", resp)
	}
	c.nc.Close()
	if err := cl.next(t); err != nil {
		t.Errorf("connection closed with %v", err)
	}
}

func TestThousandConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 connections: skipped with -short")
	}
	addr := start(t, &server.Server{Handler: testMux()})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	conns := make(chan *client.Conn, 1000)
	for i := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := client.Dial(ctx, addr)
			if err != nil {
				errs <- err
				return
			}
			conns <- c
			name := fmt.Sprint("c", i)
			resp, err := client.Call[metadata.MetadataResponse](ctx, c, metadataFor(name))
			if err != nil || *resp.ClusterId != name {
				errs <- fmt.Errorf("%s: %v", name, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(conns)
	n := 0
	for c := range conns {
		n++
		c.Close()
	}
	for err := range errs {
		t.Error(err)
	}
	if n != 1000 {
		t.Errorf("%d connections, want 1000", n)
	}
}

func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{})
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		close(arrived)
		<-release
		return &metadata.MetadataResponse{ClusterId: ptr("done")}, nil
	})
	srv := &server.Server{Handler: mux}
	addr := start(t, srv)
	c, err := client.Dial(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	result := make(chan error, 1)
	go func() {
		resp, err := client.Call[metadata.MetadataResponse](context.Background(), c, &metadata.MetadataRequest{})
		if err == nil && *resp.ClusterId != "done" {
			err = fmt.Errorf("answer %q", *resp.ClusterId)
		}
		result <- err
	}()
	<-arrived
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	time.Sleep(20 * time.Millisecond)
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v before the request finished", err)
	default:
	}
	close(release)
	if err := <-result; err != nil {
		t.Errorf("request in flight at Shutdown: %v", err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	<-c.Done()
	if _, err := client.Dial(context.Background(), addr); err == nil {
		t.Error("dialed a shut-down server")
	}
}

// TestProxyIsAServerWhoseHandlerIsAClient: a RawHandler relays frames to a second
// server through a client Conn; a client of the first sees the second's answers.
func TestProxyIsAServerWhoseHandlerIsAClient(t *testing.T) {
	backend := start(t, &server.Server{Handler: testMux()})
	upstream := conntest.Dial(t, context.Background(), backend)
	relay := rawFunc(func(ctx context.Context, req *server.RawRequest) ([]byte, bool, error) {
		if req.Key == apiversions.APIKey {
			return nil, false, nil // answered by the proxy's own server
		}
		resp, err := upstream.RoundTripFrame(ctx, req.Frame)
		return resp, true, err
	})
	proxy := start(t, &server.Server{Handler: testMux(), RawHandler: relay})
	c := conntest.Dial(t, context.Background(), proxy)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprint("via-proxy-", i)
			resp, err := client.Call[metadata.MetadataResponse](context.Background(), c, metadataFor(name))
			if err != nil || *resp.ClusterId != name {
				t.Errorf("%s: %v", name, err)
			}
		}()
	}
	wg.Wait()
	if _, err := c.Call(context.Background(), &produce.ProduceRequest{Acks: 0}); err != nil {
		t.Errorf("acks=0 through the proxy: %v", err)
	}
	if _, err := c.Call(context.Background(), metadataFor("last")); err != nil {
		t.Errorf("after acks=0 through the proxy: %v", err)
	}
}

type rawFunc func(ctx context.Context, req *server.RawRequest) ([]byte, bool, error)

func (f rawFunc) ServeKafkaFrame(ctx context.Context, req *server.RawRequest) ([]byte, bool, error) {
	return f(ctx, req)
}

func TestIdleTimeout(t *testing.T) {
	cl := newCloses()
	addr := start(t, &server.Server{Handler: testMux(), IdleTimeout: time.Second, OnClose: cl.onClose})
	c := conntest.Dial(t, context.Background(), addr)
	for range 3 { // activity keeps it open
		time.Sleep(10 * time.Millisecond)
		if _, err := c.Call(context.Background(), metadataFor("busy")); err != nil {
			t.Fatal(err)
		}
	}
	if err := cl.next(t); !errors.Is(err, server.ErrIdle) {
		t.Errorf("closed with %v, want ErrIdle", err)
	}
	<-c.Done()
}
