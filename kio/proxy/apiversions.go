package proxy

import (
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
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
