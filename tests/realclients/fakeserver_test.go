package realclients

import (
	"context"
	"errors"
	"maps"
	"net"
	"sync"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/server"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// fakeAPIVersionsMax is the newest ApiVersions version the fake broker serves: below
// what every client observed sends first (Kafka's Java clients and kgo v4, librdkafka
// v3), so that each of their connections gets the KIP-511 answer and asks again.
const fakeAPIVersionsMax = 2

// fakeBroker is a fake Kafka broker built on kio/server: a Mux of typed handlers over
// fakeState, optionally requiring SASL SCRAM-SHA-256 or SCRAM-SHA-512, behind a tap
// that records every request frame the server reads.
type fakeBroker struct {
	addr           string
	state          *fakeState
	tap            *tapListener
	srv            *server.Server
	apiVersionsMax int16

	closes chan error // the error of every connection that ended abnormally
}

func startFakeBroker(t *testing.T, withSASL bool) *fakeBroker {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	state, err := newFakeState(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	mux := server.NewMux()
	mux.Handle(18, tags.Range{Lo: 0, Hi: fakeAPIVersionsMax}, nil)
	answer(mux, state, state.metadata)
	answer(mux, state, state.createTopics)
	answer(mux, state, state.describeCluster)
	answer(mux, state, state.produce)
	answer(mux, state, state.listOffsets)
	answer(mux, state, state.fetch)
	fb := &fakeBroker{addr: ln.Addr().String(), state: state, tap: &tapListener{Listener: ln},
		apiVersionsMax: fakeAPIVersionsMax, closes: make(chan error, 1000)}
	fb.srv = &server.Server{Handler: &principals{Mux: mux, seen: map[string]int{}}, OnClose: func(_ *server.Peer, err error) {
		if err != nil {
			select {
			case fb.closes <- err:
			default:
			}
		}
	}}
	if withSASL {
		creds := map[sasl.ScramHash]sasl.ScramCredential{}
		for _, h := range []sasl.ScramHash{sasl.SHA256, sasl.SHA512} {
			c, err := sasl.NewScramCredential(h, fakePassword)
			if err != nil {
				t.Fatal(err)
			}
			creds[h] = c
		}
		for _, h := range []sasl.ScramHash{sasl.SHA256, sasl.SHA512} {
			fb.srv.SASL = append(fb.srv.SASL, sasl.ScramServer{Hash: h, Lookup: func(user string, token bool) (sasl.ScramCredential, bool) {
				if user != fakeUser || token {
					return sasl.ScramCredential{}, false
				}
				return creds[h], true
			}})
		}
	}
	served := make(chan error, 1)
	go func() { served <- fb.srv.Serve(fb.tap) }()
	t.Cleanup(func() {
		fb.srv.Close()
		if err := <-served; err != nil && !errors.Is(err, server.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return fb
}

// answer registers one of the state's answers as mux's handler of its request type,
// called with the state locked.
func answer[Req, Resp any](mux *server.Mux, s *fakeState, answer func(req *Req, version int16) *Resp) {
	server.Handle(mux, func(_ context.Context, r *server.Request, body *Req) (*Resp, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return answer(body, r.Version()), nil
	})
}

// checkCloses fails on any connection the server closed because of a handler (a
// *server.HandlerError: the fake answered wrongly) and logs the other abnormal ends.
func (fb *fakeBroker) checkCloses(t *testing.T) {
	t.Helper()
	for {
		select {
		case err := <-fb.closes:
			var he *server.HandlerError
			if errors.As(err, &he) {
				t.Errorf("fake broker handler: %v", err)
			} else {
				t.Logf("a connection ended: %v", err)
			}
		default:
			return
		}
	}
}

// principals counts the requests the handlers served by the SASL mechanism and
// principal of their connection ("" for none), so the SASL rounds can show that every
// request came from an authenticated client.
type principals struct {
	*server.Mux
	mu   sync.Mutex
	seen map[string]int // "mechanism principal" -> requests
}

func (p *principals) ServeKafka(ctx context.Context, req *server.Request) (any, error) {
	p.mu.Lock()
	p.seen[req.Peer.Mechanism+" "+req.Peer.Principal]++
	p.mu.Unlock()
	return p.Mux.ServeKafka(ctx, req)
}

// byPrincipal returns the counts so far.
func (fb *fakeBroker) byPrincipal() map[string]int {
	p := fb.srv.Handler.(*principals)
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.seen)
}
