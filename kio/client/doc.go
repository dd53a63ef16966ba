// Package client talks to Kafka brokers: it dials one (or wraps a net.Conn of the
// caller's), negotiates API versions, authenticates with SASL over plaintext or TLS,
// and then sends typed requests and returns typed responses, many at once on one
// connection.
//
//	c, err := client.Dial(ctx, "localhost:9092")
//	...
//	resp, err := client.Call[metadata.MetadataResponse](ctx, c, &metadata.MetadataRequest{})
//
// A Dialer holds the options (TLS, SASL, client id, timeouts); a Conn is one
// connection. Correlation ids, request and response header versions and framing (kio/frame)
// are the package's business.
//
// # Versions
//
// On connect a Conn sends ApiVersions at the newest version kio knows. A broker that does
// not know it answers in version 0 with UNSUPPORTED_VERSION and its own range (KIP-511),
// and the Conn asks again at the newest version both know, as Kafka's Java client does.
// Every call then goes at the newest version of its API that both kio and the broker
// support (capped by Dialer.MaxVersions), unless CallVersion pins one. A request for an
// API the broker does not serve, or pinned at a version it does not serve, fails with a
// *VersionError before anything is sent.
//
// # Pipelining, cancellation and failure
//
// A Conn is safe for concurrent use: calls from many goroutines share it, each request
// is written whole, and responses are matched to calls by correlation id. A Produce
// request with acks=0 gets no response, as Kafka sends none: its call returns (nil, nil)
// once the request is written.
//
// A call whose context ends while it waits for its response returns the context's error
// at once; the connection stays usable, and the response, when it comes, is read and
// discarded. A call whose context ends while its request is being written closes the
// connection instead, since half a frame leaves the stream unusable. When the
// connection breaks (the broker closes it, a read fails, a frame does not parse as one)
// every call in flight, and every later one, fails with a *ConnError wrapping ErrClosed
// and the cause; nothing waits for a response that cannot come.
//
// # SASL sessions with a lifetime
//
// A broker may give a SASL session a lifetime (its connections.max.reauth.ms, or a
// token's expiry; KIP-368) in its SaslAuthenticate answer, and closes the connection at
// the first request after it ends. A Conn re-authenticates before then, with the same
// Mechanism, at a random point between 85 % and 95 % of the lifetime, as Kafka's Java
// client does, and at least a second before it ends (half a lifetime under two
// seconds), so that a stall does not let a short session lapse: the first call to write after that point runs SaslHandshake and
// SaslAuthenticate again on the live connection, while the responses of calls already
// sent keep coming; other calls wait until it ends (bounded by Dialer.Timeout, or 30 s).
// A failed re-authentication closes the connection with an error wrapping
// ErrReauthentication. A connection that is idle past the lifetime re-authenticates at
// its next call, which the broker allows.
//
// # Raw frames
//
// RoundTripFrame sends a request frame encoded elsewhere and returns the response frame
// undecoded: a proxy's fast path, which relays a client's requests at the client's
// versions without decoding them. RoundTripStream does the same for a frame that is
// still arriving (its head, then a body io.Reader), copying it to the broker in chunks of
// at most 64 KiB while it holds the connection's write turn; a body that ends early or a
// write that fails mid-frame closes the connection (*StreamError).
//
// Each is two halves a caller may also use apart: SendFrame (SendStream) writes the
// request and returns a *PendingResponse at once, and its Wait returns the response.
// Requests go out in the order of the sends, so a proxy's reader sends each request of
// a pipelining client as it reads it and another goroutine waits for the responses in
// order; the broker sees the next request before it answers the one before.
package client
