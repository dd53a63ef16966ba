package proxy_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/internal/dialrecord"
	"github.com/kio-go/kafka-protocol/kio/proxy"
)

// testCert makes a self-signed certificate for 127.0.0.1 and a pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kio-proxy-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestTLSBothSides chains two proxies: the first serves clients over TLS in front of a
// cluster, the second dials the first over TLS (UpstreamTLS) and serves plaintext. A kgo
// client of each produces and consumes; the second's client sees only its addresses.
func TestTLSBothSides(t *testing.T) {
	_, brokers := fakeCluster(t, 3)
	cert, pool := testCert(t)
	front := startProxy(t, &proxy.Proxy{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}}, brokers[:1])
	back := startProxy(t, &proxy.Proxy{UpstreamTLS: &tls.Config{RootCAs: pool}}, []string{front.BootstrapAddr()})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, c := range []struct {
		name string
		opts []kgo.Opt
	}{
		{"tls client of the front proxy", []kgo.Opt{kgo.SeedBrokers(front.BootstrapAddr()), kgo.DialTLSConfig(&tls.Config{RootCAs: pool})}},
		{"plaintext client of the back proxy", []kgo.Opt{kgo.SeedBrokers(back.BootstrapAddr())}},
	} {
		rec := &dialrecord.Recorder{}
		if c.name != "tls client of the front proxy" {
			c.opts = append(c.opts, kgo.Dialer(rec.Dial))
		}
		cl, err := kgo.NewClient(append(c.opts, kgo.ConsumeTopics("t"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
		if err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t", Value: []byte(c.name)}).FirstErr(); err != nil {
			t.Fatalf("%s: produce: %v", c.name, err)
		}
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil || fs.NumRecords() == 0 {
			t.Fatalf("%s: consume: %v, %d records", c.name, err, fs.NumRecords())
		}
		cl.Close()
		for _, a := range rec.Addrs() {
			ok := false
			for _, m := range back.Mappings() {
				ok = ok || m.Listen == a
			}
			if !ok {
				t.Errorf("%s dialled %s, which is not the back proxy", c.name, a)
			}
		}
	}
	if front.Stats().EndpointsRewritten == 0 || back.Stats().EndpointsRewritten == 0 {
		t.Errorf("front %+v back %+v", front.Stats(), back.Stats())
	}
}
