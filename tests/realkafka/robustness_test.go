package realkafka

// What a real broker does to a codec and to kio/client: an ApiVersions answer in version
// 0 to a version it does not serve (KIP-511), frames above 1 MiB, many requests in flight
// on one connection, and a connection that closes in the middle of a response.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/describecluster"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/proxy"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

// apiVersionsProbe is an ApiVersions request frame at version, a version the broker may
// not know: header v2 (every flexible version's) and, for a version kio does not define,
// a body of two empty compact strings built by hand.
func apiVersionsProbe(version int16, correlationID int32) []byte {
	b := []byte{0, 0, 0, 0, 0, 18}
	b = binary.BigEndian.AppendUint16(b, uint16(version))
	b = binary.BigEndian.AppendUint32(b, uint32(correlationID))
	b = append(b, 0, 3, 'k', 'i', 'o') // client id: a classic nullable string
	b = append(b, 0)                   // header tagged fields
	if api, _ := schema.Lookup(apiversions.APIKey); api.Versions.Contains(version) {
		// A version kio knows (ApiVersions v5 of Kafka 4 against a 3.9 broker): the
		// body a client of that version sends, so the proxy can check it.
		body := serial.Default[apiversions.ApiVersionsRequest]()
		b, _ = serial.Append(b, &body, version)
	} else {
		b = append(b, 1, 1, 0) // body: two empty compact strings, no tagged fields
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// testApiVersionsAboveRange sends ApiVersions at versions above the listener's and
// reads the version 0 answer (KIP-511) with the Framer, directly and through the
// decoding proxy, which must find every frame identical and skip none.
func (s *suite) testApiVersionsAboveRange(listener string) func(t *testing.T) {
	return func(t *testing.T) {
		addr := s.b.Plaintext
		if listener == onController {
			addr = s.b.Controller
		}
		hi := s.supported[listener][18].Hi
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := proxy.Serve(ln, addr, nil)
		defer p.Close()
		for _, target := range []string{addr, p.Addr()} {
			for _, v := range []int16{hi + 1, hi + 7} {
				c := dial(t, listener, target, s.cov)
				c.Raw.SetDeadline(time.Now().Add(testkit.IOTimeout))
				if _, err := c.Raw.Write(apiVersionsProbe(v, 77)); err != nil {
					t.Fatal(err)
				}
				var f frame.Framer
				frame, err := f.ReadFrame(c.Raw)
				if err != nil {
					t.Fatalf("v%d via %s: %v", v, target, err)
				}
				resp, readAt, err := f.ParseResponseVersion(frame, 18, v)
				if err != nil {
					t.Fatalf("v%d via %s: %v", v, target, err)
				}
				body := resp.Body.(*apiversions.ApiVersionsResponse)
				i := slices.IndexFunc(body.ApiKeys, func(k apiversions.ApiVersion) bool { return k.ApiKey == 18 })
				if readAt != 0 || resp.Header.CorrelationId != 77 || body.ErrorCode != common.UnsupportedVersion || i < 0 ||
					body.ApiKeys[i].MaxVersion != hi {
					t.Errorf("v%d via %s: read at v%d, id %d, %+v", v, target, readAt, resp.Header.CorrelationId, body)
				}
				again, err := f.AppendResponse(nil, 18, readAt, resp)
				if err != nil || !bytes.Equal(again, frame) {
					t.Errorf("v%d: re-encoded differs: %v", v, err)
				}
				c.Close()
			}
		}
		p.Close()
		if err := p.Err(); err != nil {
			t.Error(err)
		}
		compared := 0
		for _, st := range p.Stats() {
			compared += st.Compared()
			if st.Identical != st.Compared() {
				t.Errorf("proxy: %+v", st)
			}
		}
		if compared != 4 {
			t.Errorf("proxy compared %d frames, want 4", compared)
		}
		s.quirk(fmt.Sprintf("ApiVersions above the %s listener's v%d: answered in v0 with UNSUPPORTED_VERSION (KIP-511), read by the Framer at v0; the proxy checked both frames of each probe", listener, hi))
	}
}

// testLargeFrames produces a 3 MiB batch of incompressible bytes and fetches it back:
// request and response frames well above 1 MiB.
func (s *suite) testLargeFrames(t *testing.T) {
	const topic = "kio-large"
	s.createTopic(t, topic, 1)
	value := make([]byte, 3<<20)
	rand.Read(value)
	s.produceTo(t, topic, records.NewBatch(records.Record{Timestamp: time.Now().UnixMilli(), Key: []byte("large"), Value: value}))
	bs := s.fetchBatches(t, topic)
	if len(bs) != 1 || len(bs[0].Records) != 1 || !bytes.Equal(bs[0].Records[0].Value, value) {
		t.Fatalf("fetched %d batches, not the 3 MiB record", len(bs))
	}
}

// testPipelining sends 300 requests on one kio/client connection from 30 goroutines at
// once, so that many are in flight together, and checks every answer: kio/client matches
// them to their calls by correlation id (Kafka answers in order).
func (s *suite) testPipelining(t *testing.T) {
	const n, workers = 300, 30
	c := dial(t, onBroker, s.b.Plaintext, s.cov)
	defer c.Close()
	cl := c.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), testkit.IOTimeout)
	defer cancel()
	mdVersion, dcVersion := s.newest(t, onBroker, 3), s.newest(t, onBroker, 60)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				errs <- pipelined(ctx, cl, i, mdVersion, dcVersion, s.b.ClusterID)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// pipelined sends the i-th request of testPipelining (Metadata, ApiVersions or
// DescribeCluster in turn) and checks its answer.
func pipelined(ctx context.Context, cl *client.Conn, i int, mdVersion, dcVersion int16, clusterID string) error {
	switch i % 3 {
	case 0:
		md := serial.Default[metadata.MetadataRequest]()
		md.Topics = nil
		out, err := cl.CallVersion(ctx, &md, mdVersion)
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		if b := out.(*metadata.MetadataResponse); len(b.Brokers) != 1 {
			return fmt.Errorf("request %d: brokers %+v", i, b.Brokers)
		}
	case 1:
		av := serial.Default[apiversions.ApiVersionsRequest]()
		av.ClientSoftwareName, av.ClientSoftwareVersion = "kio", "1"
		out, err := cl.CallVersion(ctx, &av, 3)
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		if b := out.(*apiversions.ApiVersionsResponse); b.ErrorCode != common.None {
			return fmt.Errorf("request %d: %v", i, b.ErrorCode)
		}
	default:
		dc := serial.Default[describecluster.DescribeClusterRequest]()
		out, err := cl.CallVersion(ctx, &dc, dcVersion)
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		if b := out.(*describecluster.DescribeClusterResponse); b.ClusterId != clusterID {
			return fmt.Errorf("request %d: cluster %s", i, b.ClusterId)
		}
	}
	return nil
}

// testClosedMidResponse relays a kio/client connection to the broker, frame by frame,
// until a Metadata request, of whose answer it relays only half before closing: the
// call fails at once with a *client.ConnError wrapping the Framer's typed error for a
// truncated frame (io.ErrUnexpectedEOF), rather than waiting for the deadline, and the
// connection reports itself broken.
func (s *suite) testClosedMidResponse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	relayed := make(chan error, 1)
	go func() {
		relayed <- func() error {
			client, err := ln.Accept()
			if err != nil {
				return err
			}
			defer client.Close()
			broker, err := net.Dial("tcp", s.b.Plaintext)
			if err != nil {
				return err
			}
			defer broker.Close()
			var f frame.Framer
			for {
				req, err := f.ReadFrame(client)
				if err != nil {
					return err
				}
				key, _, _, err := frame.PeekRequest(req)
				if err != nil {
					return err
				}
				if _, err := broker.Write(req); err != nil {
					return err
				}
				resp, err := f.ReadFrame(broker)
				if err != nil {
					return err
				}
				if key == metadata.APIKey {
					_, err = client.Write(resp[:len(resp)/2])
					return err
				}
				if _, err := client.Write(resp); err != nil {
					return err
				}
			}
		}()
	}()
	c := dial(t, onBroker, ln.Addr().String(), s.cov)
	defer c.Close()
	cl := c.Connect(t) // negotiates through the relay
	md := serial.Default[metadata.MetadataRequest]()
	md.Topics = nil
	ctx, cancel := context.WithTimeout(context.Background(), testkit.IOTimeout)
	defer cancel()
	start := time.Now()
	_, err = cl.CallVersion(ctx, &md, 12)
	var ce *client.ConnError
	var fe *frame.FrameError
	if !errors.As(err, &ce) || !errors.Is(err, client.ErrClosed) || !errors.As(err, &fe) || !errors.Is(err, io.ErrUnexpectedEOF) || fe.Size <= 0 {
		t.Errorf("half a response: %v, want a *client.ConnError wrapping a *frame.FrameError wrapping io.ErrUnexpectedEOF", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v to notice the closed connection", time.Since(start))
	}
	select {
	case <-cl.Done():
	case <-time.After(5 * time.Second):
		t.Error("the connection does not report itself broken")
	}
	if err := <-relayed; err != nil {
		t.Fatalf("relay: %v", err)
	}
}
