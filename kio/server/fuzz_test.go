package server_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// pipeListener hands out the server ends of in-memory connections.
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.closed) }); return nil }
func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func (l *pipeListener) dial() net.Conn {
	client, srv := net.Pipe()
	l.conns <- srv
	return client
}

// FuzzServe sends any bytes to a server (with and without SASL): it answers, closes the
// connection, or waits for more, and never panics; a frame it answers is a response
// frame. Then a well-formed ApiVersions request on a new connection is answered.
func FuzzServe(f *testing.F) {
	var framer frame.Framer
	for _, body := range []any{&apiversions.ApiVersionsRequest{ClientSoftwareName: "f", ClientSoftwareVersion: "1"},
		metadataFor("t"), &produce.ProduceRequest{Acks: 0}, &produce.ProduceRequest{Acks: 1},
		&saslhandshake.SaslHandshakeRequest{Mechanism: "PLAIN"}} {
		for _, v := range []int16{0, 3, 9} {
			if req, err := frame.NewRequest(body, v, 7, ptr("fuzz")); err == nil {
				if b, err := framer.AppendRequest(nil, req); err == nil {
					f.Add(b, false)
					f.Add(b, true)
					f.Add(append(b, b...), false)
				}
			}
		}
	}
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff}, false)
	f.Add([]byte{0, 0, 0, 4, 0, 18, 0, 99}, true)
	for _, withSASL := range []bool{false, true} {
		ln := newPipeListener()
		srv := newFuzzServer(withSASL)
		go srv.Serve(ln)
		f.Cleanup(func() { srv.Close() })
		servers[withSASL] = ln
	}
	f.Fuzz(func(t *testing.T, in []byte, withSASL bool) {
		ln := servers[withSASL]
		c := ln.dial()
		defer c.Close()
		go func() {
			c.SetWriteDeadline(time.Now().Add(time.Second))
			c.Write(in)
		}()
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		for {
			resp, err := framer.ReadFrame(c)
			if err != nil {
				var ne net.Error
				if err == io.EOF || errors.As(err, &ne) && ne.Timeout() || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, io.ErrUnexpectedEOF) {
					break
				}
				t.Fatalf("reading the server's answer: %v", err)
			}
			if len(resp) < 8 {
				t.Fatalf("answer %x shorter than a response header", resp)
			}
		}
		c.Close()
		// The server still serves.
		probe := ln.dial()
		defer probe.Close()
		probe.SetDeadline(time.Now().Add(5 * time.Second))
		req, _ := frame.NewRequest(&apiversions.ApiVersionsRequest{}, 3, 1, nil)
		if err := framer.WriteRequest(probe, req); err != nil {
			t.Fatal(err)
		}
		if _, err := framer.ReadResponse(probe, apiversions.APIKey, 3); err != nil {
			t.Fatalf("a new connection after the fuzzed one: %v", err)
		}
	})
}

var servers = map[bool]*pipeListener{}

func newFuzzServer(withSASL bool) *server.Server {
	s := &server.Server{Handler: testMux(), ConnConcurrency: 4, MaxFrameSize: 1 << 16}
	if !withSASL {
		s.RawHandler = fuzzPipeliner{} // Metadata pipelined, the rest declined
	}
	if withSASL {
		cred, _ := sasl.DeriveScramCredential(sasl.SHA256, "pw", []byte("salt"), sasl.MinIterations)
		s.SASL = append(saslPlain(), sasl.ScramServer{Hash: sasl.SHA256, Lookup: func(string, bool) (sasl.ScramCredential, bool) { return cred, true }})
	}
	return s
}

// fuzzPipeliner starts Metadata requests (PipelineRawHandler) and answers each with a
// bare header frame from another goroutine; it declines every other request.
type fuzzPipeliner struct{}

func (fuzzPipeliner) ServeKafkaFrame(context.Context, *server.RawRequest) ([]byte, bool, error) {
	return nil, false, nil
}

func (fuzzPipeliner) StartKafkaFrame(_ context.Context, req *server.RawRequest) (server.PendingFrame, error) {
	if req.Key != metadata.APIKey {
		return nil, nil
	}
	g := &gate{corr: req.CorrelationID, done: make(chan struct{}),
		frame: binary.BigEndian.AppendUint32([]byte{0, 0, 0, 4}, uint32(req.CorrelationID))}
	go close(g.done)
	return g, nil
}
