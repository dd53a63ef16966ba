package realkafka

// Kafka's own Java clients (tests/java/clients: KafkaProducer, KafkaConsumer with both
// group protocols, AdminClient) against a real node of each pinned release, through
// kio's decoding proxy: the node advertises the proxy's address, so every connection of
// the clients, and the node's connections to itself, go through it. Every frame in both
// directions is decoded, re-encoded and must be byte-identical, except frames of a
// version beyond kio's index (the 4.x versions Kafka 4's clients speak until kio's
// schema has them), which are counted and listed, and checked as soon as it does.

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
	"github.com/kio-go/kafka-protocol/tests/proxy"
)

func TestJavaClientsThroughProxy(t *testing.T) {
	kafkadist.EachRelease(t, "starts real brokers and the Java clients", func(t *testing.T, version string) {
		cp := kafkadist.Classpath(t, "clients", version)
		p := startBehindProxy(t, version)

		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "java", "-cp", cp, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "io.kio.clients.Main", p.Addr())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("Java clients: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "failures 0") {
			t.Fatalf("Java clients:\n%s", out)
		}
		coverage, err := checkAdminCoverage(string(out))
		if err != nil {
			t.Fatalf("Java clients: %v\n%s", err, out)
		}
		kafkadist.Report(t, fmt.Sprintf("java clients through the proxy, kafka %s: %s", version, coverage))
		p.Close()
		reportProxy(t, fmt.Sprintf("java clients through the proxy, kafka %s", version), p, "java")
	})
}

// checkAdminCoverage reads the driver's line "admin methods: N of M called; not called:
// ..." (counted by a recording proxy around its Admin) and fails unless the driver
// called every method of the release's Admin interface; it returns that line.
func checkAdminCoverage(out string) (string, error) {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "admin methods: ")
		if !ok {
			continue
		}
		var called, total int
		var uncalled string
		if _, err := fmt.Sscanf(rest, "%d of %d called; not called: %s", &called, &total, &uncalled); err != nil {
			return "", fmt.Errorf("unreadable admin coverage line %q: %v", line, err)
		}
		if uncalled != "none" || called != total || total == 0 {
			return "", fmt.Errorf("the driver left Admin methods uncalled: %s", rest)
		}
		return strings.TrimSpace(line), nil
	}
	return "", fmt.Errorf("the driver printed no admin methods line")
}

// beyondSchema reports a frame the proxy could not read because its version is beyond
// kio's index (a client's first ApiVersions request, sent at its own newest version,
// and the answer in that version): not a codec failure, and checked automatically once
// kio's schema has the version.
func beyondSchema(pr proxy.Problem) bool {
	api, ok := schema.Lookup(pr.APIKey)
	return ok && pr.APIVersion > api.Versions.Hi
}

// reportProxy fails on any frame the proxy could not turn back into its bytes, requires
// frames from each client id in want, and prints per client id the frames and distinct
// key/versions compared.
func reportProxy(t *testing.T, label string, p *proxy.Proxy, want ...string) {
	t.Helper()
	beyond := map[string]int{}
	for _, pr := range p.Problems() {
		if beyondSchema(pr) {
			beyond[fmt.Sprintf("%s key %d v%d", pr.Direction, pr.APIKey, pr.APIVersion)]++
			continue
		}
		t.Errorf("%s: %v", label, pr.String())
	}
	if len(beyond) > 0 {
		t.Logf("%s: frames of versions beyond kio's schema, not checked: %v", label, beyond)
	}
	for _, sk := range p.Skips() {
		t.Errorf("%s: skipped %+v", label, sk)
	}
	type total struct {
		frames, identical int
		pairs             map[[2]int16]bool
	}
	totals := map[string]*total{}
	all := &total{pairs: map[[2]int16]bool{}}
	for _, st := range p.Stats() {
		tt := totals[st.Client]
		if tt == nil {
			tt = &total{pairs: map[[2]int16]bool{}}
			totals[st.Client] = tt
		}
		for _, x := range []*total{tt, all} {
			x.frames += st.Requests + st.Responses
			x.identical += st.Identical
			x.pairs[[2]int16{st.APIKey, st.APIVersion}] = true
		}
	}
	for _, w := range want {
		if totals[w] == nil || totals[w].frames == 0 {
			t.Errorf("%s: no frame from client %q reached the proxy", label, w)
		}
	}
	clients := make([]string, 0, len(totals))
	for c := range totals {
		clients = append(clients, c)
	}
	slices.Sort(clients)
	for _, c := range clients {
		tt := totals[c]
		t.Logf("%s: client %q: %d frames, %d identical, %d distinct key/versions", label, c, tt.frames, tt.identical, len(tt.pairs))
	}
	var names []string
	for kv := range all.pairs {
		name := fmt.Sprint(kv[0])
		if api, ok := schema.Lookup(kv[0]); ok {
			name = api.Name
		}
		names = append(names, fmt.Sprintf("%s v%d", name, kv[1]))
	}
	slices.Sort(names)
	unread := 0
	for _, n := range beyond {
		unread += n
	}
	kafkadist.Report(t, fmt.Sprintf("%s: %d frames, %d identical, %d distinct key/versions: %s", label, all.frames, all.identical, len(all.pairs), strings.Join(names, ", ")))
	if all.identical+unread != all.frames {
		t.Errorf("%s: %d of %d frames identical (%d beyond kio's schema)", label, all.identical, all.frames, unread)
	}
}

// startBehindProxy starts a node of version that advertises a decoding proxy in front
// of its PLAINTEXT listener, and returns the proxy, so clients (and the node's own connections to itself)
// pass through the proxy.
func startBehindProxy(t *testing.T, version string) *proxy.Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := StartWith(t, version, Options{AdvertisedPlaintext: ln.Addr().String()})
	p := proxy.Serve(ln, b.Plaintext, nil)
	t.Cleanup(func() { p.Close() })
	return p
}
