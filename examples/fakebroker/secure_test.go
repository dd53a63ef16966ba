package main

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kio-go/kafka-protocol/internal/testenv"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/server"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// apiVersionsSeen is a RawHandler recording the versions of ApiVersions requests.
type apiVersionsSeen struct {
	mu       sync.Mutex
	versions []int16
}

func (s *apiVersionsSeen) ServeKafkaFrame(_ context.Context, req *server.RawRequest) ([]byte, bool, error) {
	if req.Key == apiversions.APIKey {
		s.mu.Lock()
		s.versions = append(s.versions, req.Version)
		s.mu.Unlock()
	}
	return nil, false, nil
}

// startSecure serves the fake broker with ApiVersions served up to v2 only, recording
// the ApiVersions requests once a client is logged in (and all of them without SASL),
// with SCRAM-SHA-256 and SCRAM-SHA-512 logins for alice if withSASL.
func startSecure(t *testing.T, withSASL bool) (string, *apiVersionsSeen) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := newBroker(ln.Addr().String())
	mux.Handle(apiversions.APIKey, tags.Range{Lo: 0, Hi: 2}, nil)
	var mechs []sasl.ServerMechanism
	for _, h := range []sasl.ScramHash{sasl.SHA256, sasl.SHA512} {
		if !withSASL {
			break
		}
		cred, err := sasl.NewScramCredential(h, "alice-secret")
		if err != nil {
			t.Fatal(err)
		}
		mechs = append(mechs, sasl.ScramServer{Hash: h, Lookup: func(user string, token bool) (sasl.ScramCredential, bool) {
			return cred, user == "alice" && !token
		}})
	}
	seen := &apiVersionsSeen{}
	srv := &server.Server{Handler: mux, SASL: mechs, RawHandler: seen}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), seen
}

// testKgoKIP511: kgo's first ApiVersions request, at a version the broker does not
// serve, gets the KIP-511 answer, and kgo asks again at v2 and goes on.
func testKgoKIP511(t *testing.T) {
	addr, seen := startSecure(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	seen.mu.Lock()
	defer seen.mu.Unlock()
	if len(seen.versions) < 2 || seen.versions[0] <= 2 || seen.versions[1] != 2 {
		t.Errorf("ApiVersions requests at %v, want kgo's newest, then 2", seen.versions)
	}
}

// testKgoSCRAM: kgo logs in with SCRAM-SHA-512 and produces and consumes; a wrong
// password is refused with SASL_AUTHENTICATION_FAILED.
func testKgoSCRAM(t *testing.T) {
	addr, _ := startSecure(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("secure"),
		kgo.ConsumeTopics("secure"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.SASL(scram.Auth{User: "alice", Pass: "alice-secret"}.AsSha512Mechanism()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("over scram")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	fs := cl.PollFetches(ctx)
	if err := fs.Err(); err != nil {
		t.Fatal(err)
	}
	if recs := fs.Records(); len(recs) != 1 || string(recs[0].Value) != "over scram" {
		t.Errorf("consumed %v", recs)
	}
	bad, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.SASL(scram.Auth{User: "alice", Pass: "wrong"}.AsSha256Mechanism()))
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	if err := bad.Ping(ctx); err == nil || !strings.Contains(err.Error(), "SASL_AUTHENTICATION_FAILED") {
		t.Errorf("wrong password: %v", err)
	}
}

// testKcatSCRAM: kcat logs in with SCRAM-SHA-256, produces and consumes.
func testKcatSCRAM(t *testing.T) {
	testenv.RequireTools(t, "kcat")
	kcat, _ := exec.LookPath("kcat")
	addr, _ := startSecure(t, true)
	run := func(stdin, password string, args ...string) (string, error) { // -m: give up after 5 s
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		args = append([]string{"-b", addr, "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=SCRAM-SHA-256",
			"-X", "sasl.username=alice", "-X", "sasl.password=" + password, "-m", "5"}, args...)
		cmd := exec.CommandContext(ctx, kcat, args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("secret\n", "alice-secret", "-P", "-t", "s"); err != nil {
		t.Fatalf("kcat -P: %v\n%s", err, out)
	}
	out, err := run("", "alice-secret", "-C", "-t", "s", "-e", "-f", "%o:%s\n")
	if err != nil || !strings.Contains(out, "0:secret\n") {
		t.Errorf("kcat -C: %v\n%s", err, out)
	}
	if out, err := run("", "wrong", "-L"); err == nil {
		t.Errorf("kcat -L with a wrong password succeeded:\n%s", out)
	}
}
