package realkafka

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"strings"
	"testing"
)

// TestCertAndSSLProperties checks the harness's certificate without a broker: a key
// pair Go's TLS accepts, valid for 127.0.0.1 under its own pool, and the properties that
// hand it to Kafka as one-line values.
func TestCertAndSSLProperties(t *testing.T) {
	c, err := Cert()
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(c.CertPEM, c.KeyPEM)
	if err != nil {
		t.Fatalf("key pair: %v", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: c.Pool, DNSName: "127.0.0.1"}); err != nil {
		t.Errorf("verify for 127.0.0.1: %v", err)
	}
	if !leaf.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("IP SANs %v", leaf.IPAddresses)
	}
	if block, _ := pem.Decode(c.KeyPEM); block == nil || block.Type != "PRIVATE KEY" {
		t.Errorf("key PEM is not PKCS#8 (%v), which Kafka's PEM key store needs", block)
	}
	props := map[string]string{}
	sslProperties(c, func(k, v string) { props[k] = v })
	for _, k := range []string{"listener.name.ssl.ssl.keystore.key", "listener.name.ssl.ssl.keystore.certificate.chain"} {
		v := props[k]
		if v == "" || strings.Contains(v, "\n") || !strings.Contains(v, `\n`) || !strings.HasPrefix(v, "-----BEGIN ") {
			t.Errorf("%s = %q: want the PEM on one line, its newlines escaped", k, v)
		}
	}
	if props["listener.name.ssl.ssl.keystore.type"] != "PEM" {
		t.Errorf("key store type %q", props["listener.name.ssl.ssl.keystore.type"])
	}
}
