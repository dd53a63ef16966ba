package proxy_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/proxy"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// fetchAnswer is a Fetch response of one partition holding n bytes of records, with a
// NodeEndpoints entry for host (none for ""), as a broker sends it when the partition's
// leader moved (KIP-951).
func fetchAnswer(n int, host string) *fetch.FetchResponse {
	records := make([]byte, n)
	for i := range records {
		records[i] = byte(i % 253)
	}
	r := &fetch.FetchResponse{SessionId: 7, Responses: []fetch.FetchableTopicResponse{{TopicId: kio.UUID{1},
		Partitions: []fetch.PartitionData{{PartitionIndex: 3, HighWatermark: 99, LastStableOffset: -1, LogStartOffset: -1,
			AbortedTransactions: []fetch.AbortedTransaction{{ProducerId: 5, FirstOffset: 6}}, PreferredReadReplica: -1,
			Records: records}}}}}
	if host != "" {
		r.Responses[0].Partitions[0].CurrentLeader.LeaderId = 2
		r.NodeEndpoints = []fetch.NodeEndpoint{{NodeId: 2, Host: host, Port: 19092}}
	}
	return r
}

// fetchBroker is an in-process broker answering every Fetch with answer(version), or,
// for a non-nil raw, with raw's frame (its correlation id set): a broker's bytes
// exactly, malformed ones too.
func fetchBroker(t *testing.T, answer func(version int16) *fetch.FetchResponse, raw []byte) string {
	t.Helper()
	mux := server.NewMux()
	server.Handle(mux, func(_ context.Context, req *server.Request, _ *fetch.FetchRequest) (*fetch.FetchResponse, error) {
		time.Sleep(answerDelay)
		return answer(req.Version()), nil
	})
	srv := &server.Server{Handler: mux}
	if raw != nil {
		srv.RawHandler = rawFetch(raw)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// answerDelay holds a broker's answer back, as a broker's long poll does, so that the
// proxy awaits it before it comes (and streams it) however loaded the machine is: a
// response read whole before the proxy's writer comes to it is relayed whole.
const answerDelay = 50 * time.Millisecond

// rawFetch answers Fetch with its frame.
type rawFetch []byte

func (f rawFetch) ServeKafkaFrame(_ context.Context, req *server.RawRequest) ([]byte, bool, error) {
	if req.Key != fetch.APIKey {
		return nil, false, nil
	}
	time.Sleep(answerDelay)
	out := bytes.Clone(f)
	binary.BigEndian.PutUint32(out[4:], uint32(req.CorrelationID))
	return out, true, nil
}

// fetchRaw sends a Fetch at version on c and returns the response frame.
func fetchRaw(t *testing.T, c *client.Conn, version int16) ([]byte, error) {
	t.Helper()
	req, err := frame.NewRequest(&fetch.FetchRequest{MaxWaitMs: 10, ReplicaId: -1}, version, 42, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := frame.Framer{}.AppendRequest(nil, req)
	if err != nil {
		t.Fatal(err)
	}
	return c.RoundTripFrame(context.Background(), f)
}

// dialThrough starts a proxy (advertising host, if set) in front of broker and dials it.
func dialThrough(t *testing.T, broker, host string) (*proxy.Proxy, *client.Conn) {
	t.Helper()
	p := startProxy(t, &proxy.Proxy{AdvertisedHost: host}, []string{broker})
	c, err := client.Dial(context.Background(), p.Mappings()[0].Listen) // the advertised host may not resolve
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return p, c
}

// TestStreamedFetch: a Fetch response of 64 KiB or more is relayed as it arrives
// (Stats.StreamedResponses) and, without endpoints, byte for byte; its NodeEndpoints
// are rewritten within the frame's size: in place when the proxy's host is as long as
// the broker's, with a filler tagged field when it is shorter, and dropped (the filler
// in their place) when it is longer. kio and franz-go's kmsg both decode every
// response, records intact, and no broker host reaches the client.
func TestStreamedFetch(t *testing.T) {
	const size = 1 << 20
	for _, tc := range []struct {
		name, brokerHost, proxyHost string
		version                     int16
		rewritten, dropped          int64
		filler                      bool
	}{
		{"no endpoints", "", "", 18, 0, 0, false},
		{"before KIP-951", "", "", 15, 0, 0, false},
		{"same length", "10.1.2.3", "proxy-01", 18, 1, 0, false},
		{"shorter", "broker-0.kafka.internal", "127.0.0.1", 17, 1, 0, true},
		{"longer", "b0", "proxy.example.com", 16, 0, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answer := func(int16) *fetch.FetchResponse { return fetchAnswer(size, tc.brokerHost) }
			broker := fetchBroker(t, answer, nil)
			direct, err := client.Dial(context.Background(), broker)
			if err != nil {
				t.Fatal(err)
			}
			defer direct.Close()
			want, err := fetchRaw(t, direct, tc.version)
			if err != nil {
				t.Fatal(err)
			}
			p, c := dialThrough(t, broker, tc.proxyHost)
			got, err := fetchRaw(t, c, tc.version)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d bytes through the proxy, %d from the broker", len(got), len(want))
			}
			if tc.brokerHost == "" && !bytes.Equal(got, want) {
				t.Fatal("a response without endpoints changed on the way")
			}
			if tc.brokerHost != "" && bytes.Contains(got, []byte(tc.brokerHost)) {
				t.Fatal("the broker's host reached the client")
			}
			s := p.Stats()
			if s.StreamedResponses != 1 || s.EndpointsRewritten != tc.rewritten || s.EndpointsDropped != tc.dropped {
				t.Errorf("stats %+v, want 1 streamed, %d rewritten, %d dropped", s, tc.rewritten, tc.dropped)
			}
			checkFetched(t, got, tc.version, size, p, tc.rewritten == 1, tc.filler)
		})
	}
}

// checkFetched decodes a relayed Fetch response with kio and with kmsg: the records
// whole, NodeEndpoints naming the proxy's listener (or none), the filler present.
func checkFetched(t *testing.T, got []byte, version int16, size int, p *proxy.Proxy, endpoint, filler bool) {
	t.Helper()
	resp, err := frame.Framer{}.ParseResponse(got, fetch.APIKey, version)
	if err != nil {
		t.Fatalf("kio cannot decode the relayed response: %v", err)
	}
	body := resp.Body.(*fetch.FetchResponse)
	if !bytes.Equal(body.Responses[0].Partitions[0].Records, fetchAnswer(size, "").Responses[0].Partitions[0].Records) {
		t.Fatal("records changed on the way")
	}
	if _, ok := body.UnknownTags[127]; ok != filler {
		t.Errorf("filler tag 127 present %v, want %v (tags %v)", ok, filler, body.UnknownTags)
	}
	if endpoint != (len(body.NodeEndpoints) == 1) {
		t.Fatalf("NodeEndpoints %+v, want one: %v", body.NodeEndpoints, endpoint)
	}
	if endpoint {
		e := body.NodeEndpoints[0]
		addr := net.JoinHostPort(e.Host, strconv.Itoa(int(e.Port)))
		found := false
		for _, m := range p.Mappings() {
			found = found || m.Advertised.String() == addr && m.Upstream != p.Mappings()[0].Upstream
		}
		if !found || e.NodeId != 2 {
			t.Errorf("NodeEndpoints name %s (node %d), not a listener of the proxy's for node 2 (%+v)", addr, e.NodeId, p.Mappings())
		}
	}
	k := kmsg.NewPtrFetchResponse()
	k.Version = version
	bodyAt := 8 // size prefix, correlation id
	if version >= 12 {
		bodyAt++ // the flexible response header's empty tagged fields
	}
	if err := k.ReadFrom(got[bodyAt:]); err != nil {
		t.Fatalf("kmsg cannot decode the relayed response: %v", err)
	}
	if len(k.Topics[0].Partitions[0].RecordBatches) != size || endpoint != (len(k.Brokers) == 1) {
		t.Errorf("kmsg reads %d bytes of records and %d endpoints", len(k.Topics[0].Partitions[0].RecordBatches), len(k.Brokers))
	}
}

// TestStreamedFetchMalformed: a streamed response the relay cannot walk (records
// longer than the frame) goes to the client as it is, for the client to refuse, as a
// pass-through proxy relays any frame; one whose tagged fields start with NodeEndpoints
// that do not decode is not passed on (it may hold a broker's address): the client's
// connection closes, and ErrorLog hears ErrUpstreamResponse.
func TestStreamedFetchMalformed(t *testing.T) {
	good, err := frame.Framer{}.AppendResponse(nil, fetch.APIKey, 18, &frame.Response{Body: fetchAnswer(200<<10, "")})
	if err != nil {
		t.Fatal(err)
	}
	long := bytes.Clone(good)
	at := bytes.Index(long, []byte{0, 1, 2, 3, 4, 5, 6, 7}) // the records, after their length
	long[at-1] += 10                                        // their length's last byte: past the frame's end
	if _, err := (frame.Framer{}).ParseResponse(long, fetch.APIKey, 18); err == nil {
		t.Fatal("the malformed frame decodes")
	}
	broker := fetchBroker(t, nil, long)
	_, c := dialThrough(t, broker, "")
	got, err := fetchRaw(t, c, 18)
	if err != nil {
		t.Fatal(err)
	}
	binary.BigEndian.PutUint32(long[4:], 42)
	if !bytes.Equal(got, long) {
		t.Fatal("a frame the relay cannot walk did not reach the client as it was")
	}

	badTail := append(bytes.Clone(good[:len(good)-1]), 1, 0, 3, 0xff, 0xff, 0xff) // tag 0, 3 bytes of nonsense
	binary.BigEndian.PutUint32(badTail, uint32(len(badTail)-4))
	broker = fetchBroker(t, nil, badTail)
	logged := make(chan error, 10)
	p := startProxy(t, &proxy.Proxy{ErrorLog: func(err error) {
		select {
		case logged <- err:
		default: // never block the proxy on a test that has stopped listening
		}
	}}, []string{broker})
	c2, err := client.Dial(context.Background(), p.BootstrapAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := fetchRaw(t, c2, 18); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("a response with undecodable endpoints reached the client (%v)", err)
	}
	for {
		select {
		case err := <-logged:
			if errors.Is(err, proxy.ErrUpstreamResponse) {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatal("ErrorLog did not hear ErrUpstreamResponse")
		}
	}
}
