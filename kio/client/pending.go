package client

import (
	"context"
	"encoding/binary"
	"io"
	"sync"

	"github.com/kio-go/kafka-protocol/kio/frame"
)

// PendingResponse is a request SendFrame or SendStream wrote whose response is still to
// come. Wait returns it. A PendingResponse is for one Wait: once Wait has returned a
// response the Conn recycles it, so it must not be used again.
type PendingResponse struct {
	c      *Conn
	ch     chan []byte     // the response comes here (buffered; the reader sends once)
	corr   int32           // the caller's correlation id, given back to the response
	id     int32           // the correlation id on the wire
	stream *ResponseStream // set by the reader before it sends a streamed response's head
}

// pendingResponses recycles PendingResponses with their channels: one is free again
// once Wait received its response (see responseChans for why only then).
var pendingResponses = sync.Pool{New: func() any { return &PendingResponse{ch: make(chan []byte, 1)} }}

// SendFrame is the first half of RoundTripFrame: it writes reqFrame, with the Conn's
// own correlation id in place of the caller's while it is written (the original is put
// back before SendFrame returns), and registers for its response, which Wait then
// returns with the original id. It returns (nil, nil) for a Produce with acks=0, which
// gets no response. Requests are written in the order SendFrame is called in (from one
// goroutine; calls from several are written in some order, each whole), and a proxy
// that calls it for each request of a client, in order, and awaits the responses on
// another goroutine relays a pipelining client's requests without waiting for a
// response before sending the next one. ctx bounds the write only (as for
// RoundTripFrame, one that ends mid-write closes the connection). reqFrame is the
// caller's again when SendFrame returns.
func (c *Conn) SendFrame(ctx context.Context, reqFrame []byte) (*PendingResponse, error) {
	_, _, corr, err := frame.PeekRequest(reqFrame)
	if err != nil {
		return nil, err
	}
	if size := binary.BigEndian.Uint32(reqFrame); int64(size) != int64(len(reqFrame)-4) {
		return nil, &frame.FrameError{Op: "send frame", APIKey: -1, APIVersion: -1, Size: int64(int32(size)), Err: frame.ErrFrameSizeMismatch}
	}
	expect, err := frame.ExpectsResponseFrame(reqFrame)
	if err != nil {
		return nil, err
	}
	p, err := c.send(ctx, expect, corr, func(id int32) error {
		binary.BigEndian.PutUint32(reqFrame[8:], uint32(id))
		err := c.write(ctx, reqFrame)
		binary.BigEndian.PutUint32(reqFrame[8:], uint32(corr))
		return err
	})
	return p, err
}

// SendStream is the first half of RoundTripStream: it writes head and then body as
// RoundTripStream does (body read to its end before it returns, or the connection
// closed with a *StreamError) and registers for the response, which Wait returns with
// head's correlation id; (nil, nil) for a Produce with acks=0. Requests are written in
// the order SendFrame and SendStream are called in.
func (c *Conn) SendStream(ctx context.Context, head []byte, body io.Reader) (*PendingResponse, error) {
	_, _, corr, err := frame.PeekRequest(head)
	if err != nil {
		return nil, err
	}
	size := int64(int32(binary.BigEndian.Uint32(head))) + 4
	if size < int64(len(head)) {
		return nil, &frame.FrameError{Op: "send stream", APIKey: -1, APIVersion: -1, Size: size - 4, Err: frame.ErrFrameSizeMismatch}
	}
	expect, err := frame.ExpectsResponseFrame(head)
	if err != nil {
		return nil, err
	}
	return c.send(ctx, expect, corr, func(id int32) error { return c.writeStream(ctx, id, head, body, size) })
}

// send takes the write turn and a correlation id, writes with it, and returns the
// PendingResponse of a request that expects one. A failed write closes the connection.
func (c *Conn) send(ctx context.Context, expect bool, corr int32, write func(id int32) error) (*PendingResponse, error) {
	var p *PendingResponse
	if expect {
		p = pendingResponses.Get().(*PendingResponse)
		p.c, p.corr = c, corr
	}
	id, err := c.takeTurnFor(ctx, p)
	if err != nil {
		if p != nil {
			pendingResponses.Put(p) // never registered
		}
		return nil, err
	}
	if p != nil {
		p.id = id
	}
	err = write(id)
	<-c.wsem
	if err != nil {
		c.fail(err)
		if _, ok := err.(*StreamError); ok {
			return nil, err
		}
		return nil, c.Err()
	}
	return p, nil
}

// Ready reports whether the response has come, so that Wait returns without waiting
// (or whether the connection has closed, so that Wait fails at once).
func (p *PendingResponse) Ready() bool {
	if len(p.ch) > 0 {
		return true
	}
	select {
	case <-p.c.closed:
		return true
	default:
		return false
	}
}

// Wait waits for the response frame and returns it, with the correlation id of the
// request as the caller sent it; or the context's error when ctx ends first (the
// response is then read and dropped when it comes, and the connection stays usable);
// or a *ConnError when the connection closes first. Wait is called once.
func (p *PendingResponse) Wait(ctx context.Context) ([]byte, error) {
	resp, err := p.c.awaitOn(ctx, p.ch)
	if err != nil {
		return nil, err // p (its channel) is left to the garbage collector: see responseChans
	}
	binary.BigEndian.PutUint32(resp[4:], uint32(p.corr))
	p.c = nil
	pendingResponses.Put(p)
	return resp, nil
}
