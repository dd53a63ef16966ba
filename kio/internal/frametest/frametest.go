// Package frametest builds Kafka frames for the tests of kio/client, kio/server and
// kio/proxy, which cannot share a _test.go helper across their packages.
package frametest

import (
	"testing"

	"github.com/kio-go/kafka-protocol/kio/frame"
)

// Request encodes body (a generated request struct or a pointer to one) at version as
// a whole request frame, size prefix included, with correlation id corr and client id
// clientID (nil for null). It fails tb if body cannot be framed.
func Request(tb testing.TB, body any, version int16, corr int32, clientID *string) []byte {
	tb.Helper()
	req, err := frame.NewRequest(body, version, corr, clientID)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := frame.Framer{}.AppendRequest(nil, req)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}
