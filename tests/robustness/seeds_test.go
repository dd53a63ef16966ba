package robustness

import (
	"crypto/sha256"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// TestWriteSeedCorpus writes the committed seed corpora under testdata/fuzz from
// property-test values: every message at every version for FuzzBody, every request
// version as a frame for FuzzRequestFrame, and batches of every codec and magic for
// FuzzRecords. It runs only with KIO_WRITE_SEEDS=1; the files it writes are committed.
// Frames captured from real clients are added beside them by the real-clients suite
// (KIO_CAPTURE_SEEDS=dir).
func TestWriteSeedCorpus(t *testing.T) {
	if os.Getenv("KIO_WRITE_SEEDS") != "1" {
		t.Skip("set KIO_WRITE_SEEDS=1 to rewrite testdata/fuzz from property-test values")
	}
	rnd := rand.New(rand.NewSource(kiotest.Seed()))
	var framer frame.Framer
	sampleEvery(t, rnd, func(m *schema.Message, version int16, v any) {
		body, err := serial.Marshal(v, version)
		if err != nil {
			t.Fatal(err)
		}
		writeSeed(t, "FuzzBody", append(selector(m, version), body...))
		api, ok := schema.Lookup(m.APIKey)
		if m.Kind.String() != "request" || !ok {
			return
		}
		req := &frame.Request{Body: reflectPtr(v)}
		req.Header = requestheader.RequestHeader{RequestApiKey: api.Key, RequestApiVersion: version, CorrelationId: int32(version)}
		cid := "seed-client"
		if api.RequestHeaderVersion(version) >= 1 {
			req.Header.ClientId = &cid
		}
		frame, err := framer.AppendRequest(nil, req)
		if err != nil {
			t.Fatal(err)
		}
		writeSeed(t, "FuzzRequestFrame", frame)
	})
	for _, c := range []records.Compression{records.CompressionNone, records.CompressionGzip, records.CompressionSnappy, records.CompressionLZ4, records.CompressionZstd} {
		recs := []records.Record{{Key: []byte("key"), Value: []byte("value-1"), Headers: []records.Header{{Key: "h", Value: nil}}}, {Value: []byte("v2")}}
		b := records.NewBatch(recs...)
		b.Compression = c
		blob, err := records.AppendBatch(nil, b)
		if err != nil {
			t.Fatal(err)
		}
		writeSeed(t, "FuzzRecords", blob)
		// Legacy messages have no headers.
		legacy := records.NewBatch(records.Record{Key: []byte("key"), Value: []byte("value-1")}, records.Record{Value: []byte("v2")})
		legacy.Compression = c
		for _, magic := range []int8{0, 1} {
			blob, err := records.AppendMessageSet(nil, legacy, magic)
			if err != nil {
				continue // zstd did not exist before magic 2
			}
			writeSeed(t, "FuzzRecords", blob)
		}
	}
}

// reflectPtr returns a pointer to a copy of the struct value v.
func reflectPtr(v any) any {
	rv := reflect.ValueOf(v)
	p := reflect.New(rv.Type())
	p.Elem().Set(rv)
	return p.Interface()
}

func writeSeed(t *testing.T, target string, data []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%x", sha256.Sum256(data))[:16]
	content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
