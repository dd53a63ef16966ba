package testkit

import (
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// LearnVersions asks c's listener for the API versions it serves, with ApiVersions at
// version, and returns them by API key.
func LearnVersions(t testing.TB, c *Conn, version int16) map[int16]tags.Range {
	t.Helper()
	req := serial.Default[apiversions.ApiVersionsRequest]()
	req.ClientSoftwareName, req.ClientSoftwareVersion = "kio", "1.0"
	resp := Call[apiversions.ApiVersionsResponse](t, c, version, &req)
	if resp.ErrorCode != common.None {
		t.Fatalf("ApiVersions v%d on %s: %v", version, c.Addr, resp.ErrorCode)
	}
	m := map[int16]tags.Range{}
	for _, k := range resp.ApiKeys {
		m[k.ApiKey] = tags.Range{Lo: k.MinVersion, Hi: k.MaxVersion}
	}
	return m
}

// Common returns every version of key that both kio and a peer serving supported
// support, oldest first; none where either side lacks the API or they share no version.
func Common(supported map[int16]tags.Range, key int16) []int16 {
	api, ok := schema.Lookup(key)
	r, served := supported[key]
	if !ok || !served {
		return nil
	}
	both := api.Versions.Intersect(r)
	if both.IsNone() {
		return nil
	}
	var vs []int16
	for v := both.Lo; v <= both.Hi; v++ {
		vs = append(vs, v)
	}
	return vs
}
