package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/saslauthenticate"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// ErrNegotiation is wrapped by the error of a connect whose ApiVersions exchange failed
// (the broker answered an error code, or asked for a version it had just refused).
var ErrNegotiation = errors.New("version negotiation failed")

// syncCall sends one request and reads its response directly, before the reader runs.
// It returns the version the response body was read at (0 for a KIP-511 answer).
func (c *Conn) syncCall(key, version int16, body any) (any, int16, error) {
	id := c.nextID
	c.nextID++
	req := frame.Request{Body: body}
	req.Header.RequestApiKey, req.Header.RequestApiVersion, req.Header.CorrelationId, req.Header.ClientId = key, version, id, c.clientID
	buf, err := c.framer.AppendRequest(nil, &req)
	if err != nil {
		return nil, 0, err
	}
	if _, err := c.nc.Write(buf); err != nil {
		return nil, 0, &ConnError{Addr: c.addr, Err: err}
	}
	f, err := c.framer.ReadFrame(c.br)
	if err != nil {
		return nil, 0, &ConnError{Addr: c.addr, Err: err}
	}
	if got, err := frame.PeekCorrelationID(f); err != nil || got != id {
		return nil, 0, &ConnError{Addr: c.addr, Err: fmt.Errorf("response: %w: %d", frame.ErrUnknownCorrelationID, got)}
	}
	resp, readAt, err := c.framer.ParseResponseVersion(f, key, version)
	if err != nil {
		return nil, 0, err
	}
	return resp.Body, readAt, nil
}

// negotiate asks the broker's versions: ApiVersions at the newest version kio knows
// (or its cap), once more at the broker's newest if it answers UNSUPPORTED_VERSION.
func (c *Conn) negotiate(d *Dialer) error {
	api, _ := schema.Lookup(apiversions.APIKey)
	version := c.kioRange(api).Hi
	for attempt := 0; ; attempt++ {
		body := &apiversions.ApiVersionsRequest{NodeId: -1}
		body.ClientSoftwareName, body.ClientSoftwareVersion = d.SoftwareName, d.SoftwareVersion
		if body.ClientSoftwareName == "" {
			body.ClientSoftwareName = DefaultSoftwareName
		}
		if body.ClientSoftwareVersion == "" {
			body.ClientSoftwareVersion = DefaultSoftwareVersion
		}
		out, _, err := c.syncCall(apiversions.APIKey, version, body)
		if err != nil {
			return err
		}
		resp := out.(*apiversions.ApiVersionsResponse)
		if resp.ErrorCode == common.UnsupportedVersion && attempt == 0 {
			// KIP-511: the broker's own ApiVersions range says what to ask again at.
			retry := int16(0)
			for _, k := range resp.ApiKeys {
				if k.ApiKey == apiversions.APIKey {
					retry = k.MaxVersion
				}
			}
			if retry < version {
				version = max(retry, 0)
				continue
			}
		}
		if err := resp.ErrorCode.Err(); err != nil {
			return fmt.Errorf("kio/client: %w: ApiVersions v%d answered %w", ErrNegotiation, version, err)
		}
		c.setVersions(resp)
		return nil
	}
}

func (c *Conn) setVersions(resp *apiversions.ApiVersionsResponse) {
	c.apiVersions = resp
	c.broker = make(map[int16]tags.Range, len(resp.ApiKeys))
	c.negotiated = make(map[int16]int16, len(resp.ApiKeys))
	for _, k := range resp.ApiKeys {
		c.broker[k.ApiKey] = tags.Range{Lo: k.MinVersion, Hi: k.MaxVersion}
		api, ok := schema.Lookup(k.ApiKey)
		if !ok {
			continue
		}
		kio := c.kioRange(api)
		if v := min(kio.Hi, k.MaxVersion); v >= max(kio.Lo, k.MinVersion) {
			c.negotiated[k.ApiKey] = v
		}
	}
}

// exchange sends one request and returns its response body: syncCall while the
// connection is set up, the pipelined path while it re-authenticates.
type exchange func(key, version int16, body any) (any, error)

func (c *Conn) syncExchange(key, version int16, body any) (any, error) {
	out, _, err := c.syncCall(key, version, body)
	return out, err
}

// authenticate runs SaslHandshake, then the mechanism's tokens: in SaslAuthenticate
// requests after a version 1 handshake, bare and size-prefixed after version 0. It
// returns the session lifetime the broker's last SaslAuthenticate answer gave (KIP-368;
// 0 for none).
func (c *Conn) authenticate(ctx context.Context, m sasl.Mechanism, send exchange) (time.Duration, error) {
	hsAPI, _ := schema.Lookup(saslhandshake.APIKey)
	hv, err := c.version(hsAPI, -1)
	if err != nil {
		return 0, &sasl.Error{Mechanism: m.Name(), Err: err}
	}
	out, err := send(saslhandshake.APIKey, hv, &saslhandshake.SaslHandshakeRequest{Mechanism: m.Name()})
	if err != nil {
		return 0, err
	}
	hs := out.(*saslhandshake.SaslHandshakeResponse)
	if hs.ErrorCode != 0 {
		return 0, &sasl.Error{Mechanism: m.Name(), Code: int16(hs.ErrorCode),
			Message: fmt.Sprintf("%v; the broker enables %v", hs.ErrorCode, hs.Mechanisms)}
	}
	var av int16
	if hv >= 1 {
		authAPI, _ := schema.Lookup(saslauthenticate.APIKey)
		if av, err = c.version(authAPI, -1); err != nil {
			return 0, &sasl.Error{Mechanism: m.Name(), Err: err}
		}
	}
	session, token, err := m.Start(ctx)
	if err != nil {
		return 0, err
	}
	var lifetime time.Duration
	for {
		var challenge []byte
		if hv == 0 {
			if challenge, err = c.rawToken(token); err != nil {
				return 0, &sasl.Error{Mechanism: m.Name(), Message: "version 0 exchange (a broker closes the connection on a failed login)", Err: err}
			}
		} else {
			out, err := send(saslauthenticate.APIKey, av, &saslauthenticate.SaslAuthenticateRequest{AuthBytes: token})
			if err != nil {
				// Some brokers (franz-go's kfake) close the connection instead of answering
				// SASL_AUTHENTICATION_FAILED.
				return 0, &sasl.Error{Mechanism: m.Name(), Message: "SaslAuthenticate failed", Err: err}
			}
			r := out.(*saslauthenticate.SaslAuthenticateResponse)
			if r.ErrorCode != 0 {
				e := &sasl.Error{Mechanism: m.Name(), Code: int16(r.ErrorCode), Message: r.ErrorCode.String()}
				if r.ErrorMessage != nil {
					e.Message = *r.ErrorMessage
				}
				return 0, e
			}
			challenge = r.AuthBytes
			lifetime = time.Duration(r.SessionLifetimeMs) * time.Millisecond
		}
		done, next, err := session.Challenge(challenge)
		if err != nil || done {
			return lifetime, err
		}
		token = next
	}
}

// rawToken writes a size-prefixed token and reads the size-prefixed answer.
func (c *Conn) rawToken(token []byte) ([]byte, error) {
	buf := make([]byte, 4, 4+len(token))
	buf[0], buf[1], buf[2], buf[3] = byte(len(token)>>24), byte(len(token)>>16), byte(len(token)>>8), byte(len(token))
	if _, err := c.nc.Write(append(buf, token...)); err != nil {
		return nil, err
	}
	f, err := c.framer.ReadFrame(c.br)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	return f[4:], nil
}
