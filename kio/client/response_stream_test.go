package client_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// streamer is a kio/server PipelineRawHandler whose responses are PendingStreams: a
// Metadata request for topic "N" is answered with a frame of N bytes (size prefix,
// correlation id, then byte i of the frame is i%251), written 7 KiB at a time. With
// cutAt set, a response stops after that many bytes and waits for release (a broker
// stalled mid-frame), then fails when fail is set (the connection closes).
type streamer struct {
	cutAt   int
	release chan struct{}
	fail    bool
	delay   time.Duration // before the first byte; 50 ms if 0, so that WaitStream waits before it comes
}

func (s *streamer) ServeKafkaFrame(context.Context, *server.RawRequest) ([]byte, bool, error) {
	return nil, false, nil
}

func (s *streamer) StartKafkaFrame(_ context.Context, req *server.RawRequest) (server.PendingFrame, error) {
	if req.Key != metadata.APIKey {
		return nil, nil // ApiVersions: the server answers
	}
	r, err := frame.Framer{}.ParseRequest(req.Frame)
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(string(*r.Body.(*metadata.MetadataRequest).Topics[0].Name))
	if err != nil {
		return nil, err
	}
	return &streamedAnswer{s: s, f: patternFrame(n, req.CorrelationID)}, nil
}

// patternFrame is a response frame of n bytes with correlation id corr.
func patternFrame(n int, corr int32) []byte {
	f := make([]byte, n)
	for i := range f {
		f[i] = byte(i % 251)
	}
	binary.BigEndian.PutUint32(f, uint32(n-4))
	binary.BigEndian.PutUint32(f[4:], uint32(corr))
	return f
}

type streamedAnswer struct {
	s *streamer
	f []byte
}

func (a *streamedAnswer) Ready() bool { return false }

func (a *streamedAnswer) AwaitKafkaFrame(context.Context) ([]byte, error) {
	return nil, errors.New("AwaitKafkaFrame called on a PendingStream")
}

func (a *streamedAnswer) WriteKafkaFrame(ctx context.Context, w io.Writer) error {
	delay := a.s.delay
	if delay == 0 {
		delay = 50 * time.Millisecond
	}
	time.Sleep(delay)
	for i := 0; i < len(a.f); i += 7 << 10 {
		if a.s.cutAt > 0 && i >= a.s.cutAt {
			select {
			case <-a.s.release:
			case <-ctx.Done():
			}
			if a.s.fail {
				return errors.New("cut")
			}
		}
		if _, err := w.Write(a.f[i:min(i+7<<10, len(a.f))]); err != nil {
			return err
		}
		if f, ok := w.(interface{ Flush() error }); ok {
			f.Flush()
		}
	}
	return nil
}

// dialStreamer serves s and dials it.
func dialStreamer(t *testing.T, s *streamer) *client.Conn {
	t.Helper()
	c, err := client.Dial(context.Background(), serve(t, &server.Server{RawHandler: s, Handler: server.NewMux(), ConnConcurrency: 8}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// sendSized sends a request for a response of n bytes with correlation id corr.
func sendSized(t *testing.T, c *client.Conn, n int, corr int32) *client.PendingResponse {
	t.Helper()
	p, err := c.SendFrame(context.Background(), metadataFrame(t, strconv.Itoa(n), corr))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWaitStream: WaitStream hands a response of 64 KiB or more over as it arrives
// (only the size prefix and correlation id in Head, the rest read from the
// connection), a smaller one whole; either way the bytes are the broker's, the
// correlation id the caller's, and the connection reads the next response after.
func TestWaitStream(t *testing.T) {
	c := dialStreamer(t, &streamer{})
	for i, n := range []int{100, 64<<10 - 1, 64 << 10, 3 << 20, 1 << 20, 5 << 20} {
		corr := int32(500 + i)
		rs, err := sendSized(t, c, n, corr).WaitStream(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		wantHead := n
		if n >= 64<<10 {
			wantHead = 8
		}
		if len(rs.Head) != wantHead || rs.Size != int64(n) {
			t.Errorf("%d-byte response: Head %d bytes, Size %d; want %d and %d", n, len(rs.Head), rs.Size, wantHead, n)
		}
		var got bytes.Buffer
		got.Write(rs.Head)
		// A bytes.Buffer is an io.ReaderFrom: CopyN hands it the connection itself (a
		// splice between sockets); wrapped, it gets the bytes through Write.
		var to io.Writer = &got
		if i%2 == 1 {
			to = struct{ io.Writer }{&got}
		}
		if _, err := io.Copy(to, rs); err != nil {
			t.Fatal(err)
		}
		if err := rs.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), patternFrame(n, corr)) {
			t.Fatalf("%d-byte response: %d bytes differ from the broker's", n, got.Len())
		}
	}
	checkCallWorks(t, c)
}

// checkCallWorks: a call on c after the streams gets its own answer.
func checkCallWorks(t *testing.T, c *client.Conn) {
	t.Helper()
	resp, err := c.RoundTripFrame(context.Background(), metadataFrame(t, "1000", 77))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp, patternFrame(1000, 77)) {
		t.Fatal("the call after the streams got another answer")
	}
}

// TestWaitStreamCloseEarly: a stream closed part way leaves the rest to the
// connection, which drops it and goes on; a stream read with Read (not io.Copy's
// WriteTo) gives the same bytes.
func TestWaitStreamCloseEarly(t *testing.T) {
	c := dialStreamer(t, &streamer{})
	rs, err := sendSized(t, c, 1<<20, 1).WaitStream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 100_000)
	if _, err := io.ReadFull(rs, part); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(part, patternFrame(1<<20, 1)[8:8+len(part)]) {
		t.Fatal("the stream's bytes differ from the broker's")
	}
	rs.Close()
	if n, err := rs.Read(part); n != 0 || err != io.EOF {
		t.Fatalf("Read after Close: %d, %v; want 0, io.EOF", n, err)
	}
	checkCallWorks(t, c)
}

// TestWaitStreamAfterArrival: a response read before WaitStream is called comes whole,
// large or not.
func TestWaitStreamAfterArrival(t *testing.T) {
	c := dialStreamer(t, &streamer{})
	p := sendSized(t, c, 256<<10, 3)
	for deadline := time.Now().Add(10 * time.Second); !p.Ready(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the response never came")
		}
	}
	rs, err := p.WaitStream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rs.Head, patternFrame(256<<10, 3)) {
		t.Fatalf("Head holds %d bytes, want the whole frame", len(rs.Head))
	}
	if n, err := rs.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read of a whole response: %d, %v; want io.EOF", n, err)
	}
}

// TestWaitStreamGivesUp: a WaitStream whose context ends before the response comes
// returns the context's error, the response is dropped when it comes, and the
// connection stays usable.
func TestWaitStreamGivesUp(t *testing.T) {
	c := dialStreamer(t, &streamer{delay: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := sendSized(t, c, 1<<20, 5).WaitStream(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitStream returned %v, want the deadline", err)
	}
	checkCallWorks(t, c)
}

// TestWaitStreamStalled: a broker that stalls mid-frame holds a reader until the
// context given to WaitStream ends; the connection then closes and Read fails with a
// *ConnError (half a frame read leaves nothing to go on with).
func TestWaitStreamStalled(t *testing.T) {
	c := dialStreamer(t, &streamer{cutAt: 100_000, release: make(chan struct{})})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	rs, err := sendSized(t, c, 1<<20, 9).WaitStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rs)
	var ce *client.ConnError
	if !errors.As(err, &ce) || !errors.Is(err, client.ErrClosed) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read of a stalled stream: %v, want a *ConnError with the deadline", err)
	}
	if n < 90_000 || n >= 1<<20 {
		t.Errorf("read %d bytes before the stall, want the ~100 KB sent", n)
	}
	if c.Err() == nil {
		t.Error("the connection is still open after half a frame")
	}
}

// TestWaitStreamBrokerCloses: a broker that closes mid-frame fails the stream's read
// with a *ConnError wrapping io.ErrUnexpectedEOF, and every call after.
func TestWaitStreamBrokerCloses(t *testing.T) {
	s := &streamer{cutAt: 100_000, release: make(chan struct{}), fail: true}
	close(s.release)
	c := dialStreamer(t, s)
	rs, err := sendSized(t, c, 1<<20, 11).WaitStream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(rs)
	if !errors.Is(err, client.ErrClosed) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("read of a cut stream: %v, want ErrClosed and io.ErrUnexpectedEOF", err)
	}
	if _, err := c.RoundTripFrame(context.Background(), metadataFrame(t, "10", 12)); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("call after a cut stream: %v, want ErrClosed", err)
	}
}
