package sasl

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// TestScramRFC7677 replays the SCRAM-SHA-256 exchange of RFC 7677 section 3, both
// sides, byte for byte.
func TestScramRFC7677(t *testing.T) {
	const (
		clientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
		serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
		clientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
		serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
	)
	saved := newNonce
	defer func() { newNonce = saved }()
	nonces := []string{"rOprNGfwEbeRWgbNEkqO", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"}
	newNonce = func() string { n := nonces[0]; nonces = nonces[1:]; return n }

	cs, first, err := (&Scram{Hash: SHA256, User: "user", Password: "pencil"}).Start(context.Background())
	if err != nil || string(first) != clientFirst {
		t.Fatalf("client-first %q, %v", first, err)
	}
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	cred, err := DeriveScramCredential(SHA256, "pencil", salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	ss := ScramServer{Hash: SHA256, Lookup: func(user string, token bool) (ScramCredential, bool) {
		return cred, user == "user" && !token
	}}.Start(context.Background())
	got, done, err := ss.Step(first)
	if err != nil || done || string(got) != serverFirst {
		t.Fatalf("server-first %q, %v, %v", got, done, err)
	}
	done, final, err := cs.Challenge(got)
	if err != nil || done || string(final) != clientFinal {
		t.Fatalf("client-final %q, %v, %v", final, done, err)
	}
	got, done, err = ss.Step(final)
	if err != nil || !done || string(got) != serverFinal || ss.Principal() != "user" {
		t.Fatalf("server-final %q, %v, %v, principal %q", got, done, err, ss.Principal())
	}
	if done, _, err := cs.Challenge(got); err != nil || !done {
		t.Fatalf("client checking server-final: %v, %v", done, err)
	}
}

// TestScramClientRefusesBadServers: a server that does not know the password (its
// signature does not verify), a nonce not extending the client's, too few iterations,
// an error or a malformed message in either step (msg: what the error must say).
func TestScramClientRefusesBadServers(t *testing.T) {
	for _, c := range []struct {
		name        string
		serverFirst func(nonce string) string
		serverFinal string
		msg         string
	}{
		{"wrong signature", func(n string) string { return "r=" + n + "xyz,s=c2FsdA==,i=4096" }, "v=AAAA", "signature does not verify"},
		{"nonce replaced", func(string) string { return "r=other,s=c2FsdA==,i=4096" }, "", ""},
		{"nonce not extended", func(n string) string { return "r=" + n + ",s=c2FsdA==,i=4096" }, "", ""},
		{"1000 iterations", func(n string) string { return "r=" + n + "x,s=c2FsdA==,i=1000" }, "", ""},
		{"server error", func(string) string { return "e=unknown-user" }, "", `server error "unknown-user"`},
		{"malformed", func(string) string { return "garbage" }, "", "server-first-message: "},
		{"server error in final", func(n string) string { return "r=" + n + "xyz,s=c2FsdA==,i=4096" }, "e=invalid-proof", `server error "invalid-proof"`},
		{"malformed final", func(n string) string { return "r=" + n + "xyz,s=c2FsdA==,i=4096" }, "v", "server-final-message: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			cs, first, _ := (&Scram{Hash: SHA512, User: "u", Password: "p"}).Start(context.Background())
			attrs, _ := scramAttrs(string(first[3:]))
			done, _, err := cs.Challenge([]byte(c.serverFirst(attrs["r"])))
			if c.serverFinal != "" && err == nil {
				done, _, err = cs.Challenge([]byte(c.serverFinal))
			}
			var se *Error
			if done || !errors.Is(err, ErrAuthentication) || !errors.As(err, &se) || se.Mechanism != NameScramSHA512 ||
				!strings.Contains(err.Error(), c.msg) {
				t.Errorf("done %v, err %v", done, err)
			}
		})
	}
}

func TestScramUserNameEscaping(t *testing.T) {
	cred, _ := DeriveScramCredential(SHA256, "pw", []byte("salt"), MinIterations)
	var seen string
	srv := ScramServer{Hash: SHA256, Lookup: func(user string, _ bool) (ScramCredential, bool) { seen = user; return cred, true }}
	cs, first, _ := (&Scram{Hash: SHA256, User: "a=b,c", Password: "pw"}).Start(context.Background())
	ss := srv.Start(context.Background())
	sf, _, err := ss.Step(first)
	if err != nil || seen != "a=b,c" {
		t.Fatalf("user %q, %v (client-first %q)", seen, err, first)
	}
	_, cf, _ := cs.Challenge(sf)
	if _, done, err := ss.Step(cf); !done || err != nil || ss.Principal() != "a=b,c" {
		t.Fatalf("%v, %v, %q", done, err, ss.Principal())
	}
}

func TestPlainServer(t *testing.T) {
	srv := PlainServer{Lookup: func(user string) (string, bool) { return "pw", user == "u" }}
	for _, c := range []struct {
		token string
		ok    bool
	}{
		{"\x00u\x00pw", true}, {"u\x00u\x00pw", true}, {"x\x00u\x00pw", false}, {"\x00u\x00nope", false},
		{"\x00v\x00pw", false}, {"\x00\x00pw", false}, {"u\x00pw", false}, {"", false},
	} {
		ss := srv.Start(context.Background())
		_, done, err := ss.Step([]byte(c.token))
		if done != c.ok || (err == nil) != c.ok || (!c.ok && !errors.Is(err, ErrAuthentication)) {
			t.Errorf("%q: done %v, err %v", c.token, done, err)
		}
	}
	_, tok, _ := Plain{User: "u", Password: "pw"}.Start(context.Background())
	if string(tok) != "\x00u\x00pw" {
		t.Errorf("PLAIN message %q", tok)
	}
}

func TestByName(t *testing.T) {
	for _, name := range []string{NamePlain, NameScramSHA256, NameScramSHA512} {
		m, err := ByName(name, "u", "p")
		if err != nil || m.Name() != name {
			t.Errorf("%s: %v, %v", name, m, err)
		}
	}
	if _, err := ByName("GSSAPI", "u", "p"); !errors.Is(err, ErrUnknownMechanism) {
		t.Errorf("GSSAPI: %v", err)
	}
}

// TestScramServerNonceSuffix: as Kafka's broker, the server takes a client-final nonce
// that ends with its own (librdkafka sends the client's nonce twice, and signs that),
// and refuses one that does not.
func TestScramServerNonceSuffix(t *testing.T) {
	cred, _ := DeriveScramCredential(SHA256, "pw", []byte("salt"), MinIterations)
	srv := ScramServer{Hash: SHA256, Lookup: func(string, bool) (ScramCredential, bool) { return cred, true }}
	for _, c := range []struct {
		name   string
		rewrap func(clientNonce, nonce string) string
		ok     bool
	}{
		{"as sent", func(_, n string) string { return n }, true},
		{"client nonce twice", func(cn, n string) string { return cn + n }, true},
		{"server nonce missing", func(cn, _ string) string { return cn }, false},
		{"server nonce altered", func(_, n string) string { return n + "x" }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ss := srv.Start(context.Background())
			first := "n,,n=u,r=abc"
			sf, _, err := ss.Step([]byte(first))
			if err != nil {
				t.Fatal(err)
			}
			attrs, _ := scramAttrs(string(sf))
			without := "c=biws,r=" + c.rewrap("abc", attrs["r"])
			salted, _ := SHA256.saltPassword("pw", cred.Salt, cred.Iterations)
			clientKey := SHA256.mac(salted, "Client Key")
			proof := SHA256.mac(SHA256.sum(clientKey), "n=u,r=abc,"+string(sf)+","+without)
			for i := range proof {
				proof[i] ^= clientKey[i]
			}
			_, done, err := ss.Step([]byte(without + ",p=" + base64.StdEncoding.EncodeToString(proof)))
			if done != c.ok || (err == nil) != c.ok {
				t.Errorf("done %v, err %v", done, err)
			}
		})
	}
}
