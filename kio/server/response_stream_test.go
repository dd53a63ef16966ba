package server_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// writer is a PipelineRawHandler whose responses are PendingStreams writing what the
// request's topic name asks for: "pieces" a Metadata answer a byte at a time, "short"
// and "long" one byte fewer or more than the frame, "tiny" a size prefix of 2, "panic"
// a panic after the size prefix.
type writer struct{}

func (writer) ServeKafkaFrame(context.Context, *server.RawRequest) ([]byte, bool, error) {
	return nil, false, nil
}

func (writer) StartKafkaFrame(_ context.Context, req *server.RawRequest) (server.PendingFrame, error) {
	if req.Key != metadata.APIKey {
		return nil, nil
	}
	return &written{corr: req.CorrelationID, version: req.Version}, nil
}

type written struct {
	corr    int32
	version int16
}

func (*written) Ready() bool { return true }

func (*written) AwaitKafkaFrame(context.Context) ([]byte, error) {
	return nil, errors.New("AwaitKafkaFrame called on a PendingStream")
}

func (w *written) WriteKafkaFrame(_ context.Context, out io.Writer) error {
	const pieces, short, long, tiny, panics = 1, 2, 3, 4, 5
	ask := map[int32]int{1: pieces, 2: short, 3: long, 4: tiny, 5: panics}[w.corr%10]
	f := metadataAnswer(w.corr, w.version, "streamed")
	switch ask {
	case pieces:
		for i := range f {
			if _, err := out.Write(f[i : i+1]); err != nil {
				return err
			}
		}
		return nil
	case short:
		f = f[:len(f)-1]
	case long:
		f = append(f, 0)
	case tiny:
		binary.BigEndian.PutUint32(f, 2)
	case panics:
		out.Write(f[:4])
		panic("write boom")
	}
	_, err := out.Write(f)
	return err
}

// TestPendingStream: a PendingStream's frame goes out as written, in pieces as small as
// a byte; one that is not one whole frame (a byte short, a byte over, a size prefix
// under 4) or that panics closes its connection with a *HandlerError saying so, while
// the next connection is served.
func TestPendingStream(t *testing.T) {
	cl := newCloses()
	addr := start(t, &server.Server{RawHandler: writer{}, Handler: testMux(), OnClose: cl.onClose})
	c := dialRaw(t, addr)
	c.id = 10
	c.send(metadataFor("x"), 12) // correlation id 11: written a byte at a time
	resp := c.recv(metadata.APIKey, 12)
	if got := *resp.Body.(*metadata.MetadataResponse).ClusterId; got != "streamed" || resp.Header.CorrelationId != 11 {
		t.Fatalf("got %q with correlation id %d", got, resp.Header.CorrelationId)
	}
	for _, tc := range []struct {
		corr   int32
		what   string
		panics bool
	}{{12, "a byte short", false}, {13, "a byte over", false}, {14, "size prefix 2", false}, {15, "a panic", true}} {
		c := dialRaw(t, addr)
		c.id = tc.corr - 1
		c.send(metadataFor("x"), 12)
		if !c.closed() {
			t.Errorf("%s: the connection stayed open", tc.what)
		}
		err := cl.next(t)
		var he *server.HandlerError
		if !errors.As(err, &he) || he.APIKey != metadata.APIKey {
			t.Fatalf("%s: closed with %v, want a *HandlerError of Metadata", tc.what, err)
		}
		if tc.panics != (he.Panic != nil) || !tc.panics && !errors.Is(err, server.ErrResponseFrame) {
			t.Errorf("%s: closed with %v (panic %v)", tc.what, err, he.Panic)
		}
	}
	c = dialRaw(t, addr)
	c.id = 20
	c.send(metadataFor("x"), 12)
	if resp := c.recv(metadata.APIKey, 12); resp.Header.CorrelationId != 21 {
		t.Fatal("a connection after the failures is not served")
	}
}
