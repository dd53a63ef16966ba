package client

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/sasl"
)

// Defaults of a zero Dialer.
const (
	DefaultClientID        = "kio"
	DefaultSoftwareName    = "kio-go"
	DefaultSoftwareVersion = "0.1.0"
)

// Dialer holds the options for connecting to a broker. The zero value dials plaintext
// without authentication, with client id "kio".
type Dialer struct {
	// ClientID is the client id of every request header; "" means DefaultClientID.
	ClientID string
	// SoftwareName and SoftwareVersion go in ApiVersions v3+ (KIP-511); "" means the
	// defaults. Kafka's broker accepts letters, digits, '.' and '-' only.
	SoftwareName, SoftwareVersion string

	// Timeout bounds the whole connect: dialing, the TLS handshake, version negotiation
	// and SASL. 0 means no bound beyond the context's.
	Timeout time.Duration
	// NetDialer dials the TCP connection; nil means a zero net.Dialer.
	NetDialer *net.Dialer
	// TLS, if not nil, wraps the connection in TLS with this configuration. A config
	// without ServerName gets the host of the address dialed.
	TLS *tls.Config
	// SASL, if not nil, authenticates the connection after version negotiation.
	SASL sasl.Mechanism

	// MaxVersions caps the version negotiated per API key (a cap below the broker's
	// lowest version makes the API not served). ApiVersions itself is sent at its
	// cap, and a SaslHandshake capped at 0 makes SASL use version 0's bare tokens.
	MaxVersions map[int16]int16
	// MaxFrameSize bounds response frames; 0 means frame.DefaultMaxFrameSize.
	MaxFrameSize int32
}

// Dial connects to the broker at address ("host:port") with a zero Dialer.
func Dial(ctx context.Context, address string) (*Conn, error) {
	var d Dialer
	return d.Dial(ctx, address)
}

// Dial connects to the broker at address, negotiates versions and authenticates.
func (d *Dialer) Dial(ctx context.Context, address string) (*Conn, error) {
	if d.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.Timeout)
		defer cancel()
	}
	nd := d.NetDialer
	if nd == nil {
		nd = &net.Dialer{}
	}
	nc, err := nd.DialContext(ctx, "tcp", address)
	if err != nil {
		return nil, &ConnError{Addr: address, Err: err}
	}
	if d.TLS != nil {
		cfg := d.TLS
		if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
			cfg = cfg.Clone()
			if host, _, err := net.SplitHostPort(address); err == nil {
				cfg.ServerName = host
			}
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, &ConnError{Addr: address, Err: err}
		}
		nc = tc
	}
	return d.open(ctx, nc, address)
}

// NewConn makes a Conn of nc, a connection to a broker the caller dialed (and wrapped
// in TLS, if wanted; d.TLS is not applied): it negotiates versions and authenticates
// as d says. On error nc is closed.
func (d *Dialer) NewConn(ctx context.Context, nc net.Conn) (*Conn, error) {
	if d.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.Timeout)
		defer cancel()
	}
	return d.open(ctx, nc, nc.RemoteAddr().String())
}

func (d *Dialer) clientID() string {
	if d.ClientID == "" {
		return DefaultClientID
	}
	return d.ClientID
}

func (d *Dialer) framer() frame.Framer { return frame.Framer{MaxFrameSize: d.MaxFrameSize} }
