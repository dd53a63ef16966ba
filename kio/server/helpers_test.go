package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/internal/frametest"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// closes records why connections closed.
type closes struct {
	mu   sync.Mutex
	errs []error
	ch   chan error
}

func newCloses() *closes { return &closes{ch: make(chan error, 2000)} }

func (c *closes) onClose(_ *server.Peer, err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
	c.ch <- err
}

// next waits for the next connection to close.
func (c *closes) next(t *testing.T) error {
	t.Helper()
	select {
	case err := <-c.ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("no connection closed")
		return nil
	}
}

// start serves srv on loopback until the test ends and returns its address.
var start = conntest.Serve

// testMux serves Metadata (the first topic's name as cluster id; "boom" panics,
// "slow" waits for ctx or 10 s) and Produce.
func testMux() *server.Mux {
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		id := frametest.FirstTopic(body, "")
		switch id {
		case "boom":
			panic("boom")
		case "slow":
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Second):
			}
		case "fail":
			return nil, errors.New("handler failed")
		case "nil":
			return nil, nil
		}
		return &metadata.MetadataResponse{ClusterId: &id}, nil
	})
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *produce.ProduceRequest) (*produce.ProduceResponse, error) {
		return &produce.ProduceResponse{}, nil
	})
	return mux
}

// metadataFor asks for one topic, whose name the test servers answer with.
var metadataFor = frametest.Metadata

// rawConn is a client speaking frames by hand.
type rawConn struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
	id int32
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// send writes body as a request at version and returns its correlation id.
func (c *rawConn) send(body any, version int16) int32 {
	c.t.Helper()
	c.id++
	req, err := frame.NewRequest(body, version, c.id, ptr("raw"))
	if err != nil {
		c.t.Fatal(err)
	}
	if err := (frame.Framer{}).WriteRequest(c.nc, req); err != nil {
		c.t.Fatal(err)
	}
	return c.id
}

// recv reads a response of key and version.
func (c *rawConn) recv(key, version int16) *frame.Response {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := (frame.Framer{}).ReadResponse(c.r, key, version)
	if err != nil {
		c.t.Fatalf("read response: %v", err)
	}
	return resp
}

// closed reports whether the server closed the connection (a read ends with EOF or a
// reset, not a timeout).
func (c *rawConn) closed() bool {
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, c.r)
	var ne net.Error
	return err == nil || !(errors.As(err, &ne) && ne.Timeout())
}

func ptr[T any](v T) *T { return &v }
