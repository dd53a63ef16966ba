package proxysuite

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// hostile runs the hostile clients against the proxy p, guarded by g, (which relays unknown API keys,
// the default), calling works after each to show that other clients are still served.
// It returns how many hostile connections it made.
func hostile(t *testing.T, g *guard, p *proxy.Proxy, works func() error) int {
	addr := p.BootstrapAddr()
	check := func(what string) {
		t.Helper()
		if err := works(); err != nil {
			t.Fatalf("after %s, a well-behaved client fails: %v", what, err)
		}
	}
	conns := 0

	t.Run("garbage", func(t *testing.T) {
		// A frame whose header is garbage (API key -1): relayed as an unknown key, and the
		// broker, which does not know it either, closes; so does the proxy.
		c := dialRaw(t, addr)
		conns++
		c.Write(append([]byte{0, 0, 0, 16}, bytesOf(0xff, 16)...))
		requireClosed(t, c)
		// Bytes that are not even a frame: a size prefix, then too little.
		c = dialRaw(t, addr)
		conns++
		c.Write([]byte{0, 0, 1, 0, 'h', 'e', 'l', 'l', 'o'})
		c.(*net.TCPConn).CloseWrite()
		requireClosed(t, c)
		check("garbage")
	})

	t.Run("2GiB size prefix", func(t *testing.T) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		refused := p.Stats().Refused
		c := dialRaw(t, addr)
		conns++
		c.Write([]byte{0x7f, 0xff, 0xff, 0xff, 0, 18, 0, 3})
		requireClosed(t, c)
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
			t.Errorf("a 2 GiB size prefix cost %d MiB of allocation", grew>>20)
		}
		// The proxy counts the refusal as it hears the connection end, which may be
		// just after the client sees it closed.
		for deadline := time.Now().Add(5 * time.Second); p.Stats().Refused == refused; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Error("the proxy did not count the refused frame")
				break
			}
		}
		check("a 2 GiB size prefix")
	})

	t.Run("unknown API key", func(t *testing.T) {
		c := dialRaw(t, addr)
		conns++
		c.Write(rawRequest(999, 0, 1))
		requireClosed(t, c) // relayed; Kafka closes on a key it does not know
		check("an unknown API key")
	})

	t.Run("10000 pipelined requests", func(t *testing.T) {
		c := dialRaw(t, addr)
		conns++
		defer c.Close()
		const n = 10000
		go func() {
			w := bufio.NewWriterSize(c, 1<<16)
			for i := range n {
				w.Write(pipelined(int32(i)))
			}
			w.Flush()
		}()
		c.SetReadDeadline(time.Now().Add(2 * time.Minute))
		r := bufio.NewReader(c)
		var f frame.Framer
		for i := range n {
			raw, err := f.ReadFrame(r)
			if err != nil {
				t.Fatalf("response %d of %d: %v", i, n, err)
			}
			corr, _ := frame.PeekCorrelationID(raw)
			if corr != int32(i) {
				t.Fatalf("response %d has correlation id %d", i, corr)
			}
			key, version := int16(18), int16(3)
			if i%2 == 1 {
				key, version = 3, 12
			}
			resp, err := f.ParseResponse(raw, key, version)
			if err != nil {
				t.Fatalf("response %d: %v", i, err)
			}
			if md, ok := resp.Body.(*metadata.MetadataResponse); ok {
				for _, b := range md.Brokers {
					if a := net.JoinHostPort(b.Host, fmt.Sprint(b.Port)); g.brokers[a] {
						t.Fatalf("response %d names broker %s", i, a)
					}
				}
			}
		}
		check("10,000 pipelined requests")
	})

	t.Run("1000 idle connections", func(t *testing.T) {
		before := p.Stats().Connections
		var idle []net.Conn
		for range 1000 {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatalf("idle connection %d: %v", len(idle), err)
			}
			idle = append(idle, c)
		}
		conns += len(idle)
		check("1,000 idle connections")
		deadline := time.Now().Add(10 * time.Second)
		for p.Stats().Connections-before < 1000 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := p.Stats().Connections - before; got < 1000 {
			t.Errorf("the proxy accepted %d of 1000 idle connections", got)
		}
		for _, c := range idle {
			c.Close()
		}
	})
	return conns
}

func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// requireClosed waits for the proxy to close c (reading until EOF or a reset).
func requireClosed(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the proxy did not close the connection within 30 s")
	}
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// rawRequest is a request frame with a version 1 header and an empty body.
func rawRequest(key, version int16, corr int32) []byte {
	b := []byte{0, 0, 0, 0}
	b = binary.BigEndian.AppendUint16(b, uint16(key))
	b = binary.BigEndian.AppendUint16(b, uint16(version))
	b = binary.BigEndian.AppendUint32(b, uint32(corr))
	b = append(b, 0, 3, 'k', 'i', 'o')
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// pipelined is request i of the pipelined run: ApiVersions v3 and Metadata v12 in turn.
func pipelined(i int32) []byte {
	clientID := "pipeline"
	var body any
	var version int16
	if i%2 == 0 {
		r := serial.Default[apiversions.ApiVersionsRequest]()
		r.ClientSoftwareName, r.ClientSoftwareVersion = "kio", "1"
		body, version = &r, 3
	} else {
		r := serial.Default[metadata.MetadataRequest]()
		body, version = &r, 12
	}
	req, err := frame.NewRequest(body, version, i, &clientID)
	if err != nil {
		panic(err)
	}
	var f frame.Framer
	out, err := f.AppendRequest(nil, req)
	if err != nil {
		panic(err)
	}
	return out
}
