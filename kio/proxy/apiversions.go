package proxy

import (
	"context"
	"errors"
	"slices"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
	"github.com/kio-go/kafka-protocol/kio/server"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// UnknownAPIs says what a proxy does with API keys kio's schema does not know.
type UnknownAPIs int8

const (
	// PassUnknownAPIs relays frames of unknown API keys untouched (their responses too,
	// undecoded) and leaves such keys in ApiVersions answers, so a client and broker newer
	// than kio can still use them. Endpoints inside them, if any, are not rewritten.
	PassUnknownAPIs UnknownAPIs = iota
	// RefuseUnknownAPIs removes unknown keys from ApiVersions answers and closes a
	// connection that sends one, as Kafka's broker does with a key it does not know.
	RefuseUnknownAPIs
)

// ClampAPIVersions narrows an ApiVersions answer in place to what both the upstream
// broker and kio can read: each known API's range is intersected with kio's versions
// (an API with nothing in common is removed), unknown keys are kept or removed as
// unknown says, and SaslHandshake starts at version 1, since after a version 0
// handshake the SASL tokens travel without Kafka framing (a pre-1.0 client's form, which
// the proxy does not relay). It returns how many entries it changed or removed.
func ClampAPIVersions(resp *apiversions.ApiVersionsResponse, unknown UnknownAPIs) int {
	changed := 0
	kept := resp.ApiKeys[:0]
	for _, k := range resp.ApiKeys {
		api, ok := schema.Lookup(k.ApiKey)
		if !ok {
			if unknown == RefuseUnknownAPIs {
				changed++
				continue
			}
			kept = append(kept, k)
			continue
		}
		lo, hi := max(k.MinVersion, api.Versions.Lo), min(k.MaxVersion, api.Versions.Hi)
		if k.ApiKey == saslhandshake.APIKey {
			lo = max(lo, 1)
		}
		if lo > hi {
			changed++
			continue
		}
		if lo != k.MinVersion || hi != k.MaxVersion {
			changed++
			k.MinVersion, k.MaxVersion = lo, hi
		}
		kept = append(kept, k)
	}
	clear(resp.ApiKeys[len(kept):])
	resp.ApiKeys = kept
	return changed
}

// apiVersionsAnswer is the proxy's answer to a client's ApiVersions request (of the
// given version and correlation id), made from the answer the broker gave the proxy's
// own connection when it negotiated (kio/client does on connect), clamped. Asking the
// broker again on the same connection is not an option: a SASL listener takes one
// ApiVersions before the handshake and closes the connection on a second. At a version
// beyond kio's the answer is KIP-511's: version 0, UNSUPPORTED_VERSION, and the
// ApiVersions range, so that the client asks again lower.
func apiVersionsAnswer(broker *apiversions.ApiVersionsResponse, unknown UnknownAPIs, version int16, corr int32) ([]byte, error) {
	resp := apiversions.ApiVersionsResponse{ApiKeys: slices.Clone(broker.ApiKeys), FinalizedFeaturesEpoch: -1}
	ClampAPIVersions(&resp, unknown)
	out := frame.Response{Body: &resp}
	out.Header.CorrelationId = corr
	if version > apiVersionsHi || version < 0 {
		r := apiversions.ApiVersion{ApiKey: apiversions.APIKey}
		for _, k := range resp.ApiKeys {
			if k.ApiKey == apiversions.APIKey {
				r = k
			}
		}
		out.Body = &apiversions.ApiVersionsResponse{ErrorCode: common.UnsupportedVersion, ApiKeys: []apiversions.ApiVersion{r}}
		return framer.AppendResponse(nil, apiversions.APIKey, 0, &out)
	}
	if version >= 1 {
		resp.ThrottleTimeMs = broker.ThrottleTimeMs
	}
	if version >= 3 {
		resp.SupportedFeatures, resp.FinalizedFeatures = broker.SupportedFeatures, broker.FinalizedFeatures
		resp.FinalizedFeaturesEpoch, resp.ZkMigrationReady = broker.FinalizedFeaturesEpoch, broker.ZkMigrationReady
	}
	return framer.AppendResponse(nil, apiversions.APIKey, version, &out)
}

// servedVersions is what a proxy that authenticates clients itself (ClientSASL)
// advertises before they log in, when kio/server answers ApiVersions: the cluster's
// versions, clamped, as the bootstrap broker gave them.
type servedVersions map[int16]tags.Range

// ServeKafka is never called: the relay (a RawHandler) takes every request.
func (servedVersions) ServeKafka(context.Context, *server.Request) (any, error) {
	return nil, errors.New("kio/proxy: a request bypassed the relay")
}

// Versions returns the versions by API key.
func (v servedVersions) Versions() map[int16]tags.Range { return v }

func servedVersionsOf(broker *apiversions.ApiVersionsResponse, unknown UnknownAPIs) servedVersions {
	resp := apiversions.ApiVersionsResponse{ApiKeys: slices.Clone(broker.ApiKeys)}
	ClampAPIVersions(&resp, unknown)
	out := servedVersions{}
	for _, k := range resp.ApiKeys {
		out[k.ApiKey] = tags.Range{Lo: k.MinVersion, Hi: k.MaxVersion}
	}
	return out
}
