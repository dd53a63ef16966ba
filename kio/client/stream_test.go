package client_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// recordsMux answers Metadata as echoMux does and a Produce with the records' length
// and first byte as the first partition's BaseOffset and Index, so a test can tell that
// a streamed request came whole and unmixed.
func recordsMux() *server.Mux {
	mux := echoMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *produce.ProduceRequest) (*produce.ProduceResponse, error) {
		rec := body.TopicData[0].PartitionData[0].Records
		first := int32(-1)
		for _, b := range rec {
			if b != rec[0] {
				return nil, errors.New("records mixed up")
			}
			first = int32(b)
		}
		return &produce.ProduceResponse{Responses: []produce.TopicProduceResponse{{Name: body.TopicData[0].Name,
			PartitionResponses: []produce.PartitionProduceResponse{{Index: first, BaseOffset: int64(len(rec))}}}}}, nil
	})
	return mux
}

// produceWith encodes a Produce at v9 whose records are n bytes of fill.
func produceWith(t *testing.T, n int, fill byte, acks int16, corr int32) []byte {
	t.Helper()
	body := &produce.ProduceRequest{Acks: acks, TimeoutMs: 1000, TopicData: []produce.TopicProduceData{{
		Name: "t", PartitionData: []produce.PartitionProduceData{{Records: bytes.Repeat([]byte{fill}, n)}}}}}
	return requestFrame(t, body, 9, corr)
}

// chunky yields at most n bytes per Read and lets other goroutines run between reads,
// as a body arriving from a socket does.
type chunky struct {
	r io.Reader
	n int
}

func (c *chunky) Read(p []byte) (int, error) {
	runtime.Gosched()
	return c.r.Read(p[:min(len(p), c.n)])
}

// checkProduce parses a Produce response frame and checks its answer.
func checkProduce(t *testing.T, resp []byte, corr int32, n int, fill byte) {
	t.Helper()
	r, ok := responseBody(t, resp, corr, produce.APIKey).(*produce.ProduceResponse)
	if !ok {
		return
	}
	p := r.Responses[0].PartitionResponses[0]
	if p.BaseOffset != int64(n) || (n > 0 && p.Index != int32(fill)) {
		t.Errorf("broker saw %d records of %d, want %d of %d", p.BaseOffset, p.Index, n, fill)
	}
}

// TestRoundTripStream: a frame sent as a head and a body arrives whole, with the Conn's
// correlation id, and the response comes back with the head's; head is not modified;
// acks=0 returns at once and the connection stays in step.
func TestRoundTripStream(t *testing.T) {
	addr := serve(t, &server.Server{Handler: recordsMux()})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := conntest.Dial(t, ctx, addr)
	for _, n := range []int{0, 100, 5000, 300 << 10} {
		f := produceWith(t, n, 3, 1, 4242)
		// 30 bytes reach this Produce's acks (header with the client id, null
		// transactional id); a head must hold a byte past them (frame.ExpectsResponseFrame
		// reads a flexible version's prefix as a struct, up to its tagged fields).
		for _, headLen := range []int{31, 100, 4 << 10, len(f)} {
			if headLen > len(f) {
				continue
			}
			head := append([]byte(nil), f[:headLen]...)
			resp, err := c.RoundTripStream(ctx, head, &chunky{r: bytes.NewReader(f[headLen:]), n: 7000})
			if err != nil {
				t.Fatalf("%d bytes, head %d: %v", n, headLen, err)
			}
			if !bytes.Equal(head, f[:headLen]) {
				t.Error("head modified")
			}
			checkProduce(t, resp, 4242, n, 3)
		}
	}
	// A head longer than a chunk (64 KiB) goes first, as it is.
	f := produceWith(t, 200<<10, 4, 1, 5)
	resp, err := c.RoundTripStream(ctx, f[:100<<10], bytes.NewReader(f[100<<10:]))
	if err != nil {
		t.Fatal(err)
	}
	checkProduce(t, resp, 5, 200<<10, 4)
	// acks=0: nothing to wait for, and the next call gets its own answer.
	f = produceWith(t, 100<<10, 5, 0, 6)
	if resp, err := c.RoundTripStream(ctx, f[:4096], bytes.NewReader(f[4096:])); resp != nil || err != nil {
		t.Fatalf("acks=0: %v, %v; want nil, nil", resp, err)
	}
	if md, err := client.Call[metadata.MetadataResponse](ctx, c, metadataFor("after")); err != nil || *md.ClusterId != "after" {
		t.Fatalf("after acks=0: %v", err)
	}
	// A Produce head that stops before its acks, and a head longer than its frame:
	// refused before anything is sent.
	if _, err := c.RoundTripStream(ctx, f[:20], bytes.NewReader(f[20:])); err == nil {
		t.Error("a head without the acks was sent")
	}
	md := produceWith(t, 10, 1, 1, 7)
	if _, err := c.RoundTripStream(ctx, append(md, 0, 0), bytes.NewReader(nil)); !errors.Is(err, frame.ErrFrameSizeMismatch) {
		t.Errorf("head longer than the frame: %v", err)
	}
	if c.Err() != nil {
		t.Fatalf("connection broken: %v", c.Err())
	}
}

// TestRoundTripStreamHoldsTheWriteTurn: streamed requests whose bodies come slowly,
// and calls, all at once on one Conn: no frame is written into another's middle.
func TestRoundTripStreamHoldsTheWriteTurn(t *testing.T) {
	addr := serve(t, &server.Server{Handler: recordsMux()})
	ctx := context.Background()
	c := conntest.Dial(t, ctx, addr)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 5 {
				if g%2 == 0 {
					name := fmt.Sprint("call-", g, "-", i)
					if md, err := client.Call[metadata.MetadataResponse](ctx, c, metadataFor(name)); err != nil || *md.ClusterId != name {
						t.Errorf("%s: %v", name, err)
					}
					continue
				}
				f := produceWith(t, 150<<10, byte(g*10+i), 1, int32(g*100+i))
				resp, err := c.RoundTripStream(ctx, f[:4096], &chunky{r: bytes.NewReader(f[4096:]), n: 3000})
				if err != nil {
					t.Error(err)
					return
				}
				checkProduce(t, resp, int32(g*100+i), 150<<10, byte(g*10+i))
			}
		})
	}
	wg.Wait()
}

// TestRoundTripStreamShortBody: a body that ends before the frame's size closes the
// connection (half a frame went out) with a *StreamError wrapping ErrShortBody and
// ErrClosed; a body whose Read fails does the same with its error.
func TestRoundTripStreamShortBody(t *testing.T) {
	broken := errors.New("client gone")
	for _, tc := range []struct {
		name string
		body func(rest []byte) io.Reader
		want error
	}{
		{"short", func(rest []byte) io.Reader { return bytes.NewReader(rest[:len(rest)/2]) }, client.ErrShortBody},
		{"failing", func(rest []byte) io.Reader {
			return io.MultiReader(bytes.NewReader(rest[:len(rest)/2]), iotestErr{broken})
		}, broken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := serve(t, &server.Server{Handler: recordsMux()})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, f, err := streamProduce(t, ctx, addr, 300<<10, tc.body)
			var se *client.StreamError
			if !errors.As(err, &se) || !se.Read || !errors.Is(err, tc.want) || !errors.Is(err, client.ErrClosed) {
				t.Fatalf("got %v, want a *StreamError (Read) wrapping %v and ErrClosed", err, tc.want)
			}
			if se.Written <= 4096 || se.Written >= int64(len(f)) || se.Size != int64(len(f)) {
				t.Errorf("Written %d, Size %d of a %d-byte frame", se.Written, se.Size, len(f))
			}
			select {
			case <-c.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("connection left open after half a frame")
			}
			if _, err := c.Call(ctx, metadataFor("x")); !errors.Is(err, client.ErrClosed) {
				t.Errorf("a call after: %v", err)
			}
		})
	}
}

// streamProduce dials addr and sends a Produce of n record bytes with RoundTripStream,
// as a 4 KiB head and body(the rest); it returns the connection, the frame and the
// call's error.
func streamProduce(t *testing.T, ctx context.Context, addr string, n int, body func(rest []byte) io.Reader) (*client.Conn, []byte, error) {
	t.Helper()
	c := conntest.Dial(t, ctx, addr)
	f := produceWith(t, n, 1, 1, 1)
	_, err := c.RoundTripStream(ctx, f[:4096], body(f[4096:]))
	return c, f, err
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

// TestRoundTripStreamBrokerGone: the broker stops reading and closes mid-frame; the
// write fails, the call returns a *StreamError (not Read) and the Conn is closed.
func TestRoundTripStreamBrokerGone(t *testing.T) {
	addr := rawBroker(t, func(nc net.Conn, r *bufio.Reader) {
		io.CopyN(io.Discard, r, 10000)
		nc.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := streamProduce(t, ctx, addr, 20<<20, func(rest []byte) io.Reader { return bytes.NewReader(rest) })
	var se *client.StreamError
	if !errors.As(err, &se) || se.Read || !errors.Is(err, client.ErrClosed) {
		t.Fatalf("got %v, want a *StreamError of the write", err)
	}
	<-c.Done()
}
