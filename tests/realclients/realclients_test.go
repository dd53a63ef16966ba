package realclients

import (
	"context"
	"encoding/hex"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
	"github.com/kio-go/kafka-protocol/tests/proxy"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kversion"
)

// Real clients on the wire: franz-go's kgo and kadm and librdkafka's kcat talk to an
// in-process kfake broker through tests/proxy, which forwards their bytes untouched and
// checks that kio decodes every request and response and encodes it back to the very
// same bytes.
//
// How the broker is made to look like a Kafka 3.9 broker that kio fully understands:
//
//   - Advertised address: kfake advertises its listener's Addr(). Its ListenFn option
//     lets the test hand it a listener whose Addr() is the proxy's, so the Metadata and
//     FindCoordinator responses name the proxy and every broker connection a client
//     makes goes through it, with nothing rewritten.
//   - Version capping: kfake's MaxVersions option caps each key to what kio's Kafka 3.9
//     index defines (less an unstable latest version) and leaves out every key kio does
//     not know, so kfake's ApiVersions response itself says only what kio can decode.
//   - Minimum versions: kfake serves Kafka 4.0's minimums (Produce 3+, Fetch 4+, KIP-896),
//     and librdkafka 2.0 enables gzip, snappy and lz4 only if the broker's Produce and
//     Fetch ranges include version 2, so against kfake's own ranges kcat silently sends
//     those codecs uncompressed. The proxy therefore rewrites ApiVersions responses to
//     lower each key's MinVersion to kio's lowest, as a 3.9 broker advertises (clients
//     use the highest common version, so nothing old is ever sent). That is the one
//     rewrite: the original ApiVersions bytes are still compared before it is applied.

// budget bounds the whole test; every step below has its own, shorter deadline.
const budget = 55 * time.Second

// proxiedCluster is a single-broker kfake cluster reached only through a proxy.
type proxiedCluster struct {
	kfake *kfake.Cluster
	proxy *proxy.Proxy
	addr  string // the proxy's address, which kfake advertises
}

func TestRealClientsThroughProxy(t *testing.T) {
	kafkadist.SkipShort(t, "starts a broker and real clients")
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()

	rc := startRealClientsCluster(t)
	t.Logf("kfake advertises the proxy at %s", rc.addr)
	captureRealClientSeeds(t, rc.proxy)

	t.Run("kadm-setup", func(t *testing.T) { createAllTopics(ctx, t, rc.addr) })
	t.Run("kgo", func(t *testing.T) { kgoRound(ctx, t, rc.addr) })
	t.Run("kgo-txn", func(t *testing.T) { kgoTransaction(ctx, t, rc.addr) })
	t.Run("kcat", func(t *testing.T) { kcatRound(ctx, t, rc.addr) })
	t.Run("kadm", func(t *testing.T) { kadmRound(ctx, t, rc.addr) })

	// Closing waits for every frame already read to be checked.
	rc.proxy.Close()
	rc.kfake.Close()
	reportFrames(t, rc.proxy)
}

// startRealClientsCluster starts the proxy's listener first, so that kfake can be told
// to advertise it, then kfake, then the proxy pointed at kfake's real listener.
func startRealClientsCluster(t *testing.T) *proxiedCluster {
	t.Helper()
	front, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy listener: %v", err)
	}
	var backend string
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.MaxVersions(kgoVersions()),
		kfake.ListenFn(func(network, address string) (net.Listener, error) {
			ln, err := net.Listen(network, address)
			if err != nil {
				return nil, err
			}
			backend = ln.Addr().String()
			return advertisedListener{Listener: ln, advertised: front.Addr()}, nil
		}),
	)
	if err != nil {
		front.Close()
		t.Fatalf("kfake: %v", err)
	}
	p := proxy.Serve(front, backend, widenMinVersions)
	t.Cleanup(func() { p.Close(); c.Close() })
	return &proxiedCluster{kfake: c, proxy: p, addr: p.Addr()}
}

// advertisedListener is kfake's real listener reporting another address (the proxy's)
// as its own, which is what kfake puts in Metadata and FindCoordinator responses.
type advertisedListener struct {
	net.Listener
	advertised net.Addr
}

func (l advertisedListener) Addr() net.Addr { return l.advertised }

// kgoVersions is the version table kfake is capped to: every API in kio's index at its
// highest stable version. An API whose only version is unstable (the KIP-932 share-group
// APIs at v0 in 3.9) is left out: those versions changed before release and no 3.9
// broker advertises them. The feature table is Kafka 3.9's.
func kgoVersions() *kversion.Versions {
	vs := kversion.V3_9_0()
	vs.EachMaxKeyVersion(func(key, _ int16) { vs.SetMaxKeyVersion(key, -1) })
	for _, api := range schema.APIs() {
		hi := api.Versions.Hi
		if api.LatestUnstable {
			hi--
		}
		if hi >= api.Versions.Lo {
			vs.SetMaxKeyVersion(api.Key, hi)
		}
	}
	return vs
}

// widenMinVersions lowers each MinVersion in an ApiVersions response to the
// lowest version kio's index defines for the key (see the file comment for why).
func widenMinVersions(key, _ int16, resp *frame.Response) bool {
	body, ok := resp.Body.(*apiversions.ApiVersionsResponse)
	if key != 18 || !ok {
		return false
	}
	changed := false
	for i := range body.ApiKeys {
		k := &body.ApiKeys[i]
		if api, ok := schema.Lookup(k.ApiKey); ok && api.Versions.Lo < k.MinVersion {
			k.MinVersion = api.Versions.Lo
			changed = true
		}
	}
	return changed
}

// clientNames are the client ids of the three clients; every connection is
// attributed to the client id in its requests' header.
var clientNames = []string{"kgo", "kadm", "kcat"}

// reportFrames logs the table of API versions seen and frames compared per client,
// and fails on every frame that did not round trip, with the hex of both encodings.
func reportFrames(t *testing.T, p *proxy.Proxy) {
	t.Helper()
	stats := p.Stats()
	var b strings.Builder
	fmt.Fprintf(&b, "frames through the proxy (%d connections):\n", p.Connections())
	fmt.Fprintf(&b, "%-6s %-34s %4s %8s %9s %9s %8s %9s\n",
		"client", "api", "ver", "requests", "responses", "identical", "skipped", "rewritten")
	type total struct{ frames, identical, skipped int }
	totals := map[string]*total{}
	for _, s := range stats {
		name := fmt.Sprintf("key %d", s.APIKey)
		if api, ok := schema.Lookup(s.APIKey); ok {
			name = api.String()
		}
		fmt.Fprintf(&b, "%-6s %-34s %4d %8d %9d %9d %8d %9d\n",
			s.Client, name, s.APIVersion, s.Requests, s.Responses, s.Identical, s.Skipped, s.Rewritten)
		tt := totals[s.Client]
		if tt == nil {
			tt = &total{}
			totals[s.Client] = tt
		}
		tt.frames += s.Requests + s.Responses
		tt.identical += s.Identical
		tt.skipped += s.Skipped
	}
	for _, client := range slices.Sorted(maps.Keys(totals)) {
		tt := totals[client]
		fmt.Fprintf(&b, "total %-6s frames %d, compared %d, identical %d, skipped %d\n",
			client, tt.frames, tt.frames-tt.skipped, tt.identical, tt.skipped)
	}
	skipped := map[proxy.Skip]int{} // by client, key, version and reason
	for _, s := range p.Skips() {
		s.CorrelationID = 0
		skipped[s]++
	}
	var skipLines []string
	for s, n := range skipped {
		skipLines = append(skipLines, fmt.Sprintf("skipped %d× %s key %d v%d: %s\n", n, s.Client, s.APIKey, s.APIVersion, s.Reason))
	}
	slices.Sort(skipLines)
	b.WriteString(strings.Join(skipLines, ""))
	kafkadist.Report(t, b.String())

	for _, client := range clientNames {
		tt := totals[client]
		switch {
		case client == "kcat" && !haveKcat():
			// Skipped with its reason in the kcat subtest.
		case tt == nil || tt.frames-tt.skipped == 0:
			t.Errorf("client %s: no frame compared; did it reach the broker through the proxy?", client)
		}
	}
	for client := range totals {
		if !slices.Contains(clientNames, client) {
			t.Errorf("frames from an unexpected client id %q", client)
		}
	}
	for _, s := range p.Skips() {
		// The only frames not compared are ApiVersions probes above kio's schema.
		if s.APIKey != 18 {
			t.Errorf("skipped a frame that is not an ApiVersions probe: %+v", s)
		}
	}
	for _, pr := range p.Problems() {
		msg := pr.String()
		if pr.Original != nil {
			msg += "\n  original:   " + hexDump(pr.Original)
		}
		if pr.Reencoded != nil {
			msg += "\n  re-encoded: " + hexDump(pr.Reencoded)
		}
		t.Error(msg)
	}
}

// hexDump is hex for a failure message, cut after 16 KiB so a large Fetch
// response does not flood the log (the first difference is reported separately).
func hexDump(b []byte) string {
	const limit = 16 << 10
	if len(b) > limit {
		return hex.EncodeToString(b[:limit]) + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return hex.EncodeToString(b)
}
