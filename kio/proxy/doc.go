// Package proxy is a Kafka proxy toolkit: a Proxy relays Kafka clients to an upstream
// cluster through one listener per upstream broker, rewrites every broker endpoint the
// cluster hands to clients so that none connects around it, clamps ApiVersions answers
// to what kio can read, and runs typed filters on the requests and responses of the
// APIs a user asks for. Everything else is relayed byte for byte without being decoded.
//
// # Brokers and endpoints
//
// The Proxy opens a listener for each bootstrap server (Proxy.Upstream) and, the first
// time a response names a broker it has not seen, one for that broker; the response
// then carries the listener's address instead (Proxy.ListenAddr chooses where listeners
// listen, Proxy.AdvertisedHost what host clients are told). Endpoints are rewritten in
// Metadata's brokers, FindCoordinator's coordinator (v0-3 and the batched v4+),
// DescribeCluster's brokers, the NodeEndpoints of Produce, Fetch, ShareFetch and
// ShareAcknowledge (KIP-951's new-leader hints) and DescribeQuorum's nodes;
// EndpointFields lists every host and port field of the schema with what happens to it
// and why (ACL hosts, group members' client hosts, Kafka Streams' application endpoints
// and the inter-node APIs are left alone), and a test fails on a field it does not list.
// RewriteEndpoints does the rewriting on a decoded response, for other uses.
//
// # Versions
//
// A client's ApiVersions request is answered by the proxy from the broker's own answer
// to the proxy's upstream connection (kio/client negotiates on connect; a SASL listener
// would close a connection that asked twice), clamped (ClampAPIVersions): every API's
// range is narrowed to the versions both the broker and kio know, so no client
// negotiates a version the proxy cannot decode; a version beyond kio's gets KIP-511's
// answer. Request frames of API keys or versions kio does not know are relayed untouched,
// responses too, by default, or refused (the connection is closed, as Kafka's broker
// does) with RefuseUnknownAPIs. SaslHandshake v0, after which SASL tokens travel
// without Kafka framing, is clamped away and refused.
//
// # Filters
//
// Filters are typed hooks per API, registered on a Filters value:
//
//	var f proxy.Filters
//	proxy.OnRequest(&f, func(c *proxy.Call, r *produce.ProduceRequest) proxy.Verdict {
//		// read or change r; return proxy.Modified after a change,
//		// c.Answer(&resp) to answer from the proxy, proxy.Drop to drop it
//		return proxy.Pass
//	})
//	proxy.OnResponse(&f, func(c *proxy.Call, r *metadata.MetadataResponse) proxy.Verdict { ... })
//	p := &proxy.Proxy{Upstream: []string{"broker:9092"}, Addr: ":9092", Filters: &f}
//
// The type parameter picks the API (T is a generated request or response struct of
// kio/schema), so a hook gets the decoded body with its real type and no type switch.
// OnEveryRequest and OnEveryResponse see every frame of every API kio knows (an audit
// log). Only APIs with hooks are decoded: a frame of any other API is read into a
// reused buffer and written on as it came, no decode and no copy beyond the socket's.
// Responses that carry endpoints and ApiVersions answers are decoded for the rewrite,
// and encoded again only when something changed.
//
// Proxy.OnFrame observes instead: it is called with every request frame a client sends
// and every response frame the proxy writes back, as the client sees them (its bytes,
// API key, version and correlation id), without decoding them (kio tap prints them).
//
// A request answered by a filter is not sent upstream; its answer takes its place in the
// connection's order, since Kafka clients read responses in request order. A dropped
// request that expects a response closes the connection (see Drop).
//
// # Connections
//
// A Proxy is a kio/server Server per listener whose RawHandler is the relay, and the
// relay's upstream is a kio/client Conn per client connection, dialled on its first
// request (idle clients cost no broker connection) and closed with it. A connection's
// requests are relayed in order, pipelined: the relay is a kio/server
// PipelineRawHandler, so the connection's reader runs each request's side (request
// filters, the decision to relay, answer or drop) and writes it upstream with
// kio/client's SendFrame, then reads the client's next request at once, while the
// connection's writer waits for the upstream responses in request order and runs their
// side (endpoint rewriting, response filters; UpstreamTimeout bounds each round trip)
// before writing them. A pipelining client (kgo keeps up to 5 requests in flight) thus
// has its next request at the broker before the previous response is back, as without
// the proxy, and a decoding proxy's request and response work runs on two goroutines.
// Responses go back in request order: the proxy's own answers (a filter's answer,
// ApiVersions, which takes the synchronous path) wait behind the responses before them.
// With OnFrame set, requests are relayed one at a time (each request, then its
// response, as OnFrame promises). Frames of APIs nobody asked about are relayed
// undecoded.
//
// # Cut-through
//
// A store-and-forward relay adds the time a frame takes to arrive to every round trip:
// for a Produce of a few hundred KB (a producer going as fast as it can) that is most
// of the proxy's cost. So a request frame over 64 KiB that nothing needs whole (no
// request filter for its API, no OnFrame, not ApiVersions or SASL, an API and version
// kio knows) is relayed cut-through: once its first 4 KiB are in (the header and a
// Produce's acks), they go upstream with the proxy's correlation id, and the rest is
// copied from the client's connection to the broker's as it arrives, 64 KiB at a time at
// most, no buffer the frame's size (kio/server's StreamRawHandler, kio/client's
// SendStream; pipelined as any other request). Clients see no difference;
// Stats.Streamed counts these requests. A client that leaves mid-frame takes its
// upstream connection with it, as ever; the broker sees half a frame before the close
// (a Kafka broker drops it).
//
// Fetch responses of 64 KiB or more go the other way cut-through too, unless a response
// filter asks for Fetch (kio/client's WaitStream, kio/server's PendingStream): the relay
// walks each as it streams, copies the records through, and holds back only the
// top-level tagged fields, where a KIP-951 response names new leaders (NodeEndpoints),
// after the records and the size prefix. Those endpoints are rewritten within the size
// the prefix already announced: in place when the proxy's host is as long as the
// broker's, with a filler tagged field (tag 127, zeros; clients skip unknown tags)
// when it is shorter, and when it is longer NodeEndpoints is left out (filler in its
// place), so the client asks Metadata for the new leader, as from a broker without
// KIP-951 (Stats.EndpointsDropped). A response the relay cannot walk is relayed as it
// is, for the client to judge; one whose NodeEndpoints do not decode closes the
// connection rather than risk a broker's address. Stats.StreamedResponses counts them.
//
// SASL: by default the clients' own SaslHandshake and SaslAuthenticate frames are
// relayed, so clients authenticate to the brokers as themselves. With ClientSASL the
// proxy authenticates clients itself (kio/server's SASL; Call.Conn.Principal names
// them) and with UpstreamSASL it logs in to the brokers as its own principal
// (kio/client's SASL). TLS on either side: TLS for clients, UpstreamTLS (or Dial) for
// brokers.
//
// A connection ends, and only that one, on a frame it cannot relay: garbage where a
// header should be, a size prefix above MaxFrameSize (refused before anything is
// allocated), an unknown API when refused, a response of an endpoint API that does not
// decode (rather than risk relaying a broker's address), an upstream that does not answer
// within UpstreamTimeout. ErrorLog hears why, as a *ConnError.
//
// Listeners open for the bootstrap servers at Start, for every broker Metadata names at
// Start (Discover) and every DiscoveryInterval, and for any broker a response names.
package proxy
