package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"runtime/debug"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
)

// StreamRawHandler is a RawHandler that can also take a large request as a stream: the
// frame's first bytes, then the rest as it arrives, so that it may forward the start of
// a request before its end has come (a proxy's cut-through relay; see kio/proxy).
//
// The server offers a request as a stream when its connection serves one request at a
// time (ConnConcurrency 0 or 1, where the reader runs the handler itself), the client
// has authenticated, and the frame is larger than 64 KiB but within MaxFrameSize (a
// larger size prefix is refused before anything is read, as ever). SaslHandshake
// frames are never streamed. StreamKafkaFrame then gets a RawRequest whose Frame holds
// the frame's first 4 KiB (size prefix and header included) and whose Body reads the
// rest, Size-len(Frame) bytes. It does one of two things:
//
//   - It declines: returns handled false and a nil error without having read from
//     Body. The server then reads the frame whole and serves it as any other
//     (ServeKafkaFrame first).
//   - It serves the request: it reads Body to its end before it returns, and returns
//     what ServeKafkaFrame would (the response frame, or nil for a request that gets
//     none), or an error, which closes the connection.
//
// A handler that returns having read only part of Body, or declines after reading from
// it, leaves the connection in the middle of a frame: the server closes it with a
// *HandlerError wrapping ErrBodyNotRead. When Body cannot be read to its end (the client
// left or stalled past IdleTimeout mid-frame) it returns a *frame.FrameError wrapping
// io.ErrUnexpectedEOF or the read's error, and the connection closes with that error
// whatever the handler returns. Frame and Body must not be used after StreamKafkaFrame
// returns.
type StreamRawHandler interface {
	RawHandler
	StreamKafkaFrame(ctx context.Context, req *RawRequest) (resp []byte, handled bool, err error)
}

// ErrBodyNotRead is wrapped by the *HandlerError of a StreamRawHandler that returned
// without reading its request's Body to the end.
var ErrBodyNotRead = errors.New("a streamed request's body was not read to its end")

const (
	// streamMin: frames larger than this are offered as streams. Below it, the time to
	// receive a frame whole is small beside a round trip, and its handling is as before.
	streamMin = 64 << 10
	// streamHead is how much of a streamed frame the handler gets up front: room for
	// the header with a long client id and the start of the body (a Produce's
	// transactional id and acks). It fits in the connection's 16 KiB read buffer.
	streamHead = 4 << 10
)

// readFrame reads the next request frame, or, for one to be offered as a stream, only
// its head into c.head and returns nil (serveStream serves it).
func (c *serverConn) readFrame() ([]byte, error) {
	if c.stream == nil || !c.inline || !c.authed {
		return c.framer.ReadFrame(c.br)
	}
	p, err := c.br.Peek(4)
	if err != nil {
		return c.framer.ReadFrame(c.br) // it reads what is buffered and says why it ended
	}
	size := int32(binary.BigEndian.Uint32(p))
	limit := c.s.MaxFrameSize
	if limit <= 0 {
		limit = frame.DefaultMaxFrameSize
	}
	if size <= streamMin || size > limit {
		return c.framer.ReadFrame(c.br) // refuses a size over the limit, as ever
	}
	if c.head == nil {
		c.head = make([]byte, streamHead)
	}
	if _, err := io.ReadFull(c.br, c.head); err != nil {
		return nil, c.cutShort(err, -1, -1, size)
	}
	if key, _, _, _ := frame.PeekRequest(c.head); key == saslhandshake.APIKey {
		return c.readRest(c.head) // a re-authentication begins: the SASL path takes it whole
	}
	return nil, nil
}

// readRest reads the rest of a frame whose head was read already, as ReadFrame reads a
// frame (memory committed only as the bytes arrive).
func (c *serverConn) readRest(head []byte) ([]byte, error) {
	return c.framer.ReadFrame(io.MultiReader(bytes.NewReader(head), c.br))
}

// cutShort is the error of a frame whose bytes stopped coming, as ReadFrame reports it.
func (c *serverConn) cutShort(err error, key, version int16, size int32) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &frame.FrameError{Op: "read frame", APIKey: key, APIVersion: version, Size: int64(size), Err: err}
}

// streamed is one request offered as a stream: its RawRequest and its Body.
type streamed struct {
	req  RawRequest
	body streamBody
}

// streamBody is a streamed request's Body: the rest of its frame, read from the
// connection as the handler asks for it.
type streamBody struct {
	c    *serverConn
	req  *RawRequest
	left int   // bytes of the frame not read yet
	err  error // why the frame was cut short; sticky
}

func (b *streamBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.left == 0 {
		return 0, io.EOF
	}
	if len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.c.br.Read(p)
	b.left -= n
	if err != nil && b.left > 0 {
		b.err = b.c.cutShort(err, b.req.Key, b.req.Version, int32(b.req.Size-4))
		return n, b.err
	}
	return n, nil
}

// serveStream offers the request whose head readFrame read to the StreamRawHandler,
// and serves it whole if the handler declines.
func (c *serverConn) serveStream() error {
	if err := c.checkSession(c.head); err != nil {
		return err
	}
	key, version, id, _ := frame.PeekRequest(c.head)
	size := int(binary.BigEndian.Uint32(c.head)) + 4
	st := &streamed{req: RawRequest{Key: key, Version: version, CorrelationID: id, Frame: c.head, Size: size, Peer: c.peer}}
	st.body = streamBody{c: c, req: &st.req, left: size - len(c.head)}
	st.req.Body = &st.body
	b, full := &st.body, size-len(c.head)
	if c.pipe != nil {
		p, err := c.callStart(&st.req)
		if p != nil || err != nil || b.err != nil || b.left != full {
			_, left, cut := b.end(full)
			switch {
			case cut != nil:
				return c.cutStream(cut)
			case err != nil:
				return err
			case p == nil || left > 0:
				return &HandlerError{APIKey: key, APIVersion: version, Err: ErrBodyNotRead}
			}
			return c.queuePending(p, key, version)
		}
	}
	resp, handled, err := c.callStream(&st.req)
	untouched, left, cut := b.end(full)
	switch {
	case cut != nil:
		return c.cutStream(cut)
	case err != nil:
		return handlerError(err, key, version)
	case !handled && untouched:
		f, err := c.readRest(c.head)
		if err != nil {
			if c.draining.Load() {
				return nil
			}
			return err
		}
		return c.dispatch(f)
	case !handled || left > 0:
		return &HandlerError{APIKey: key, APIVersion: version, Err: ErrBodyNotRead}
	}
	s := slot{frame: resp}
	return c.answer(&s)
}

// end ends the handler's use of b, whose whole body is full bytes: it returns whether
// the handler left the body untouched, how much of it is left unread, and the read
// that cut the frame short (nil if none did).
func (b *streamBody) end(full int) (untouched bool, left int, cut error) {
	untouched, left, cut = b.left == full, b.left, b.err
	b.c, b.err = nil, errStreamOver
	return untouched, left, cut
}

// cutStream is what serveStream returns for a frame cut short: nil when Shutdown's
// deadline cut it, as for a frame not read yet.
func (c *serverConn) cutStream(cut error) error {
	if c.draining.Load() {
		return nil
	}
	return cut
}

// callStream calls the StreamRawHandler, a panic turned into a *HandlerError.
func (c *serverConn) callStream(req *RawRequest) (resp []byte, handled bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &HandlerError{APIKey: req.Key, APIVersion: req.Version, Panic: r, Stack: debug.Stack()}
		}
	}()
	return c.stream.StreamKafkaFrame(c.ctx, req)
}

// errStreamOver is what a streamed request's Body returns once its handler returned.
var errStreamOver = errors.New("kio/server: a streamed request's body read after its handler returned")
