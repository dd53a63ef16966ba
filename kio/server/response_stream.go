package server

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"runtime/debug"
)

// PendingStream is a PendingFrame that writes its response to the connection itself,
// as the response arrives, instead of returning it whole: a proxy relaying a large
// Fetch response copies it from the broker to the client a chunk at a time, so the
// client gets its first bytes at once and no buffer holds the whole frame.
//
// The writer calls WriteKafkaFrame instead of AwaitKafkaFrame, on the writer goroutine,
// after the responses before it are written. It writes exactly one frame to w: its
// size prefix first (the request's correlation id after it), then as many bytes as the
// prefix announces. An error, a panic, or bytes that are not one whole frame
// (ErrResponseFrame: fewer, more, or a size under 4) close the connection with a
// *HandlerError, the bytes before flushed; a frame cut short leaves the client a stream
// it cannot read, which only closing ends. ctx is the connection's.
//
// w is also an io.ReaderFrom: an *io.LimitedReader over another connection given to
// its ReadFrom (io.Copy does) goes straight to this connection's, a splice(2) between
// two TCP sockets on Linux (kio/client's ResponseStream.CopyN does this).
type PendingStream interface {
	PendingFrame
	WriteKafkaFrame(ctx context.Context, w io.Writer) error
}

// writeStreamed has a PendingStream write its response through a frameWriter that
// holds it to one whole frame.
func (c *serverConn) writeStreamed(ps PendingStream, key, version int16) (err error) {
	fw := frameWriter{w: c.bw}
	defer func() {
		if r := recover(); r != nil {
			err = &HandlerError{APIKey: key, APIVersion: version, Panic: r, Stack: debug.Stack()}
		}
		if err != nil {
			c.bw.Flush()
		}
	}()
	err = ps.WriteKafkaFrame(c.ctx, &fw)
	if err == nil && !fw.whole() {
		err = fmt.Errorf("%w: %d bytes written of %d", ErrResponseFrame, fw.n, fw.size)
	}
	if err != nil {
		return handlerError(err, key, version)
	}
	return nil
}

// frameWriter passes one frame to w, refusing bytes past the end its size prefix sets.
type frameWriter struct {
	w      *bufio.Writer
	prefix [4]byte
	n      int64 // bytes written, size prefix included
	size   int64 // the frame's length, size prefix included, once the prefix is written
}

func (fw *frameWriter) Write(b []byte) (int, error) {
	written := 0
	if fw.n < 4 {
		k := copy(fw.prefix[fw.n:], b)
		if fw.n+int64(k) == 4 {
			fw.size = int64(int32(binary.BigEndian.Uint32(fw.prefix[:]))) + 4
			if fw.size < 8 {
				return 0, fmt.Errorf("%w: size prefix %d", ErrResponseFrame, fw.size-4)
			}
		}
		if _, err := fw.w.Write(b[:k]); err != nil {
			return 0, err
		}
		fw.n += int64(k)
		written, b = k, b[k:]
		if len(b) == 0 {
			return written, nil
		}
	}
	if fw.n+int64(len(b)) > fw.size {
		return written, fmt.Errorf("%w: %d bytes past its end", ErrResponseFrame, fw.n+int64(len(b))-fw.size)
	}
	k, err := fw.w.Write(b)
	fw.n += int64(k)
	return written + k, err
}

// ReadFrom writes the frame's next bytes from r, what a copy into the writer (io.Copy)
// uses. An *io.LimitedReader that stays within the frame goes to the connection's own
// ReadFrom once what is buffered is flushed, so that a copy from another TCP connection
// is a splice(2) on Linux (kio/client's ResponseStream.CopyN hands one over); any other
// reader is copied through Write, which keeps to the frame.
func (fw *frameWriter) ReadFrom(r io.Reader) (int64, error) {
	lr, ok := r.(*io.LimitedReader)
	if !ok || fw.n < 4 || lr.N > fw.size-fw.n {
		return io.Copy(struct{ io.Writer }{fw}, r)
	}
	if err := fw.w.Flush(); err != nil {
		return 0, err
	}
	k, err := fw.w.ReadFrom(lr) // bufio hands it to the connection when it holds nothing
	fw.n += k
	return k, err
}

// whole reports whether the frame was written to its end.
func (fw *frameWriter) whole() bool { return fw.n >= 4 && fw.n == fw.size }
