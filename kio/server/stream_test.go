package server_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/internal/frametest"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/responseheader"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// streamer is a StreamRawHandler for tests. A streamed Produce is put back together
// from its head and body and answered with a ProduceResponse whose first partition's
// BaseOffset is the records' length (a check that every byte came); serve, if set,
// replaces that. Frames that come whole are declined (the Mux answers them).
type streamer struct {
	mu       sync.Mutex
	streamed []int // the Size of every request offered as a stream
	whole    []int // the size of every frame ServeKafkaFrame got
	serve    func(req *server.RawRequest) ([]byte, bool, error)
}

func (s *streamer) ServeKafkaFrame(_ context.Context, req *server.RawRequest) ([]byte, bool, error) {
	s.mu.Lock()
	s.whole = append(s.whole, len(req.Frame))
	s.mu.Unlock()
	if req.Body != nil || req.Size != len(req.Frame) {
		return nil, false, errors.New("a whole frame with a body")
	}
	return nil, false, nil
}

func (s *streamer) StreamKafkaFrame(_ context.Context, req *server.RawRequest) ([]byte, bool, error) {
	s.mu.Lock()
	s.streamed = append(s.streamed, req.Size)
	s.mu.Unlock()
	if s.serve != nil {
		return s.serve(req)
	}
	return answerStreamed(req)
}

func (s *streamer) counts() (streamed, whole []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.streamed...), append([]int(nil), s.whole...)
}

// answerStreamed reads a streamed Produce whole and answers it (see streamer).
func answerStreamed(req *server.RawRequest) ([]byte, bool, error) {
	f := append([]byte(nil), req.Frame...)
	rest, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, false, err
	}
	f = append(f, rest...)
	if len(f) != req.Size {
		return nil, false, errors.New("streamed frame of the wrong size")
	}
	parsed, err := frame.Framer{}.ParseRequest(f)
	if err != nil {
		return nil, false, err
	}
	body := parsed.Body.(*produce.ProduceRequest)
	if body.Acks == 0 {
		return nil, true, nil
	}
	resp := &produce.ProduceResponse{Responses: []produce.TopicProduceResponse{{Name: body.TopicData[0].Name,
		PartitionResponses: []produce.PartitionProduceResponse{{BaseOffset: int64(len(body.TopicData[0].PartitionData[0].Records))}}}}}
	out, err := frame.Framer{}.AppendResponse(nil, produce.APIKey, req.Version,
		&frame.Response{Header: responseheader.ResponseHeader{CorrelationId: req.CorrelationID}, Body: resp})
	return out, true, err
}

func bigProduce(records int, acks int16) *produce.ProduceRequest {
	rec := make([]byte, records)
	for i := range rec {
		rec[i] = byte(i * 7)
	}
	return &produce.ProduceRequest{Acks: acks, TimeoutMs: 1000, TopicData: []produce.TopicProduceData{{
		Name: "t", PartitionData: []produce.PartitionProduceData{{Index: 0, Records: rec}}}}}
}

// produceFrame encodes a Produce at v9 with the given correlation id.
func produceFrame(t *testing.T, body *produce.ProduceRequest, corr int32) []byte {
	t.Helper()
	return frametest.Request(t, body, 9, corr, ptr("raw"))
}

// TestStreamLargeRequests: requests over 64 KiB are offered as streams (head of 4 KiB,
// the rest in Body) and arrive whole; smaller ones come whole to ServeKafkaFrame; a
// pipelining client's streamed and whole requests, acks=0 among them, are answered in
// order.
func TestStreamLargeRequests(t *testing.T) {
	h := &streamer{}
	addr := start(t, &server.Server{Handler: testMux(), RawHandler: h})
	c := dialRaw(t, addr)
	// All sent at once, then the answers read: the reader meets each request's bytes
	// already buffered behind the one before (pipelining).
	var frames []byte
	type want struct {
		corr   int32
		key    int16
		answer int64 // the records' length, for a Produce
	}
	var wants []want
	sizes := []int{100 << 10, 10, 64 << 10, 300 << 10, 1 << 20, 5}
	for i, n := range sizes {
		corr := int32(100 + i)
		if n < 64<<10 {
			req, _ := frame.NewRequest(metadataFor("small"), 12, corr, ptr("raw"))
			f, _ := frame.Framer{}.AppendRequest(nil, req)
			frames = append(frames, f...)
			wants = append(wants, want{corr: corr, key: metadata.APIKey})
			continue
		}
		frames = append(frames, produceFrame(t, bigProduce(n, 0), corr+1000)...) // acks=0: no answer
		frames = append(frames, produceFrame(t, bigProduce(n, 1), corr)...)
		wants = append(wants, want{corr: corr, key: produce.APIKey, answer: int64(n)})
	}
	go c.nc.Write(frames)
	for _, w := range wants {
		if w.key == metadata.APIKey {
			resp := c.recv(metadata.APIKey, 12)
			if resp.Header.CorrelationId != w.corr || *resp.Body.(*metadata.MetadataResponse).ClusterId != "small" {
				t.Fatalf("got correlation id %d, want %d (Metadata)", resp.Header.CorrelationId, w.corr)
			}
			continue
		}
		resp := c.recv(produce.APIKey, 9)
		got := resp.Body.(*produce.ProduceResponse).Responses[0].PartitionResponses[0].BaseOffset
		if resp.Header.CorrelationId != w.corr || got != w.answer {
			t.Fatalf("got correlation id %d for %d bytes, want %d for %d", resp.Header.CorrelationId, got, w.corr, w.answer)
		}
	}
	streamed, whole := h.counts()
	// 64 KiB of records makes a frame just over 64 KiB: streamed too.
	if len(streamed) != 8 || len(whole) != 2 {
		t.Errorf("%d frames streamed, %d whole; want 8 and 2", len(streamed), len(whole))
	}
}

// TestStreamDeclined: a handler that declines before reading gets the frame whole in
// ServeKafkaFrame, and the Mux answers it.
func TestStreamDeclined(t *testing.T) {
	h := &streamer{serve: func(req *server.RawRequest) ([]byte, bool, error) {
		if len(req.Frame) != 4<<10 || req.Body == nil {
			return nil, false, errors.New("not a stream's head")
		}
		return nil, false, nil
	}}
	addr := start(t, &server.Server{Handler: testMux(), RawHandler: h})
	c := conntest.Dial(t, context.Background(), addr)
	f := produceFrame(t, bigProduce(200<<10, 1), 9)
	if _, err := c.RoundTripFrame(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	streamed, whole := h.counts()
	// ApiVersions (the Dial's) and the Produce came whole.
	if len(streamed) != 1 || len(whole) != 2 || whole[1] != len(f) || streamed[0] != len(f) {
		t.Errorf("streamed %v, whole %v; want one of %d each after ApiVersions", streamed, whole, len(f))
	}
}

// TestStreamBodyNotRead: a handler that returns before reading its request's body to
// the end, or that declines after reading some, closes the connection.
func TestStreamBodyNotRead(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handled bool
	}{{"answered", true}, {"declined", false}} {
		t.Run(tc.name, func(t *testing.T) {
			h := &streamer{serve: func(req *server.RawRequest) ([]byte, bool, error) {
				io.CopyN(io.Discard, req.Body, 1000)
				return nil, tc.handled, nil
			}}
			cl := newCloses()
			addr := start(t, &server.Server{Handler: testMux(), RawHandler: h, OnClose: cl.onClose})
			c := dialRaw(t, addr)
			c.nc.Write(produceFrame(t, bigProduce(200<<10, 0), 1))
			if err := cl.next(t); !errors.Is(err, server.ErrBodyNotRead) {
				t.Errorf("closed with %v, want ErrBodyNotRead", err)
			}
			if !c.closed() {
				t.Error("connection left open")
			}
		})
	}
}

// TestStreamTooLarge: a size prefix over MaxFrameSize is refused before anything is
// streamed.
func TestStreamTooLarge(t *testing.T) {
	h := &streamer{}
	cl := newCloses()
	addr := start(t, &server.Server{Handler: testMux(), RawHandler: h, MaxFrameSize: 128 << 10, OnClose: cl.onClose})
	c := dialRaw(t, addr)
	f := produceFrame(t, bigProduce(200<<10, 1), 1)
	go c.nc.Write(f)
	if err := cl.next(t); !errors.Is(err, frame.ErrFrameTooLarge) {
		t.Errorf("closed with %v, want ErrFrameTooLarge", err)
	}
	if streamed, whole := h.counts(); len(streamed)+len(whole) != 0 {
		t.Errorf("handler saw %v streamed, %v whole", streamed, whole)
	}
	// Within the limit it streams.
	c = dialRaw(t, addr)
	f = produceFrame(t, bigProduce(100<<10, 1), 2)
	c.nc.Write(f)
	if resp := c.recv(produce.APIKey, 9); resp.Header.CorrelationId != 2 {
		t.Errorf("correlation id %d", resp.Header.CorrelationId)
	}
	if streamed, _ := h.counts(); len(streamed) != 1 {
		t.Errorf("%d streamed", len(streamed))
	}
}

// TestStreamClientGoneMidBody: the client hangs up halfway through a streamed frame.
// The handler's Body read fails with io.ErrUnexpectedEOF, and the connection closes
// with that frame error whatever the handler returns.
func TestStreamClientGoneMidBody(t *testing.T) {
	readErr := make(chan error, 1)
	h := &streamer{serve: func(req *server.RawRequest) ([]byte, bool, error) {
		_, err := io.Copy(io.Discard, req.Body)
		readErr <- err
		return nil, true, nil // as if it had not noticed
	}}
	cl := newCloses()
	addr := start(t, &server.Server{Handler: testMux(), RawHandler: h, OnClose: cl.onClose})
	c := dialRaw(t, addr)
	f := produceFrame(t, bigProduce(200<<10, 1), 1)
	c.nc.Write(f[:len(f)/2])
	c.nc.Close()
	select {
	case err := <-readErr:
		var fe *frame.FrameError
		if !errors.As(err, &fe) || !errors.Is(err, io.ErrUnexpectedEOF) || fe.APIKey != produce.APIKey {
			t.Errorf("Body read: %v, want a FrameError wrapping io.ErrUnexpectedEOF", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler's read did not end")
	}
	if err := cl.next(t); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("closed with %v, want io.ErrUnexpectedEOF", err)
	}
}

// TestStreamHeadIsTheFrameStart: Frame holds the frame's first 4 KiB as sent, Size its
// length, and the size prefix in the head says the same.
func TestStreamHeadIsTheFrameStart(t *testing.T) {
	f := produceFrame(t, bigProduce(70<<10, 1), 77)
	got := make(chan []byte, 1)
	h := &streamer{serve: func(req *server.RawRequest) ([]byte, bool, error) {
		if req.Size != len(f) || int(binary.BigEndian.Uint32(req.Frame))+4 != req.Size || req.CorrelationID != 77 {
			return nil, false, errors.New("wrong size or id")
		}
		got <- append([]byte(nil), req.Frame...)
		return answerStreamed(req)
	}}
	addr := start(t, &server.Server{Handler: testMux(), RawHandler: h})
	c := dialRaw(t, addr)
	c.nc.Write(f)
	c.recv(produce.APIKey, 9)
	if head := <-got; !bytes.Equal(head, f[:4<<10]) {
		t.Errorf("head of %d bytes is not the frame's first 4 KiB", len(head))
	}
}
