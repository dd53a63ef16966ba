package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// testCert makes a self-signed certificate for 127.0.0.1 and writes it as a PEM file,
// the CA a client is told to trust.
func testCert(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kio test broker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, ca
}

// TestFlagsTLSAndSASL runs the example's flags against a kio/server over TLS with SCRAM
// and PLAIN logins: the server answers Metadata with the principal as the cluster id.
func TestFlagsTLSAndSASL(t *testing.T) {
	cert, ca := testCert(t)
	cred256, _ := sasl.NewScramCredential(sasl.SHA256, "alice-secret")
	cred512, _ := sasl.NewScramCredential(sasl.SHA512, "alice-secret")
	lookup := func(c sasl.ScramCredential) func(string, bool) (sasl.ScramCredential, bool) {
		return func(user string, token bool) (sasl.ScramCredential, bool) { return c, user == "alice" && !token }
	}
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		who := req.Peer.Mechanism + "/" + req.Peer.Principal
		if req.Peer.TLS != nil {
			who += "/tls"
		}
		return &metadata.MetadataResponse{ClusterId: &who}, nil
	})
	srv := &server.Server{Handler: mux, SASL: []sasl.ServerMechanism{
		sasl.PlainServer{Lookup: func(u string) (string, bool) { return "alice-secret", u == "alice" }},
		sasl.ScramServer{Hash: sasl.SHA256, Lookup: lookup(cred256)},
		sasl.ScramServer{Hash: sasl.SHA512, Lookup: lookup(cred512)},
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}}))
	defer srv.Close()
	addr := ln.Addr().String()

	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		d, err := dialer(mech, "alice", "alice-secret", true, ca, false)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := run(&out, d, addr, -1, nil); err != nil {
			t.Fatalf("%s: %v", mech, err)
		}
		if want := mech + "/alice/tls"; !strings.Contains(out.String(), want) {
			t.Errorf("%s: output lacks %q:\n%s", mech, want, out.String())
		}
	}
	// A wrong password, an untrusted certificate, -tls-insecure.
	d, _ := dialer("SCRAM-SHA-512", "alice", "wrong", true, ca, false)
	if err := run(new(bytes.Buffer), d, addr, -1, nil); !errors.Is(err, sasl.ErrAuthentication) {
		t.Errorf("wrong password: %v", err)
	}
	d, _ = dialer("PLAIN", "alice", "alice-secret", true, "", false)
	if err := run(new(bytes.Buffer), d, addr, -1, nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %v", err)
	}
	d, _ = dialer("PLAIN", "alice", "alice-secret", true, "", true)
	if err := run(new(bytes.Buffer), d, addr, -1, nil); err != nil {
		t.Errorf("-tls-insecure: %v", err)
	}
	if _, err := dialer("KERBEROS", "", "", false, "", false); err == nil {
		t.Error("unknown mechanism accepted")
	}
}
