package realclients

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"
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

// firsts counts the connections by their first two requests ("18v4 18v2"), for the log.
func (l *tapListener) firsts() map[string]int {
	out := map[string]int{}
	for _, seq := range l.sequences() {
		var parts []string
		for _, r := range seq[:min(2, len(seq))] {
			parts = append(parts, fmt.Sprintf("%dv%d", r.key, r.version))
		}
		out[strings.Join(parts, " ")]++
	}
	return out
}

// kip511Retries counts the ApiVersions requests above maxVersion (the server's newest)
// and those of them the client followed, on the same connection, with ApiVersions at a
// version the server serves: a client that read the KIP-511 answer and asked again, as
// Kafka's Java client does. (A Java client logging in with SASL opens with ApiVersions
// v0 for the handshake and asks its own version only after authenticating.)
func (l *tapListener) kip511Retries(maxVersion int16) (retried, above int) {
	const apiVersionsKey = 18
	for _, seq := range l.sequences() {
		for i, r := range seq {
			if r.key != apiVersionsKey || r.version <= maxVersion {
				continue
			}
			above++
			if i+1 < len(seq) && seq[i+1].key == apiVersionsKey && seq[i+1].version <= maxVersion {
				retried++
			}
		}
	}
	return retried, above
}
