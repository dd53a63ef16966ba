package tests

import (
	"encoding/binary"
	"net"
	"sync"

	"github.com/kio-go/kafka-protocol/kio/frame"
)

// tapListener records, per accepted connection, the API key and version of every
// request frame the server reads: what a client asked for, seen from below the server
// (so a server that hides its ApiVersions exchange from its handlers is still
// observed). The frames are cut from the bytes as they are read; a connection's bytes
// stop being parsed at a size prefix that does not frame (the SASL v0 raw tokens are
// never sent by the clients observed here).
type tapListener struct {
	net.Listener
	mu    sync.Mutex
	conns []*tapConn
}

// tapRequest is one request frame read by the server.
type tapRequest struct{ key, version int16 }

type tapConn struct {
	net.Conn
	mu       sync.Mutex
	buf      []byte
	broken   bool
	requests []tapRequest
}

func (l *tapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &tapConn{Conn: c}
	l.mu.Lock()
	l.conns = append(l.conns, tc)
	l.mu.Unlock()
	return tc, nil
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.feed(p[:n])
	}
	return n, err
}

func (c *tapConn) feed(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken {
		return
	}
	c.buf = append(c.buf, b...)
	for len(c.buf) >= 4 {
		size := int32(binary.BigEndian.Uint32(c.buf))
		if size < 8 || size > frame.DefaultMaxFrameSize {
			c.broken = true
			return
		}
		if len(c.buf) < 4+int(size) {
			return
		}
		if key, version, _, err := frame.PeekRequest(c.buf[:4+size]); err == nil {
			c.requests = append(c.requests, tapRequest{key, version})
		}
		c.buf = c.buf[4+size:]
	}
}

// sequences returns each connection's requests so far, in the order of acceptance.
func (l *tapListener) sequences() [][]tapRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([][]tapRequest, len(l.conns))
	for i, c := range l.conns {
		c.mu.Lock()
		out[i] = append([]tapRequest(nil), c.requests...)
		c.mu.Unlock()
	}
	return out
}

// kip511Retries counts the connections that opened with ApiVersions above maxVersion
// (the server's newest) and then asked ApiVersions again at a version it serves: a
// client that read the KIP-511 answer and retried, as Kafka's Java client does.
func (l *tapListener) kip511Retries(maxVersion int16) (retried, opened int) {
	const apiVersionsKey = 18
	for _, seq := range l.sequences() {
		if len(seq) < 2 || seq[0].key != apiVersionsKey || seq[0].version <= maxVersion {
			continue
		}
		opened++
		if seq[1].key == apiVersionsKey && seq[1].version <= maxVersion {
			retried++
		}
	}
	return retried, opened
}
