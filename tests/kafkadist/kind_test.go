package kafkadist

import (
	"testing"

	"github.com/kio-go/kafka-protocol/kio/tags"
)

// TestKindOf: the numbers are the ones both Java oracles switch on (0 request, 1
// response, 2 header, 3 data), and every kio kind maps to one of them.
func TestKindOf(t *testing.T) {
	for k, want := range map[tags.Kind]Kind{tags.Request: 0, tags.Response: 1, tags.Header: 2, tags.Data: 3, tags.Plain: 3} {
		if got := KindOf(k); got != want {
			t.Errorf("KindOf(%v) = %d, want %d", k, got, want)
		}
	}
	if s := Response.String() + " " + Kind(7).String(); s != "response kind(7)" {
		t.Errorf("String: %q", s)
	}
}
