package client

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
)

// streamResponseMin is the smallest response frame (size prefix included) the reader
// hands to a WaitStream as a stream; a smaller one comes whole, as to Wait.
const streamResponseMin = 64 << 10

// ResponseStream is a response frame read as it arrives, for a caller that relays it
// (a proxy) without holding it whole: PendingResponse.WaitStream returns it. Head holds
// the frame's first bytes, its correlation id the caller's; Read yields the rest,
// Size-len(Head) bytes, straight from the connection. A response that came whole (it
// was read before WaitStream was called, or is under 64 KiB) is all in Head, and Read
// returns io.EOF at once.
//
// While a stream is open the connection reads no other response: its caller reads it
// to its end or closes it (Close reads and drops what is left). A read that fails
// closes the connection and returns its *ConnError: half a frame read leaves the
// connection unusable.
type ResponseStream struct {
	Head []byte // the size prefix and correlation id at least; the whole frame if it came whole
	Size int64  // the frame's length, size prefix included

	c      *Conn
	head   [8]byte
	left   int64         // bytes of the frame not yet read from the connection
	done   chan struct{} // closed when the reader may go on (the end read, Close, a failure)
	ended  bool          // done is closed
	err    error         // the read's failure, returned again
	cancel func() bool   // stops the context's watch
}

// WaitStream is Wait for a caller that relays the response as it arrives: for a
// response frame of 64 KiB or more that has not come yet, it returns a ResponseStream
// once the frame's first bytes are there, and the rest is read from the connection as
// the caller reads the stream; otherwise the stream holds the whole frame in Head. ctx
// bounds the wait, as Wait's, and then the reading of the stream: when it ends before
// the stream is read to its end, the connection is closed (the broker stalled mid-frame,
// or the caller's reader did). WaitStream is called once, instead of Wait.
func (p *PendingResponse) WaitStream(ctx context.Context) (*ResponseStream, error) {
	c := p.c
	c.mu.Lock()
	if _, waiting := c.pending[p.id]; waiting {
		if c.streams == nil {
			c.streams = map[int32]*PendingResponse{}
		}
		c.streams[p.id] = p
	}
	c.mu.Unlock()
	f, err := c.awaitOn(ctx, p.ch)
	if err != nil {
		c.dropStream(p)
		return nil, err // p (its channel) is left to the garbage collector, as by Wait
	}
	s := p.stream
	if s == nil {
		s = &ResponseStream{Head: f, Size: int64(len(f))}
	} else if ctx.Done() != nil {
		s.cancel = context.AfterFunc(ctx, func() {
			c.fail(fmt.Errorf("response stream: %w", context.Cause(ctx)))
		})
	}
	binary.BigEndian.PutUint32(s.Head[4:], uint32(p.corr))
	*p = PendingResponse{ch: p.ch}
	pendingResponses.Put(p)
	return s, nil
}

// dropStream withdraws a WaitStream that gave up: when the reader has taken its
// response already, it is handed over (or was, whole) and is read and dropped, so the
// connection stays usable.
func (c *Conn) dropStream(p *PendingResponse) {
	c.mu.Lock()
	_, wanted := c.streams[p.id]
	delete(c.streams, p.id)
	_, waiting := c.pending[p.id]
	c.mu.Unlock()
	if wanted || waiting {
		return // the reader drops the response whole when it comes, as for Wait
	}
	select {
	case <-p.ch: // the reader sends at once once it has taken the response
		if p.stream != nil {
			p.stream.Close()
		}
	case <-c.closed:
	}
}

// handOver hands a response frame whose first 8 bytes are head to the WaitStream
// awaiting it as a stream, if there is one and the frame is large enough, and waits
// until the stream is read or closed; streamed reports whether it did. An error
// closes the connection.
func (c *Conn) handOver(head []byte) (streamed bool, err error) {
	size := int32(binary.BigEndian.Uint32(head))
	if size < streamResponseMin-4 || size > c.framer.Limit() {
		return false, nil // ReadFrame refuses a size out of bounds
	}
	id := int32(binary.BigEndian.Uint32(head[4:]))
	c.mu.Lock()
	p := c.streams[id]
	if p == nil {
		c.mu.Unlock()
		return false, nil
	}
	delete(c.streams, id)
	ch := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()

	s := &ResponseStream{Size: int64(size) + 4, c: c, left: int64(size) - 4, done: make(chan struct{})}
	s.Head = s.head[:]
	copy(s.Head, head)
	c.br.Discard(len(head)) // buffered: Peek returned them
	p.stream = s
	ch <- s.Head // buffered: never blocks
	select {
	case <-s.done:
	case <-c.closed:
		return true, c.Err()
	}
	if s.err != nil {
		return true, s.err
	}
	if s.left > 0 { // closed early: the rest is read and dropped
		if _, err := c.br.Discard(int(s.left)); err != nil {
			return true, fmt.Errorf("response: %w", err)
		}
	}
	return true, nil
}

// Read reads the next bytes of the frame, io.EOF after its last.
func (s *ResponseStream) Read(b []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.left == 0 || s.ended {
		return 0, io.EOF
	}
	if int64(len(b)) > s.left {
		b = b[:s.left]
	}
	n, err := s.c.br.Read(b)
	s.left -= int64(n)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		s.c.fail(fmt.Errorf("response: %w", err))
		s.err = s.c.Err()
		s.end()
		return n, s.err
	}
	if s.left == 0 {
		s.end()
	}
	return n, nil
}

// WriteTo copies the rest of the frame to w (io.Copy uses it): CopyN of all that is
// left.
func (s *ResponseStream) WriteTo(w io.Writer) (int64, error) {
	if s.ended || s.err != nil {
		return 0, s.err
	}
	return s.CopyN(w, s.left)
}

// CopyN copies the next n bytes of the frame (at most what is left) to w and returns
// how many it wrote. What the connection's buffer holds is written from there; the rest,
// when w is an io.ReaderFrom (a kio/server connection's writer is), is handed to w's
// ReadFrom as an *io.LimitedReader over the connection itself, so that on Linux a copy
// between two TCP connections is a splice(2), the bytes never in user space. A failed
// write leaves the rest to Close; a failure of the hand-over, which may have read more
// than it wrote, closes the connection.
func (s *ResponseStream) CopyN(w io.Writer, n int64) (int64, error) {
	var total int64
	n = min(n, s.left)
	for total < n && !s.ended && s.err == nil {
		if s.c.br.Buffered() == 0 {
			if rf, ok := w.(io.ReaderFrom); ok {
				k, err := s.copyFromConn(rf, n-total)
				return total + k, err
			}
		}
		if err := s.fill(); err != nil {
			return total, err
		}
		// Write what bufio holds straight from its buffer: no copy of our own.
		chunk, _ := s.c.br.Peek(int(min(int64(s.c.br.Buffered()), n-total)))
		k, err := w.Write(chunk)
		s.c.br.Discard(k)
		s.consumed(int64(k))
		total += int64(k)
		if err != nil {
			return total, err
		}
	}
	return total, s.err
}

// copyFromConn has rf read n bytes of the frame from the connection itself (its buffer is
// empty).
func (s *ResponseStream) copyFromConn(rf io.ReaderFrom, n int64) (int64, error) {
	lr := &io.LimitedReader{R: s.c.nc, N: n}
	k, err := rf.ReadFrom(lr)
	s.consumed(k)
	if err == nil && k < n {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		s.c.fail(fmt.Errorf("response: %w", err))
		s.err = s.c.Err()
		s.end()
	}
	return k, s.err
}

// consumed counts k bytes of the frame as read, ending the stream at its last.
func (s *ResponseStream) consumed(k int64) {
	s.left -= k
	if s.left == 0 {
		s.end()
	}
}

// fill makes sure the connection's buffer holds some of the frame, reading if need be.
func (s *ResponseStream) fill() error {
	if s.c.br.Buffered() > 0 {
		return nil
	}
	if _, err := s.c.br.Peek(1); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		s.c.fail(fmt.Errorf("response: %w", err))
		s.err = s.c.Err()
		s.end()
		return s.err
	}
	return nil
}

// Close ends the stream: what is left of the frame is read and dropped by the
// connection's reader, which then goes on to the next response. It returns nil, or the
// failure a Read returned.
func (s *ResponseStream) Close() error {
	s.end()
	return s.err
}

// end lets the reader go on, once.
func (s *ResponseStream) end() {
	if s.ended || s.done == nil {
		s.ended = true
		return
	}
	s.ended = true
	if s.cancel != nil {
		s.cancel()
	}
	close(s.done)
}
