package sasl

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// ScramHash is the hash function of a SCRAM mechanism.
type ScramHash int

// The SCRAM hashes Kafka serves.
const (
	SHA256 ScramHash = iota + 1 // SCRAM-SHA-256
	SHA512                      // SCRAM-SHA-512
)

// MinIterations is the fewest PBKDF2 iterations Kafka accepts for SCRAM-SHA-256 and
// SCRAM-SHA-512 (ScramMechanism.minIterations), on both sides.
const MinIterations = 4096

func (h ScramHash) name() string {
	switch h {
	case SHA256:
		return NameScramSHA256
	case SHA512:
		return NameScramSHA512
	}
	return "SCRAM-unknown"
}

func (h ScramHash) newHash() (func() hash.Hash, error) {
	switch h {
	case SHA256:
		return sha256.New, nil
	case SHA512:
		return sha512.New, nil
	}
	return nil, fmt.Errorf("kio/sasl: %w: SCRAM hash %d", ErrUnknownMechanism, int(h))
}

func (h ScramHash) mac(key []byte, msgs ...string) []byte {
	newHash, _ := h.newHash()
	m := hmac.New(newHash, key)
	for _, s := range msgs {
		m.Write([]byte(s))
	}
	return m.Sum(nil)
}

func (h ScramHash) sum(b []byte) []byte {
	newHash, _ := h.newHash()
	d := newHash()
	d.Write(b)
	return d.Sum(nil)
}

// ScramCredential is what a SCRAM server stores of a password (RFC 5802 section 3):
// enough to check a client's proof and to prove itself, not enough to log in.
type ScramCredential struct {
	Salt       []byte
	Iterations int
	StoredKey  []byte // H(ClientKey)
	ServerKey  []byte // HMAC(SaltedPassword, "Server Key")
}

// DeriveScramCredential derives the credential a server stores for password, with the
// given salt and PBKDF2 iteration count.
func DeriveScramCredential(h ScramHash, password string, salt []byte, iterations int) (ScramCredential, error) {
	salted, err := h.saltPassword(password, salt, iterations)
	if err != nil {
		return ScramCredential{}, err
	}
	return ScramCredential{
		Salt:       bytes.Clone(salt),
		Iterations: iterations,
		StoredKey:  h.sum(h.mac(salted, "Client Key")),
		ServerKey:  h.mac(salted, "Server Key"),
	}, nil
}

// NewScramCredential derives a credential for password with a fresh random salt and
// MinIterations iterations, as kafka-configs --add-config 'SCRAM-SHA-256=[password=...]'
// does with its defaults.
func NewScramCredential(h ScramHash, password string) (ScramCredential, error) {
	salt := make([]byte, 32)
	rand.Read(salt)
	return DeriveScramCredential(h, password, salt, MinIterations)
}

func (h ScramHash) saltPassword(password string, salt []byte, iterations int) ([]byte, error) {
	newHash, err := h.newHash()
	if err != nil {
		return nil, err
	}
	return pbkdf2.Key(newHash, password, salt, iterations, newHash().Size())
}

// Scram is the client side of SCRAM-SHA-256 or SCRAM-SHA-512. With Token set it logs in
// with a delegation token: User is the token id, Password the token's HMAC (as
// CreateDelegationToken returns it, base64), and the first message carries Kafka's
// tokenauth=true extension.
type Scram struct {
	Hash     ScramHash
	User     string
	Password string
	Token    bool
}

// DelegationToken returns the mechanism that logs in with a delegation token: the
// token id and its HMAC as CreateDelegationToken answers them (the HMAC as raw bytes,
// which Kafka's clients use base64-encoded as the password).
func DelegationToken(h ScramHash, tokenID string, hmac []byte) *Scram {
	return &Scram{Hash: h, User: tokenID, Password: base64.StdEncoding.EncodeToString(hmac), Token: true}
}

// Name returns SCRAM-SHA-256 or SCRAM-SHA-512.
func (s *Scram) Name() string { return s.Hash.name() }

// Start sends client-first-message: gs2 header "n,," (no channel binding, no authzid),
// the escaped user name, a random nonce and, for a token, tokenauth=true.
func (s *Scram) Start(context.Context) (Session, []byte, error) {
	if _, err := s.Hash.newHash(); err != nil {
		return nil, nil, err
	}
	cs := &scramClientSession{m: s, nonce: newNonce()}
	cs.firstBare = "n=" + escapeSaslName(s.User) + ",r=" + cs.nonce
	if s.Token {
		cs.firstBare += ",tokenauth=true"
	}
	return cs, []byte("n,," + cs.firstBare), nil
}

type scramClientSession struct {
	m         *Scram
	nonce     string
	firstBare string
	step      int
	serverSig []byte
}

func (c *scramClientSession) fail(format string, args ...any) (bool, []byte, error) {
	return false, nil, authError(c.m.Name(), fmt.Sprintf(format, args...))
}

// Challenge answers server-first-message with client-final-message, then checks the
// server's signature in server-final-message.
func (c *scramClientSession) Challenge(token []byte) (bool, []byte, error) {
	messages := [...]string{"server-first-message", "server-final-message"}
	if c.step >= len(messages) {
		return c.fail("unexpected server message after the exchange completed")
	}
	message := messages[c.step]
	c.step++
	attrs, err := scramAttrs(string(token))
	if err != nil {
		return c.fail("%s: %v", message, err)
	}
	if e, ok := attrs["e"]; ok {
		return c.fail("server error %q", e)
	}
	if c.step == 1 {
		return c.clientFinal(token, attrs)
	}
	sig, err := base64.StdEncoding.DecodeString(attrs["v"])
	if err != nil || !hmac.Equal(sig, c.serverSig) {
		return c.fail("server-final-message: the server's signature does not verify")
	}
	return true, nil, nil
}

// clientFinal answers server-first-message (token, its attributes attrs) with
// client-final-message, and keeps the signature server-final-message must carry.
func (c *scramClientSession) clientFinal(token []byte, attrs map[string]string) (bool, []byte, error) {
	h := c.m.Hash
	nonce, salt64, iter := attrs["r"], attrs["s"], attrs["i"]
	if !strings.HasPrefix(nonce, c.nonce) || len(nonce) == len(c.nonce) {
		return c.fail("server-first-message: the server's nonce does not extend the client's")
	}
	salt, err := base64.StdEncoding.DecodeString(salt64)
	if err != nil || len(salt) == 0 {
		return c.fail("server-first-message: bad salt %q", salt64)
	}
	iterations, err := strconv.Atoi(iter)
	if err != nil || iterations < MinIterations {
		return c.fail("server-first-message: iteration count %q (the minimum is %d)", iter, MinIterations)
	}
	salted, err := h.saltPassword(c.m.Password, salt, iterations)
	if err != nil {
		return false, nil, &Error{Mechanism: c.m.Name(), Err: err}
	}
	withoutProof := "c=biws,r=" + nonce // biws: base64 of the gs2 header "n,,"
	authMessage := c.firstBare + "," + string(token) + "," + withoutProof
	clientKey := h.mac(salted, "Client Key")
	proof := h.mac(h.sum(clientKey), authMessage)
	subtle.XORBytes(proof, proof, clientKey)
	c.serverSig = h.mac(h.mac(salted, "Server Key"), authMessage)
	return false, []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

// ScramServer is the server side of SCRAM-SHA-256 or SCRAM-SHA-512, checking clients
// against the credentials Lookup returns (token is true for a delegation-token login,
// whose user name is the token id). The session's principal is the user name: for a
// token login the token id (Kafka's broker names the token's owner instead).
type ScramServer struct {
	Hash   ScramHash
	Lookup func(user string, token bool) (ScramCredential, bool)
}

// Name returns SCRAM-SHA-256 or SCRAM-SHA-512.
func (s ScramServer) Name() string { return s.Hash.name() }

// Start begins an exchange.
func (s ScramServer) Start(context.Context) ServerSession { return &scramServerSession{m: s} }

type scramServerSession struct {
	m           ScramServer
	step        int
	gs2, nonce  string
	firstBare   string
	serverFirst string
	cred        ScramCredential
	user        string
	principal   string
	tokenAuth   bool
}

var errScramMessage = errors.New("malformed SCRAM message")

func (s *scramServerSession) fail(format string, args ...any) ([]byte, bool, error) {
	return nil, false, authError(s.m.Name(), fmt.Sprintf(format, args...))
}

func (s *scramServerSession) Step(token []byte) ([]byte, bool, error) {
	h := s.m.Hash
	if _, err := h.newHash(); err != nil {
		return nil, false, err
	}
	switch s.step {
	case 0:
		s.step++
		msg := string(token)
		// gs2-header: "n" (no channel binding), then an optional "a=authzid".
		cbind, rest, ok := strings.Cut(msg, ",")
		authz, bare, ok2 := strings.Cut(rest, ",")
		if !ok || !ok2 || cbind != "n" {
			return s.fail("client-first-message: want gs2 header \"n,,\" (no channel binding)")
		}
		s.gs2, s.firstBare = cbind+","+authz+",", bare
		attrs, err := scramAttrs(bare)
		if err != nil {
			return s.fail("client-first-message: %v", err)
		}
		user, err := unescapeSaslName(attrs["n"])
		if err != nil || user == "" {
			return s.fail("client-first-message: bad user name %q", attrs["n"])
		}
		if authz != "" && authz != "a="+escapeSaslName(user) {
			return s.fail("client-first-message: authorization id differs from the user name")
		}
		s.nonce = attrs["r"]
		if s.nonce == "" {
			return s.fail("client-first-message: no nonce")
		}
		s.tokenAuth = attrs["tokenauth"] == "true"
		var cred ScramCredential
		if s.m.Lookup != nil {
			cred, ok = s.m.Lookup(user, s.tokenAuth)
		}
		if !ok || s.m.Lookup == nil {
			return s.fail("invalid user name or password")
		}
		s.user, s.cred = user, cred
		s.nonce += newNonce()
		s.serverFirst = "r=" + s.nonce + ",s=" + base64.StdEncoding.EncodeToString(cred.Salt) + ",i=" + strconv.Itoa(cred.Iterations)
		return []byte(s.serverFirst), false, nil
	case 1:
		s.step++
		msg := string(token)
		i := strings.LastIndex(msg, ",p=")
		if i < 0 {
			return s.fail("client-final-message: no proof")
		}
		withoutProof := msg[:i]
		attrs, err := scramAttrs(msg)
		if err != nil {
			return s.fail("client-final-message: %v", err)
		}
		if attrs["c"] != base64.StdEncoding.EncodeToString([]byte(s.gs2)) {
			return s.fail("client-final-message: channel binding does not match the gs2 header")
		}
		// Kafka's ScramSaslServer checks that the nonce ends with its own, not that it
		// equals it: librdkafka (2.0 at least) sends the client nonce twice.
		if !strings.HasSuffix(attrs["r"], s.nonce) {
			return s.fail("client-final-message: nonce does not match")
		}
		proof, err := base64.StdEncoding.DecodeString(attrs["p"])
		if err != nil || len(proof) != len(s.cred.StoredKey) {
			return s.fail("client-final-message: bad proof")
		}
		authMessage := s.firstBare + "," + s.serverFirst + "," + withoutProof
		clientKey := h.mac(s.cred.StoredKey, authMessage) // the client signature, then XOR the proof
		subtle.XORBytes(clientKey, clientKey, proof)
		if subtle.ConstantTimeCompare(h.sum(clientKey), s.cred.StoredKey) != 1 {
			return s.fail("invalid user name or password")
		}
		s.principal = s.user
		return []byte("v=" + base64.StdEncoding.EncodeToString(h.mac(s.cred.ServerKey, authMessage))), true, nil
	}
	return s.fail("unexpected client message after the exchange completed")
}

func (s *scramServerSession) Principal() string { return s.principal }

// TokenAuth reports whether the client logged in with a delegation token.
func (s *scramServerSession) TokenAuth() bool { return s.tokenAuth }

// newNonce returns a fresh random nonce (a variable so that a test can replay RFC 7677's
// exchange).
var newNonce = func() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}

// scramAttrs splits a SCRAM message into its attr=value pairs.
func scramAttrs(msg string) (map[string]string, error) {
	attrs := map[string]string{}
	for _, kv := range strings.Split(msg, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%w: %q", errScramMessage, kv)
		}
		if _, dup := attrs[k]; dup {
			return nil, fmt.Errorf("%w: attribute %q repeated", errScramMessage, k)
		}
		attrs[k] = v
	}
	return attrs, nil
}

// escapeSaslName escapes a user name as RFC 5802 saslname: "=" as "=3D", "," as "=2C".
func escapeSaslName(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}

func unescapeSaslName(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "=3D"):
			b.WriteByte('=')
		case strings.HasPrefix(s[i:], "=2C"):
			b.WriteByte(',')
		default:
			return "", errScramMessage
		}
		i += 2
	}
	return b.String(), nil
}
