package realkafka

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"
)

// TestCert is the self-signed certificate the SSL listeners of this process's nodes
// present: made with crypto/x509 on first use (an ECDSA P-256 key, valid for 127.0.0.1
// and localhost for a day), and handed to Kafka inline as a PEM key store.
type TestCert struct {
	CertPEM []byte // the certificate, PEM ("CERTIFICATE")
	KeyPEM  []byte // its private key, unencrypted PKCS#8 PEM ("PRIVATE KEY")
	Pool    *x509.CertPool
}

var testCert = struct {
	once sync.Once
	c    *TestCert
	err  error
}{}

// Cert returns the process's test certificate, making it on first use.
func Cert() (*TestCert, error) {
	testCert.once.Do(func() { testCert.c, testCert.err = makeCert() })
	return testCert.c, testCert.err
}

func makeCert() (*TestCert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "kio real-kafka test broker"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // it signs itself: clients trust it as their root
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &TestCert{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		Pool:    pool,
	}, nil
}

// TLSConfig returns a client configuration that trusts the test certificate and
// checks it names 127.0.0.1.
func (b *Broker) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: b.Cert.Pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// sslProperties configures the SSL listener with the test certificate. A file-based PEM
// key store needs an encrypted key, which Go's standard library does not write; an
// inline one (ssl.keystore.key and ssl.keystore.certificate.chain, KIP-651) takes an
// unencrypted PKCS#8 key, in a properties value with its newlines escaped.
func sslProperties(c *TestCert, set func(k, v string)) {
	inline := func(pemText []byte) string {
		return strings.ReplaceAll(strings.TrimSpace(string(pemText)), "\n", `\n`)
	}
	set("listener.name.ssl.ssl.keystore.type", "PEM")
	set("listener.name.ssl.ssl.keystore.key", inline(c.KeyPEM))
	set("listener.name.ssl.ssl.keystore.certificate.chain", inline(c.CertPEM))
	set("listener.name.ssl.ssl.client.auth", "none")
}
