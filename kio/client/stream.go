package client

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// ErrShortBody is wrapped by the *StreamError of a RoundTripStream whose body ended
// before the length the frame's size prefix announced.
var ErrShortBody = errors.New("request body ended before the frame's announced size")

// StreamError reports a RoundTripStream that failed in the middle of its frame: the
// body could not be read to its end (Read true: the source's fault), or the connection
// failed while the frame was written. Half a frame leaves the stream to the broker
// unusable, so the Conn is closed: calls in flight and later ones fail with a *ConnError
// wrapping this one. It wraps ErrClosed and the cause.
type StreamError struct {
	Addr    string // the broker's address
	Read    bool   // the body's read failed (else the write to the broker did)
	Written int64  // bytes of the frame written to the broker, size prefix included
	Size    int64  // the frame's length, size prefix included
	Err     error  // the read's or the write's error; ErrShortBody for a body that ended early
}

func (e *StreamError) Error() string {
	what := "writing it"
	if e.Read {
		what = "reading its body"
	}
	return fmt.Sprintf("kio/client: streamed request to %s cut after %d of %d bytes, the connection closed: %s: %v",
		e.Addr, e.Written, e.Size, what, e.Err)
}

// Unwrap returns ErrClosed and the cause.
func (e *StreamError) Unwrap() []error { return []error{ErrClosed, e.Err} }

// streamChunk is the most RoundTripStream reads from a body, and writes, at once.
const streamChunk = 64 << 10

// streamBuffers recycles RoundTripStream's chunk buffers.
var streamBuffers = sync.Pool{New: func() any { b := make([]byte, streamChunk); return &b }}

// RoundTripStream is RoundTripFrame for a request frame that is still arriving: head
// holds the frame's first bytes (the size prefix, the request header and, for a
// Produce, the body past its acks) and body yields the rest, exactly as many bytes
// as the size prefix says follow head. The Conn writes head with its own correlation id
// in place of head's (head is not modified), then copies body to the broker as it
// arrives, up to 64 KiB at a time, never holding more of the frame than that, and keeps
// the connection's write turn until the frame is whole; it then awaits the response
// frame and returns it with head's correlation id, or nil at once for a Produce with
// acks=0. A head that does not hold what that takes fails before anything is sent.
//
// A body that ends early or fails (ErrShortBody, or its error) and a write that fails
// mid-frame leave half a frame on the connection: the Conn is closed, and the call
// returns a *StreamError. ctx interrupts the writes, and the wait for the response as
// RoundTripFrame's; a body's Read is not interrupted (a proxy's client connection has
// deadlines of its own).
func (c *Conn) RoundTripStream(ctx context.Context, head []byte, body io.Reader) ([]byte, error) {
	p, err := c.SendStream(ctx, head, body)
	if err != nil || p == nil {
		return nil, err
	}
	return p.Wait(ctx)
}

// writeStream writes head, its correlation id replaced by id, then the rest of the
// frame from body, a chunk at a time; a failure is a *StreamError. wsem must be held.
func (c *Conn) writeStream(ctx context.Context, id int32, head []byte, body io.Reader, size int64) error {
	bp := streamBuffers.Get().(*[]byte)
	defer streamBuffers.Put(bp)
	buf := *bp
	e := &StreamError{Addr: c.addr, Size: size}
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, c.interruptWrite)
	}
	err := func() error {
		// The head goes out with the first chunk of the body, in one write.
		n := copy(buf, head)
		binary.BigEndian.PutUint32(buf[8:], uint32(id))
		if n < len(head) { // a head longer than a chunk goes first, as it is
			if err := c.writeChunk(e, buf[:n]); err != nil {
				return err
			}
			if err := c.writeChunk(e, head[n:]); err != nil {
				return err
			}
			n = 0
		}
		left := size - int64(len(head))
		for empty := 0; ; {
			var rerr error
			if left > 0 && n < len(buf) {
				var m int
				m, rerr = body.Read(buf[n : n+int(min(int64(len(buf)-n), left))])
				n += m
				left -= int64(m)
				if m == 0 && rerr == nil {
					if empty++; empty == 100 {
						rerr = io.ErrNoProgress
					}
				}
			}
			if n > 0 {
				if err := c.writeChunk(e, buf[:n]); err != nil {
					return err
				}
				n, empty = 0, 0
			}
			if left == 0 {
				return nil
			}
			if rerr != nil {
				if rerr == io.EOF {
					rerr = fmt.Errorf("%w: %d bytes missing", ErrShortBody, left)
				}
				e.Read, e.Err = true, rerr
				return e
			}
		}
	}()
	if stop != nil && !stop() {
		<-c.writeInterrupted
		if err != nil && !e.Read {
			e.Err = fmt.Errorf("writing a request: %w (%w)", context.Cause(ctx), e.Err)
		}
		c.nc.SetWriteDeadline(time.Time{})
	}
	return err
}

// writeChunk writes p, counting it in e, or returns e with the write's error.
func (c *Conn) writeChunk(e *StreamError, p []byte) error {
	n, err := c.nc.Write(p)
	e.Written += int64(n)
	if err != nil {
		e.Err = err
		return e
	}
	return nil
}
