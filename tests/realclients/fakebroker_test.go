package realclients

// The server side of issue 18's proof: Kafka's Java producer, consumer and admin client
// (tests/java/clients, Round), kgo with kadm, and kcat connect to a fake broker built on
// kio/server, in the clear and over SASL SCRAM (SCRAM-SHA-256 for Java and kgo,
// SCRAM-SHA-512 for kcat), and each completes a produce, consume and admin round. The Java clients of Kafka 4 open every connection with an ApiVersions
// version kio's schema does not have: the server answers it the KIP-511 way and the tap
// below the server sees each such connection ask again at a version the server serves.

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// The SCRAM user the fake broker knows.
const (
	fakeUser     = "kio-fake-user"
	fakePassword = "kio-fake-secret"
)

func TestRealClientsAgainstKioServer(t *testing.T) {
	kafkadist.SkipShort(t, "runs the Java clients, kgo and kcat against a fake broker")
	kafkadist.RequireTools(t, "java", "mvn", "kcat")
	var done []string
	kip511 := 0
	for _, withSASL := range []bool{false, true} {
		mode := "plaintext"
		if withSASL {
			mode = "SASL"
		}
		t.Run(mode, func(t *testing.T) {
			fb := startFakeBroker(t, withSASL)
			for _, version := range kafkadist.Releases {
				t.Run("java-"+version, func(t *testing.T) {
					fakeRoundJava(t, fb, version, withSASL)
					done = append(done, "java "+version+" "+mode)
				})
			}
			t.Run("kgo", func(t *testing.T) {
				fakeRoundKgo(t, fb, withSASL)
				done = append(done, "kgo "+mode)
			})
			t.Run("kcat", func(t *testing.T) {
				fakeRoundKcat(t, fb, withSASL)
				done = append(done, "kcat "+mode)
			})
			hi := fb.apiVersionsMax
			retried, above := fb.tap.kip511Retries(hi)
			t.Logf("%s: connections by their first two requests: %v", mode, fb.tap.firsts())
			t.Logf("%s: %d ApiVersions requests above v%d, %d followed by ApiVersions at v%d or below", mode, above, hi, retried, hi)
			if above == 0 || retried != above {
				t.Errorf("%s: %d ApiVersions requests above the server's v%d, %d retried: want every one, and at least one",
					mode, above, hi, retried)
			}
			kip511 += retried
			fb.checkCloses(t)
			// Who the handlers served: in the SASL round, only the SCRAM user.
			seen := fb.byPrincipal()
			t.Logf("%s: requests by SASL mechanism and principal: %v", mode, seen)
			for who, n := range seen {
				anonymous := who == " "
				if withSASL == anonymous || withSASL && !strings.HasSuffix(who, " "+fakeUser) {
					t.Errorf("%s: %d requests handled for %q", mode, n, who)
				}
			}
			if len(seen) == 0 {
				t.Errorf("%s: no request reached a handler", mode)
			}
		})
	}
	if t.Failed() {
		return
	}
	slices.Sort(done)
	kafkadist.Report(t, fmt.Sprintf("fake broker: java, kgo, kcat completed produce/consume/admin, KIP-511 retry seen (%d rounds: %s; %d KIP-511 retries)",
		len(done), strings.Join(done, ", "), kip511))
}

// fakeRoundJava runs the Java clients' Round against the fake broker.
func fakeRoundJava(t *testing.T, fb *fakeBroker, version string, withSASL bool) {
	cp := kafkadist.Classpath(t, "clients", version)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	topic := "java-" + version + "-" + strconv.FormatBool(withSASL)
	args := []string{"-cp", cp, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "io.kio.clients.Round", fb.addr, topic}
	if withSASL {
		args = append(args, "SCRAM-SHA-256", fakeUser, fakePassword)
	}
	out, err := exec.CommandContext(ctx, "java", args...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "round ok") {
		t.Fatalf("Java clients %s: %v\n%s", version, err, out)
	}
}

func fakeKgoOpts(fb *fakeBroker, withSASL bool, opts ...kgo.Opt) []kgo.Opt {
	o := []kgo.Opt{kgo.SeedBrokers(fb.addr), kgo.ClientID("kgo"), kgo.RetryTimeout(10 * time.Second),
		kgo.FetchMaxWait(200 * time.Millisecond), kgo.DisableIdempotentWrite()}
	if withSASL {
		o = append(o, kgo.SASL(scram.Auth{User: fakeUser, Pass: fakePassword}.AsSha256Mechanism()))
	}
	return append(o, opts...)
}

// fakeRoundKgo creates a topic with kadm, produces five records with kgo and reads them
// back from the start of the partition.
func fakeRoundKgo(t *testing.T, fb *fakeBroker, withSASL bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topic := "kgo-" + strconv.FormatBool(withSASL)
	cl, err := kgo.NewClient(fakeKgoOpts(fb, withSASL, kgo.DefaultProduceTopic(topic))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	created, err := adm.CreateTopic(ctx, 1, 1, nil, topic)
	if err != nil || created.Err != nil {
		t.Fatalf("CreateTopic: %v %v", err, created.Err)
	}
	listed, err := adm.ListTopics(ctx)
	if err != nil || !listed.Has(topic) {
		t.Fatalf("ListTopics: %v, %v lacks %s", err, listed.Names(), topic)
	}
	var want []string
	for i := range 5 {
		v := fmt.Sprintf("kgo-%d", i)
		want = append(want, v)
		if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(strconv.Itoa(i)), Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatalf("produce %d: %v", i, err)
		}
	}
	consumer, err := kgo.NewClient(fakeKgoOpts(fb, withSASL,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))...)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	var got []string
	for _, r := range poll(ctx, t, consumer, len(want)) {
		got = append(got, string(r.Value))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("kgo consumed %q, want %q", got, want)
	}
}

// fakeRoundKcat lists metadata with kcat (its admin side), produces three lines to a
// topic made for it and consumes them back.
func fakeRoundKcat(t *testing.T, fb *fakeBroker, withSASL bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	topic := "kcat-" + strconv.FormatBool(withSASL)
	fb.state.mu.Lock()
	fb.state.createTopics(fakeCreate(topic), 0)
	fb.state.mu.Unlock()
	var extra []string
	if withSASL {
		extra = []string{"-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=SCRAM-SHA-512",
			"-X", "sasl.username=" + fakeUser, "-X", "sasl.password=" + fakePassword}
	}
	run := func(stdin string, args ...string) string {
		return runKcat(ctx, t, fb.addr, 15*time.Second, stdin, append(slices.Clone(extra), args...)...)
	}
	if out := run("", "-L", "-t", topic); !strings.Contains(out, `topic "`+topic+`" with 1 partitions`) || !strings.Contains(out, "at "+fb.addr) {
		t.Fatalf("kcat -L:\n%s", out)
	}
	want := []string{"kcat-0", "kcat-1", "kcat-2"}
	run(strings.Join(want, "\n")+"\n", "-P", "-t", topic, "-p", "0")
	out := run("", "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%s\n")
	if got := strings.Fields(out); !slices.Equal(got, want) {
		t.Fatalf("kcat -C: got %q, want %q", got, want)
	}
}
