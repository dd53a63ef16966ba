package realkafka

// What a real broker does to a codec: an ApiVersions answer in version 0 to a version it
// does not serve (KIP-511), frames above 1 MiB, many requests in flight on one
// connection, and a connection that closes in the middle of a response.

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/describecluster"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/proxy"
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
				c.c.SetDeadline(time.Now().Add(ioTimeout))
				if _, err := c.c.Write(apiVersionsProbe(v, 77)); err != nil {
					t.Fatal(err)
				}
				var f frame.Framer
				frame, err := f.ReadFrame(c.c)
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
				c.c.Close()
			}
		}
		p.Close()
		if pr := p.Problems(); len(pr) != 0 {
			t.Errorf("proxy problems: %v", pr)
		}
		if sk := p.Skips(); len(sk) != 0 {
			t.Errorf("proxy skipped %v", sk)
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

// testPipelining writes 300 requests on one connection before reading any answer, then
// reads the answers and matches them with frame.InFlight: Kafka answers in order.
func (s *suite) testPipelining(t *testing.T) {
	const n = 300
	c := dial(t, onBroker, s.b.Plaintext, s.cov)
	defer c.c.Close()
	c.c.SetDeadline(time.Now().Add(ioTimeout))
	var f frame.Framer
	var inflight frame.InFlight
	var out []byte
	md := serial.Default[metadata.MetadataRequest]()
	md.Topics = nil
	av := serial.Default[apiversions.ApiVersionsRequest]()
	av.ClientSoftwareName, av.ClientSoftwareVersion = "kio", "1"
	dc := serial.Default[describecluster.DescribeClusterRequest]()
	reqs := []struct {
		key, version int16
		body         any
	}{{3, s.newest(t, onBroker, 3), &md}, {18, 3, &av}, {60, s.newest(t, onBroker, 60), &dc}}
	for id := range int32(n) {
		r := reqs[id%3]
		var err error
		out, err = f.AppendRequest(out, &frame.Request{Header: requestheader.RequestHeader{RequestApiKey: r.key, RequestApiVersion: r.version, CorrelationId: id, ClientId: &clientID}, Body: r.body})
		if err != nil {
			t.Fatal(err)
		}
		if err := inflight.Add(id, r.key, r.version); err != nil {
			t.Fatal(err)
		}
	}
	go c.c.Write(out) // one write of every request; the reads below drain the answers
	for want := range int32(n) {
		frame, err := f.ReadFrame(c.c)
		if err != nil {
			t.Fatalf("answer %d: %v", want, err)
		}
		resp, err := inflight.ParseResponse(f, frame)
		if err != nil || resp.Header.CorrelationId != want {
			t.Fatalf("answer %d: %v (id %d)", want, err, resp.Header.CorrelationId)
		}
		switch b := resp.Body.(type) {
		case *metadata.MetadataResponse:
			if len(b.Brokers) != 1 {
				t.Errorf("answer %d: %+v", want, b.Brokers)
			}
		case *apiversions.ApiVersionsResponse:
			if b.ErrorCode != common.None {
				t.Errorf("answer %d: %v", want, b.ErrorCode)
			}
		case *describecluster.DescribeClusterResponse:
			if b.ClusterId != s.b.ClusterID {
				t.Errorf("answer %d: %s", want, b.ClusterId)
			}
		}
	}
	if inflight.Len() != 0 {
		t.Errorf("%d requests unanswered", inflight.Len())
	}
}

// testClosedMidResponse relays one Metadata request to the broker and only half of its
// answer back, then closes: the Framer reports a truncated frame, a typed error, at
// once rather than waiting for the deadline.
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
			req, err := f.ReadFrame(client)
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
			_, err = client.Write(resp[:len(resp)/2])
			return err
		}()
	}()
	c := dial(t, onBroker, ln.Addr().String(), s.cov)
	defer c.c.Close()
	md := serial.Default[metadata.MetadataRequest]()
	md.Topics = nil
	api, _ := c.send(t, 12, &md)
	start := time.Now()
	_, err = c.framer.ReadResponse(c.c, api.Key, 12)
	var fe *frame.FrameError
	if !errors.As(err, &fe) || !errors.Is(err, io.ErrUnexpectedEOF) || fe.Size <= 0 {
		t.Errorf("half a response: %v, want a *frame.FrameError wrapping io.ErrUnexpectedEOF", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v to notice the closed connection", time.Since(start))
	}
	if err := <-relayed; err != nil {
		t.Fatalf("relay: %v", err)
	}
}
