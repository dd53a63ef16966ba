package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// This file reads frames that are not in a capture: raw size-prefixed frames as a
// stream, or one frame per line in hex. Such a stream has no directions: a frame that
// decodes as a request is one, any other is taken as the response to a request in
// flight.

// isHex reports whether the first bytes look like hex lines.
func isHex(head []byte) bool {
	if len(head) == 0 {
		return false
	}
	for _, c := range head {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F', c == ' ', c == '\n', c == '\r', c == '\t', c == ':', c == '#':
		default:
			return false
		}
	}
	return true
}

// mixed feeds frames of unknown direction to the two halves of one connection.
type mixed struct {
	c         *conn
	req, resp half
}

func newMixed(name string) *mixed {
	c := newConn(name)
	return &mixed{c: c, req: half{c: c, request: true, synced: true}, resp: half{c: c, synced: true}}
}

// frame prints one frame (size prefix included).
func (m *mixed) frame(p *printer, frame []byte) {
	payload := frame[4:]
	if _, _, _, err := decodeRequest(payload); err == nil {
		p.frame(&m.req, frame, time.Time{})
		return
	}
	if len(payload) >= 4 {
		if _, ok := m.c.inflight[int32(binary.BigEndian.Uint32(payload))]; ok {
			p.frame(&m.resp, frame, time.Time{})
			return
		}
	}
	// Neither: taken as a response whose request is not in the stream (what a dump
	// that starts late holds), reported as such with its notes.
	p.frame(&m.resp, frame, time.Time{})
}

// FrameError is a raw or hex input that is not frames: where, and why.
type FrameError struct {
	Offset int64 // byte offset of the frame (raw) or line number (hex)
	Line   bool
	Err    error
}

// Error says where and why.
func (e *FrameError) Error() string {
	if e.Line {
		return fmt.Sprintf("line %d: %v", e.Offset, e.Err)
	}
	return fmt.Sprintf("frame at byte %d: %v", e.Offset, e.Err)
}

// Unwrap returns the cause.
func (e *FrameError) Unwrap() error { return e.Err }

// decodeRaw reads size-prefixed frames until the end of r.
func decodeRaw(r *bufio.Reader, p *printer, name string) error {
	m := newMixed(name)
	var off int64
	var size [4]byte
	buf := make([]byte, 0, 64<<10)
	for {
		if _, err := io.ReadFull(r, size[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return &FrameError{Offset: off, Err: err}
		}
		n := int32(binary.BigEndian.Uint32(size[:]))
		if n < 0 || n > maxFrame {
			return &FrameError{Offset: off, Err: fmt.Errorf("frame size %d is not one Kafka sends", n)}
		}
		buf = append(buf[:0], size[:]...)
		buf = append(buf, make([]byte, n)...)
		if _, err := io.ReadFull(r, buf[4:]); err != nil {
			return &FrameError{Offset: off, Err: fmt.Errorf("frame of %d bytes cut short: %w", n, io.ErrUnexpectedEOF)}
		}
		m.frame(p, buf)
		off += 4 + int64(n)
		if cap(buf) > 1<<20 {
			buf = make([]byte, 0, 64<<10)
		}
	}
}

// decodeHex reads one frame per line in hex (spaces and colons ignored, '#' starts a
// comment), with or without its size prefix.
func decodeHex(r *bufio.Reader, p *printer, name string) error {
	m := newMixed(name)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 2*maxFrame+64)
	for n := int64(1); sc.Scan(); n++ {
		text := sc.Bytes()
		if i := bytes.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		clean := make([]byte, 0, len(text))
		for _, c := range text {
			if c != ' ' && c != '\t' && c != ':' && c != '\r' {
				clean = append(clean, c)
			}
		}
		if len(clean) == 0 {
			continue
		}
		b := make([]byte, hex.DecodedLen(len(clean)))
		if _, err := hex.Decode(b, clean); err != nil {
			return &FrameError{Offset: n, Line: true, Err: err}
		}
		if len(b) < 4 || int(binary.BigEndian.Uint32(b)) != len(b)-4 {
			b = append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
		}
		m.frame(p, b)
	}
	if err := sc.Err(); err != nil {
		return &FrameError{Line: true, Err: errors.Join(err)}
	}
	return nil
}
