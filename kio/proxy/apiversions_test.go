package proxy

import (
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
)

func TestClampAPIVersions(t *testing.T) {
	md, _ := schema.Lookup(metadata.APIKey)
	broker := func() *apiversions.ApiVersionsResponse {
		return &apiversions.ApiVersionsResponse{ApiKeys: []apiversions.ApiVersion{
			{ApiKey: produce.APIKey, MinVersion: 0, MaxVersion: 99},              // a broker newer than kio
			{ApiKey: metadata.APIKey, MinVersion: 0, MaxVersion: md.Versions.Hi}, // all within kio
			{ApiKey: saslhandshake.APIKey, MinVersion: 0, MaxVersion: 1},         // v0 is unframed SASL
			{ApiKey: 999, MinVersion: 0, MaxVersion: 3},                          // a key kio does not know
			{ApiKey: metadata.APIKey + 1000, MinVersion: 5, MaxVersion: 2},       // nonsense, unknown
		}}
	}
	pr, _ := schema.Lookup(produce.APIKey)
	r := broker()
	if n := ClampAPIVersions(r, PassUnknownAPIs); n != 2 {
		t.Errorf("%d changed, want 2 (Produce, SaslHandshake)", n)
	}
	want := map[int16][2]int16{produce.APIKey: {0, pr.Versions.Hi}, metadata.APIKey: {0, md.Versions.Hi}, saslhandshake.APIKey: {1, 1}, 999: {0, 3}, 1003: {5, 2}}
	if len(r.ApiKeys) != len(want) {
		t.Errorf("kept %v", r.ApiKeys)
	}
	for _, k := range r.ApiKeys {
		if w := want[k.ApiKey]; k.MinVersion != w[0] || k.MaxVersion != w[1] {
			t.Errorf("key %d: %d-%d, want %d-%d", k.ApiKey, k.MinVersion, k.MaxVersion, w[0], w[1])
		}
	}
	r = broker()
	ClampAPIVersions(r, RefuseUnknownAPIs)
	for _, k := range r.ApiKeys {
		if _, ok := schema.Lookup(k.ApiKey); !ok {
			t.Errorf("unknown key %d kept under RefuseUnknownAPIs", k.ApiKey)
		}
	}
	if len(r.ApiKeys) != 3 {
		t.Errorf("kept %v", r.ApiKeys)
	}
}

// TestAPIVersionsAnswer: the answer to a client is the broker's, clamped, at the
// client's version; beyond kio's versions it is KIP-511's v0 answer.
func TestAPIVersionsAnswer(t *testing.T) {
	broker := &apiversions.ApiVersionsResponse{ThrottleTimeMs: 7, FinalizedFeaturesEpoch: 3, ApiKeys: []apiversions.ApiVersion{
		{ApiKey: produce.APIKey, MinVersion: 0, MaxVersion: 99}, {ApiKey: apiversions.APIKey, MinVersion: 0, MaxVersion: 99}}}
	for v := int16(0); v <= apiVersionsHi; v++ {
		out, err := apiVersionsAnswer(broker, PassUnknownAPIs, v, 42)
		if err != nil {
			t.Fatalf("v%d: %v", v, err)
		}
		resp, err := framer.ParseResponse(out, apiversions.APIKey, v)
		if err != nil {
			t.Fatalf("v%d: %v", v, err)
		}
		body := resp.Body.(*apiversions.ApiVersionsResponse)
		if resp.Header.CorrelationId != 42 || body.ErrorCode != common.None || len(body.ApiKeys) != 2 || body.ApiKeys[0].MaxVersion == 99 {
			t.Errorf("v%d: %+v", v, body)
		}
		if (v >= 1) != (body.ThrottleTimeMs == 7) || (v >= 3) != (body.FinalizedFeaturesEpoch == 3) {
			t.Errorf("v%d: throttle %d epoch %d", v, body.ThrottleTimeMs, body.FinalizedFeaturesEpoch)
		}
	}
	out, err := apiVersionsAnswer(broker, PassUnknownAPIs, apiVersionsHi+1, 9)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := framer.ParseResponse(out, apiversions.APIKey, 0)
	if err != nil {
		t.Fatal(err)
	}
	body := resp.Body.(*apiversions.ApiVersionsResponse)
	if body.ErrorCode != common.UnsupportedVersion || len(body.ApiKeys) != 1 || body.ApiKeys[0].ApiKey != apiversions.APIKey || body.ApiKeys[0].MaxVersion != apiVersionsHi {
		t.Errorf("KIP-511 answer %+v", body)
	}
}
