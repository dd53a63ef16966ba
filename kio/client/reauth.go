package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/sasl"
)

// ErrReauthentication is wrapped by the *ConnError of a connection closed because
// re-authenticating its SASL session (KIP-368) failed.
var ErrReauthentication = errors.New("SASL re-authentication failed")

// defaultReauthLimit bounds a re-authentication when the Dialer sets no Timeout.
const defaultReauthLimit = 30 * time.Second

// setSession records a SASL session the broker gave a lifetime (its
// connections.max.reauth.ms, or a credential's expiry): the connection re-authenticates
// at a random point between 85 % and 95 % of it, as Kafka's Java client does, so that
// many connections made at once do not all re-authenticate together; and at least
// reauthMargin (or half a shorter lifetime) before it ends, so that a stalled process
// or a slow round trip does not let a short session expire first (kgo keeps a margin
// of a second too).
// m is used again for every re-authentication (each Start begins a fresh exchange), and
// limit bounds one (0 means defaultReauthLimit).
func (c *Conn) setSession(m sasl.Mechanism, limit time.Duration, start time.Time, lifetime time.Duration) {
	if lifetime <= 0 {
		c.reauthAt = time.Time{}
		return
	}
	c.sasl = m
	c.reauthLimit = limit
	if c.reauthLimit <= 0 {
		c.reauthLimit = defaultReauthLimit
	}
	at := lifetime * time.Duration(85+rand.IntN(11)) / 100
	c.reauthAt = start.Add(min(at, lifetime-min(reauthMargin, lifetime/2)))
}

// reauthMargin is the least time left in a session when the connection
// re-authenticates, for sessions of twice that or longer.
const reauthMargin = time.Second

// reauthDue reports whether the next request must wait for a re-authentication. wsem
// must be held.
func (c *Conn) reauthDue() bool {
	return !c.reauthAt.IsZero() && !time.Now().Before(c.reauthAt)
}

// Reauthentications returns how many times the connection re-authenticated its SASL
// session because the broker gave it a lifetime (KIP-368).
func (c *Conn) Reauthentications() int { return int(c.reauths.Load()) }

// reauthenticate runs the SASL exchange again on the live connection, wsem held: no
// other request is written until it ends, while responses to requests already sent
// keep coming to their calls. A broker that has given a session a lifetime closes the
// connection at the first other request after it ends (KIP-368). On error the caller
// closes the connection.
func (c *Conn) reauthenticate() error {
	ctx, cancel := context.WithTimeout(context.Background(), c.reauthLimit)
	defer cancel()
	start := time.Now()
	send := func(key, version int16, body any) (any, error) { return c.callHeld(ctx, key, version, body) }
	lifetime, err := c.authenticate(ctx, c.sasl, send)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrReauthentication, err)
	}
	c.reauths.Add(1)
	c.setSession(c.sasl, c.reauthLimit, start, lifetime)
	return nil
}

// callHeld sends one request and waits for its response with wsem held (so it is
// written between the requests of other calls, never inside one).
func (c *Conn) callHeld(ctx context.Context, key, version int16, body any) (any, error) {
	ch := responseChans.Get().(chan []byte)
	id, err := c.register(ch)
	if err != nil {
		return nil, err
	}
	req := frame.Request{Body: body}
	req.Header.RequestApiKey, req.Header.RequestApiVersion, req.Header.CorrelationId, req.Header.ClientId = key, version, id, c.clientID
	buf, err := c.framer.AppendRequest(nil, &req)
	if err != nil {
		return nil, err
	}
	if err := c.write(ctx, buf); err != nil {
		return nil, err
	}
	var f []byte
	select {
	case f = <-ch:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	case <-c.closed:
		select {
		case f = <-ch: // the answer came before the broker closed the connection
		default:
			return nil, c.Err()
		}
	}
	resp, err := c.framer.ParseResponse(f, key, version)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}
