package server

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
)

// PipelineRawHandler is a RawHandler that serves a request in two halves, so that a
// connection's requests need not wait for each other's responses: StartKafkaFrame
// starts a request on the connection's reader goroutine (a proxy writes it to its
// upstream broker), and the PendingFrame it returns is awaited later, on the
// connection's writer goroutine, for the response frame. The reader goes on to the next
// request at once; the writer awaits the pending responses in request order and writes
// each as it completes, so responses still go out in request order however their
// awaits complete in time. At most 64 requests are read ahead of their responses.
//
// StartKafkaFrame is called for every request a RawHandler would be offered, on the
// reader, one at a time, in request order. It returns one of:
//
//   - a PendingFrame: the request is started, and its response is what the
//     PendingFrame's AwaitKafkaFrame returns (the whole frame, with the request's
//     correlation id);
//   - NoResponse: the request is started and gets no response (a Produce with
//     acks=0);
//   - nil: the request takes the synchronous path, as it would without
//     StartKafkaFrame (ServeKafkaFrame, or StreamKafkaFrame for a streamed request,
//     then the decoding path): its answer is written after the responses of the
//     requests before it, never ahead of them;
//   - an error: the connection closes with it (a *HandlerError), after the
//     responses of the requests before it are written.
//
// A handler that is also a StreamRawHandler gets large requests as streams here first
// (req.Body not nil), under StreamKafkaFrame's rules: it reads Body to its end before it
// returns a PendingFrame or NoResponse, or returns nil without having read from Body to
// decline, and the request is then offered to StreamKafkaFrame as ever.
type PipelineRawHandler interface {
	RawHandler
	StartKafkaFrame(ctx context.Context, req *RawRequest) (PendingFrame, error)
}

// PendingFrame is a started request's response on its way (see PipelineRawHandler).
type PendingFrame interface {
	// Ready reports whether AwaitKafkaFrame would return without waiting. The writer
	// flushes the responses it holds before it awaits one that is not ready.
	Ready() bool
	// AwaitKafkaFrame waits for the response frame and returns it; an error (or a nil
	// frame) closes the connection with a *HandlerError. ctx is the connection's: it
	// ends when the connection closes. It is called once, on the writer goroutine,
	// after the responses before it are written.
	AwaitKafkaFrame(ctx context.Context) ([]byte, error)
}

// NoResponse is what StartKafkaFrame returns for a request it started that gets no
// response.
var NoResponse PendingFrame = noResponse{}

type noResponse struct{}

func (noResponse) Ready() bool                                     { return true }
func (noResponse) AwaitKafkaFrame(context.Context) ([]byte, error) { return nil, nil }

// callStart calls the PipelineRawHandler, a panic turned into a *HandlerError.
func (c *serverConn) callStart(req *RawRequest) (p PendingFrame, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, &HandlerError{APIKey: req.Key, APIVersion: req.Version, Panic: r, Stack: debug.Stack()}
		}
	}()
	p, err = c.pipe.StartKafkaFrame(c.ctx, req)
	if err != nil {
		p, err = nil, handlerError(err, req.Key, req.Version)
	}
	return p, err
}

// handlerError is err as a *HandlerError of the given request.
func handlerError(err error, key, version int16) error {
	var he *HandlerError
	if !errors.As(err, &he) {
		err = &HandlerError{APIKey: key, APIVersion: version, Err: err}
	}
	return err
}

// startPipelined offers a whole request frame to the PipelineRawHandler: started
// reports whether it took it (else it takes the synchronous path).
func (c *serverConn) startPipelined(raw *RawRequest) (started bool, err error) {
	p, err := c.callStart(raw)
	if err != nil {
		return true, c.queueFailed(err)
	}
	if p == nil {
		return false, nil
	}
	return true, c.queuePending(p, raw.Key, raw.Version)
}

// queuePending gives a started request's pending response its place in the response
// order, at the writer.
func (c *serverConn) queuePending(p PendingFrame, key, version int16) error {
	if p == NoResponse {
		return nil
	}
	s := pendingSlots.Get().(*slot)
	s.done, s.pending, s.key, s.version, s.pooled = closedDone, p, key, version, true
	if c.inline {
		c.queued.Add(1)
	}
	return c.toWriter(s)
}

// pendingSlots recycles the slots of pipelined requests: the writer alone uses one
// once it is queued, and puts it back after writing its response.
var pendingSlots = sync.Pool{New: func() any { return new(slot) }}

// queueFailed closes the connection with err once the responses queued before are
// written.
func (c *serverConn) queueFailed(err error) error {
	if c.inline {
		s := slot{err: err}
		return c.answer(&s)
	}
	return c.toWriter(&slot{done: closedDone, err: err})
}

// await fills a pipelined slot from its PendingFrame, on the writer.
func (c *serverConn) await(s *slot) {
	p := s.pending
	s.pending = nil
	defer func() {
		if r := recover(); r != nil {
			s.frame, s.err = nil, &HandlerError{APIKey: s.key, APIVersion: s.version, Panic: r, Stack: debug.Stack()}
		}
	}()
	f, err := p.AwaitKafkaFrame(c.ctx)
	switch {
	case err != nil:
		s.err = handlerError(err, s.key, s.version)
	case f == nil:
		s.err = &HandlerError{APIKey: s.key, APIVersion: s.version, Err: ErrNoResponse}
	default:
		s.frame = f
	}
}
