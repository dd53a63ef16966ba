// Package server serves Kafka clients: it accepts connections on a net.Listener,
// reads request frames as Kafka's broker reads them, decodes them into kio/schema's
// generated structs, hands each to the Handler for its API and writes the handler's
// response with the right header version. It is net/http's shape for Kafka:
//
//	mux := server.NewMux()
//	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
//		return &metadata.MetadataResponse{...}, nil
//	})
//	srv := &server.Server{Handler: mux}
//	err := srv.Serve(ln)
//
// # What the library answers, and what it refuses
//
// ApiVersions is answered by the server itself, from the APIs and versions the handler
// serves (Mux.Versions) that kio also knows, plus SaslHandshake and SaslAuthenticate when
// SASL is on. An ApiVersions request at a version the server does not serve gets the
// KIP-511 answer, a version 0 body with UNSUPPORTED_VERSION and the ApiVersions range, and
// the client asks again, as Kafka's broker and Java client do.
//
// As Kafka's broker does, the server closes the connection on a request for an API key
// it does not serve, at a version it does not serve (ApiVersions excepted), or that does
// not parse; bytes after a request body are ignored (frame.Framer.BrokerCompatible). A
// size prefix above MaxFrameSize closes the connection before anything is allocated
// for it. Other connections are not affected.
//
// # Order and concurrency
//
// Each connection has its own goroutines: a slow handler delays only the requests behind
// it on its connection. Responses are written in request order, as Kafka requires. By
// default a connection's requests are handled one at a time, as Kafka's broker handles
// them (so a pipelined Produce lands in order), on the connection's reader goroutine,
// which reads the next request once the handler returns (and writes the response itself
// when the client has sent nothing more; a writer goroutine writes a pipelining client's
// responses while the reader goes on); ConnConcurrency lets more run at
// once, each on a goroutine of its own, while their responses still go out in order. A Produce with acks=0 gets no response.
// A handler that panics, returns an error, or returns no response where one is due
// closes its connection, not the server.
//
// A RawHandler that is a PipelineRawHandler serves requests in two halves instead: the
// reader starts each request (StartKafkaFrame; a proxy writes it upstream) and goes on
// to the next at once, and the writer awaits the started requests' responses in request
// order (PendingFrame) and writes each as it completes, so a pipelining client's
// requests do not wait for each other's responses, up to 64 read ahead. Requests it
// sends the synchronous way, and those the server answers itself (ApiVersions, SASL),
// are answered after the pending responses before them, never ahead.
//
// # Error codes
//
// Kafka's broker answers a request it cannot serve with that API's response carrying an
// error code, and the client carries on. A handler does the same in either of two ways:
//
//   - It returns a response with the codes set where the API puts them: per partition
//     for Produce, Fetch and ListOffsets, per topic for Metadata, and so on.
//   - It returns an error that is, or wraps, a common.ErrorCode (other than None):
//     return nil, fmt.Errorf("still loading: %w", common.CoordinatorLoadInProgress).
//     Where the response has a top-level ErrorCode at the request's version
//     (InitProducerId, FindCoordinator v0-3, Fetch v7+, JoinGroup...), the server
//     answers with the response at its spec defaults and that code, and the connection
//     stays open. Where it has none, a code has no place to go and the connection
//     closes with a *HandlerError, as for any other error; and so it does for a Produce
//     with acks=0, which has no response at all.
//
// # SASL
//
// With SASL mechanisms configured, a connection must authenticate (SaslHandshake, then
// SaslAuthenticate, or bare tokens after a version 0 handshake) before any request but
// ApiVersions; anything else first closes the connection, as Kafka's broker does. A failed
// login is answered with SASL_AUTHENTICATION_FAILED (version 1) and the connection closed.
// The handler sees the authenticated principal in Request.Peer.
//
// Server.SessionLifetime gives sessions a lifetime, as Kafka's connections.max.reauth.ms
// does (KIP-368): SaslAuthenticate v1+ answers carry it, a SaslHandshake on an
// authenticated connection begins a re-authentication (which must keep the mechanism and
// the principal, else it is refused and the connection closed), and a connection whose
// session ended without one is closed at its next request (ErrSessionExpired).
//
// # Raw frames
//
// A RawHandler sees every request frame, undecoded, before the Handler: a proxy relays it
// to a broker (kio/client's Conn.RoundTripFrame) and returns the broker's response frame,
// or declines and lets the frame take the decoding path. A RawHandler that is also a
// StreamRawHandler is offered large requests (over 64 KiB, on a connection served one
// request at a time) as streams: the frame's first 4 KiB, then the rest as it arrives, so
// a proxy forwards a request's start before its end has come (kio/client's
// RoundTripStream) and never holds the whole frame. It must read the body to its end or
// decline before reading any of it; anything else closes the connection.
package server
