package realkafka

// TestClientAgainstRealKafka: kio/client against a real node of each pinned release,
// over every listener the harness has: PLAINTEXT (and the controller listener),
// SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and a delegation token the
// test creates, and SSL with the certificate the harness made. On each connection the
// versions kio/client negotiated must be, for every API the node advertises, the newest
// version both kio (its stable versions) and the node serve, computed here from the
// node's ApiVersions answer, asked again on the connection, and kio/schema's index. The
// example examples/metadata is run against the SASL and the SSL listeners too.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/createdelegationtoken"
	"github.com/kio-go/kafka-protocol/kio/schema/describedelegationtoken"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/saslauthenticate"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/kio/tags"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

func TestClientAgainstRealKafka(t *testing.T) {
	kafkadist.EachRelease(t, "starts real brokers", func(t *testing.T, version string) {
		testClientAgainst(t, Start(t, version))
	})
}

// clientTimeout bounds every connect and call of this test.
const clientTimeout = 30 * time.Second

func testClientAgainst(t *testing.T, b *Broker) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dialer := func(m sasl.Mechanism, tc *tls.Config) *client.Dialer {
		return &client.Dialer{ClientID: "kio-conn-test", Timeout: clientTimeout, SASL: m, TLS: tc}
	}

	plain := dialClient(ctx, t, dialer(nil, nil), b.Plaintext)
	n := checkNegotiated(ctx, t, "PLAINTEXT", plain)
	checkMetadata(ctx, t, "PLAINTEXT", plain, b)
	ctrl := dialClient(ctx, t, dialer(nil, nil), b.Controller)
	nCtrl := checkNegotiated(ctx, t, "controller", ctrl)

	// SASL_PLAINTEXT as the super user, with each mechanism; a wrong password is refused.
	for _, name := range []string{sasl.NamePlain, sasl.NameScramSHA256, sasl.NameScramSHA512} {
		m, err := sasl.ByName(name, AdminUser, AdminPassword)
		if err != nil {
			t.Fatal(err)
		}
		c := dialClient(ctx, t, dialer(m, nil), b.SASL)
		checkNegotiated(ctx, t, name, c)
		checkMetadata(ctx, t, name, c, b)
		bad, _ := sasl.ByName(name, AdminUser, "wrong")
		if c, err := dialer(bad, nil).Dial(ctx, b.SASL); !errors.Is(err, sasl.ErrAuthentication) {
			if c != nil {
				c.Close()
			}
			t.Errorf("%s with a wrong password: %v, want an error wrapping sasl.ErrAuthentication", name, err)
		}
	}

	reauths := checkReauthentication(ctx, t, b)

	// A delegation token, created over SCRAM by the super user, logs in over SCRAM with
	// tokenauth; a token-authenticated connection may not create tokens (Kafka's rule),
	// which shows the broker took the login for a token's.
	scram, _ := sasl.ByName(sasl.NameScramSHA512, AdminUser, AdminPassword)
	admin := dialClient(ctx, t, dialer(scram, nil), b.SASL)
	create := serial.Default[createdelegationtoken.CreateDelegationTokenRequest]()
	create.MaxLifetimeMs = 3_600_000
	created, err := client.Call[createdelegationtoken.CreateDelegationTokenResponse](ctx, admin, &create)
	if err != nil || created.ErrorCode != common.None || created.TokenId == "" {
		t.Fatalf("CreateDelegationToken: %v %+v", err, created)
	}
	for _, h := range []sasl.ScramHash{sasl.SHA256, sasl.SHA512} {
		var tc *client.Conn
		eventually(t, func() error { // the token reaches the broker's cache through the metadata log
			var err error
			tc, err = dialer(sasl.DelegationToken(h, created.TokenId, created.Hmac), nil).Dial(ctx, b.SASL)
			return err
		})
		if tc == nil {
			t.FailNow()
		}
		t.Cleanup(func() { tc.Close() })
		checkNegotiated(ctx, t, "token", tc)
		again, err := client.Call[createdelegationtoken.CreateDelegationTokenResponse](ctx, tc, &create)
		if err != nil || again.ErrorCode != common.DelegationTokenRequestNotAllowed {
			t.Errorf("CreateDelegationToken over a token login: %v %v, want DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", err, again.ErrorCode)
		}
		checkMetadata(ctx, t, "token", tc, b)
	}
	// The token is the super user's, and listed for it.
	described, err := client.Call[describedelegationtoken.DescribeDelegationTokenResponse](ctx, admin, &describedelegationtoken.DescribeDelegationTokenRequest{})
	if err != nil || described.ErrorCode != common.None || !slices.ContainsFunc(described.Tokens, func(d describedelegationtoken.DescribedDelegationToken) bool {
		return d.TokenId == created.TokenId && d.PrincipalName == AdminUser
	}) {
		t.Errorf("DescribeDelegationToken: %v %+v", err, described)
	}

	// SSL with the test certificate; a client that does not trust it is refused.
	tlsConn := dialClient(ctx, t, dialer(nil, b.TLSConfig()), b.SSL)
	checkNegotiated(ctx, t, "SSL", tlsConn)
	checkMetadata(ctx, t, "SSL", tlsConn, b)
	if c, err := dialer(nil, &tls.Config{ServerName: "127.0.0.1"}).Dial(ctx, b.SSL); err == nil || !strings.Contains(err.Error(), "certificate") {
		if c != nil {
			c.Close()
		}
		t.Errorf("SSL without trusting the test certificate: %v, want a certificate error", err)
	}

	runMetadataExample(ctx, t, b)
	if t.Failed() {
		return
	}
	kafkadist.Report(t, fmt.Sprintf("conn %s: %d APIs negotiated, SASL PLAIN SCRAM-SHA-256 SCRAM-SHA-512 token, TLS (controller listener %d APIs; examples/metadata over SCRAM-SHA-512 and TLS); %d re-authentications over %v sessions (KIP-368), a v0 login closed at expiry",
		b.Version, n, nCtrl, reauths, ReauthLifetime))
}

// checkReauthentication: the node gives SCRAM-SHA-256 sessions a lifetime
// (ReauthLifetime). A Conn calling through more than two lifetimes re-authenticates
// before each ends and every call succeeds; a Conn that cannot learn the lifetime
// (SaslAuthenticate v0 has no field for it) is closed by the node at its first request
// after the session ended, which shows the lifetime is enforced. The two run side by
// side; it returns how many times the first re-authenticated.
func checkReauthentication(ctx context.Context, t *testing.T, b *Broker) int {
	m, err := sasl.ByName(sasl.NameScramSHA256, AdminUser, AdminPassword)
	if err != nil {
		t.Fatal(err)
	}
	d := &client.Dialer{ClientID: "kio-reauth-test", Timeout: clientTimeout, SASL: m}
	live := dialClient(ctx, t, d, b.SASL)
	v0 := *d
	v0.MaxVersions = map[int16]int16{saslauthenticate.APIKey: 0}
	old := dialClient(ctx, t, &v0, b.SASL)
	call := func(c *client.Conn) error {
		_, err := client.Call[metadata.MetadataResponse](ctx, c, &metadata.MetadataRequest{})
		return err
	}
	if err := call(old); err != nil {
		t.Fatalf("v0 login, first call: %v", err)
	}
	end := time.Now().Add(2*ReauthLifetime + ReauthLifetime/3)
	for time.Now().Before(end) {
		if err := call(live); err != nil {
			t.Fatalf("call %v into a session of %v: %v (%d re-authentications)", time.Until(end), ReauthLifetime, err, live.Reauthentications())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := live.Reauthentications(); n < 2 {
		t.Errorf("%d re-authentications in %v of %v sessions, want at least 2", n, 2*ReauthLifetime, ReauthLifetime)
	}
	if err := call(old); !errors.Is(err, client.ErrClosed) {
		t.Errorf("v0 login, a call after its session ended: %v, want the connection closed by the node", err)
	}
	return live.Reauthentications()
}

func dialClient(ctx context.Context, t *testing.T, d *client.Dialer, addr string) *client.Conn {
	t.Helper()
	c, err := d.Dial(ctx, addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// kioStable is the versions of api kio negotiates: its versions without those its
// newest release marks unstable (as Kafka's clients, kio leaves those out).
func kioStable(api *schema.API) tags.Range {
	r := api.Versions
	if !api.Unstable.IsNone() && r.Hi >= api.Unstable.Lo {
		r.Hi = api.Unstable.Lo - 1
	}
	return r
}

// checkNegotiated asks the node's versions again on c (ApiVersions v3) and checks that
// c negotiated, for every API the node advertises, the newest version kio and the node
// share, and none where they share none. It returns the number of APIs negotiated.
func checkNegotiated(ctx context.Context, t *testing.T, label string, c *client.Conn) int {
	t.Helper()
	req := &apiversions.ApiVersionsRequest{ClientSoftwareName: "kio-conn-test", ClientSoftwareVersion: "1"}
	out, err := c.CallVersion(ctx, req, 3)
	if err != nil {
		t.Fatalf("%s: ApiVersions v3: %v", label, err)
	}
	answer := out.(*apiversions.ApiVersionsResponse)
	if answer.ErrorCode != common.None || len(answer.ApiKeys) == 0 {
		t.Fatalf("%s: ApiVersions v3: %v, %d keys", label, answer.ErrorCode, len(answer.ApiKeys))
	}
	negotiated := c.Negotiated()
	n, unstableOnly := 0, []string{}
	for _, k := range answer.ApiKeys {
		broker := tags.Range{Lo: k.MinVersion, Hi: k.MaxVersion}
		if got, ok := c.BrokerVersions(k.ApiKey); !ok || got != broker {
			t.Errorf("%s: key %d: the connection holds broker versions %v, ApiVersions says %v", label, k.ApiKey, got, broker)
		}
		got, ok := c.Version(k.ApiKey)
		if v, in := negotiated[k.ApiKey]; ok != in || ok && v != got {
			t.Errorf("%s: key %d: Version %d %v, Negotiated %v", label, k.ApiKey, got, ok, negotiated)
		}
		api, known := schema.Lookup(k.ApiKey)
		if !known {
			if ok {
				t.Errorf("%s: key %d, unknown to kio, negotiated at v%d", label, k.ApiKey, got)
			}
			continue
		}
		both := kioStable(api).Intersect(broker)
		if both.IsNone() {
			if ok {
				t.Errorf("%s: %v negotiated at v%d, but kio (%v stable) and the node (%v) share no version", label, api, got, kioStable(api), broker)
			}
			continue
		}
		if !ok || got != both.Hi {
			t.Errorf("%s: %v negotiated at v%d (%v), want v%d: kio %v (stable %v), node %v", label, api, got, ok, both.Hi, api.Versions, kioStable(api), broker)
			continue
		}
		if broker.Hi > both.Hi && api.Versions.Hi > both.Hi {
			unstableOnly = append(unstableOnly, fmt.Sprintf("%v v%d", api, both.Hi+1))
		}
		n++
	}
	if len(negotiated) != n {
		t.Errorf("%s: the connection negotiated %d APIs, the node's answer and kio's index make %d", label, len(negotiated), n)
	}
	if len(unstableOnly) > 0 {
		t.Logf("%s: the node serves versions kio has only as unstable (not negotiated): %s", label, strings.Join(unstableOnly, ", "))
	}
	return n
}

// checkMetadata calls Metadata at the negotiated version and checks the node lists
// itself.
func checkMetadata(ctx context.Context, t *testing.T, label string, c *client.Conn, b *Broker) {
	t.Helper()
	req := serial.Default[metadata.MetadataRequest]()
	resp, err := client.Call[metadata.MetadataResponse](ctx, c, &req)
	if err != nil {
		t.Fatalf("%s: Metadata: %v", label, err)
	}
	if len(resp.Brokers) != 1 || resp.Brokers[0].NodeId != common.BrokerId(b.NodeID) || resp.ClusterId == nil || *resp.ClusterId != b.ClusterID {
		t.Errorf("%s: Metadata: brokers %+v, cluster %v", label, resp.Brokers, resp.ClusterId)
	}
}

// runMetadataExample runs examples/metadata against the SASL listener with
// SCRAM-SHA-512 and against the SSL listener with -tls and the test certificate as its
// CA, and checks that it printed the node's cluster id.
func runMetadataExample(ctx context.Context, t *testing.T, b *Broker) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	bin := filepath.Join(t.TempDir(), "metadata")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/metadata")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/metadata: %v\n%s", err, out)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, b.Cert.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-broker", b.SASL, "-sasl-mechanism", "SCRAM-SHA-512", "-user", AdminUser, "-password", AdminPassword},
		{"-broker", b.SSL, "-tls", "-tls-ca", ca},
		{"-broker", b.SASL, "-sasl-mechanism", "SCRAM-SHA-512", "-user", AdminUser, "-password", "wrong"},
	} {
		cmd := exec.CommandContext(ctx, bin, args...)
		out, err := cmd.CombinedOutput()
		wrong := slices.Contains(args, "wrong")
		switch {
		case wrong && (err == nil || !strings.Contains(string(out), "authentication failed")):
			t.Errorf("examples/metadata %s: %v, want an authentication failure:\n%s", strings.Join(args, " "), err, out)
		case !wrong && (err != nil || !strings.Contains(string(out), b.ClusterID)):
			t.Errorf("examples/metadata %s: %v, want the cluster id %s:\n%s", strings.Join(args, " "), err, b.ClusterID, out)
		}
	}
}
