package robustness

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// FuzzRequestFrame parses any bytes as a request frame, the API found from its header
// as a broker or proxy would: an error, or a request that re-encodes to a frame that
// parses back to the same request.
func FuzzRequestFrame(f *testing.F) {
	var framer frame.Framer
	for _, api := range schema.APIs() {
		for _, version := range []int16{api.Versions.Lo, api.Versions.Hi} {
			req := &frame.Request{Body: api.NewRequestBody()}
			req.Header.RequestApiKey, req.Header.RequestApiVersion, req.Header.CorrelationId = api.Key, version, 7
			if err := serial.SetDefaults(req.Body); err != nil {
				f.Fatal(err)
			}
			if raw, err := framer.AppendRequest(nil, req); err == nil {
				f.Add(raw)
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := framer.ParseRequest(raw)
		if err != nil {
			var fe *frame.FrameError
			var se *serial.Error
			if !errors.As(err, &fe) && !errors.As(err, &se) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		again, err := framer.AppendRequest(nil, req)
		if err != nil {
			t.Fatalf("a parsed request does not encode: %v", err)
		}
		req2, err := framer.ParseRequest(again)
		if err != nil {
			t.Fatalf("a re-encoded request does not parse: %v", err)
		}
		if d := cmp.Diff(req, req2, roundTripOpts); d != "" {
			t.Fatalf("second round trip differs:\n%s", d)
		}
	})
}

// FuzzRecords walks any bytes as a Fetch records blob: a typed error, a partial tail, or
// batches whose records survive being written again (as magic 2, or as the legacy
// message set they came from) and read back.
func FuzzRecords(f *testing.F) {
	for _, c := range []records.Compression{records.CompressionNone, records.CompressionGzip, records.CompressionSnappy, records.CompressionLZ4, records.CompressionZstd} {
		b := records.NewBatch(records.Record{Key: []byte("k"), Value: []byte("value"), Headers: []records.Header{{Key: "h", Value: []byte("v")}}})
		b.Compression = c
		if blob, err := records.AppendBatch(nil, b); err == nil {
			f.Add(blob)
			f.Add(blob[:len(blob)-3])
		}
		for _, magic := range []int8{0, 1} {
			if blob, err := records.AppendMessageSet(nil, b, magic); err == nil {
				f.Add(blob)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := records.NewScanner(data, records.WithMaxSize(1<<20))
		for s.Next() {
			b := s.Batch()
			var out []byte
			var err error
			if b.Magic >= 2 {
				out, err = records.AppendBatch(nil, b)
			} else {
				out, err = records.AppendMessageSet(nil, b, b.Magic)
			}
			if err != nil {
				continue // not every decoded batch can be written back (e.g. an unknown codec)
			}
			var back records.Batch
			if _, err := records.DecodeBatch(out, &back, records.WithMaxSize(1<<20)); err != nil {
				t.Fatalf("a batch kio wrote does not decode: %v", err)
			}
			if len(back.Records) != len(b.Records) {
				t.Fatalf("records: wrote %d, read %d", len(b.Records), len(back.Records))
			}
			for i := range b.Records {
				w, g := b.Records[i], back.Records[i]
				if !bytes.Equal(w.Key, g.Key) || !bytes.Equal(w.Value, g.Value) || (w.Key == nil) != (g.Key == nil) || len(w.Headers) != len(g.Headers) {
					t.Fatalf("record %d differs after writing it again", i)
				}
			}
		}
		if err := s.Err(); err != nil {
			var be *records.BatchError
			if !errors.As(err, &be) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
		}
	})
}

func metadataRequestFrame(t *testing.T, correlationID int32) []byte {
	t.Helper()
	req := &frame.Request{Body: &metadata.MetadataRequest{AllowAutoTopicCreation: true}}
	req.Header = requestheader.RequestHeader{RequestApiKey: 3, RequestApiVersion: 12, CorrelationId: correlationID}
	raw, err := frame.Framer{}.AppendRequest(nil, req)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestFrameOf2GiBIsRefusedWithoutAllocating: a size prefix of 2 GiB - 1 and one of
// exactly 2^31 (negative as int32) are refused before any buffer is made for them.
func TestFrameOf2GiBIsRefusedWithoutAllocating(t *testing.T) {
	for _, prefix := range []uint32{0x7fffffff, 0x80000000} {
		in := binary.BigEndian.AppendUint32(nil, prefix)
		in = append(in, make([]byte, 16)...)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := frame.Framer{}.ReadFrame(bytes.NewReader(in))
		runtime.ReadMemStats(&after)
		var fe *frame.FrameError
		if err == nil || !errors.As(err, &fe) {
			t.Fatalf("prefix %#x: %v", prefix, err)
		}
		if a := after.TotalAlloc - before.TotalAlloc; a > 64<<10 {
			t.Errorf("prefix %#x: refusing it allocated %d bytes", prefix, a)
		}
	}
}

// TestTruncatedStreamIsUnexpectedEOF: a stream that ends inside a frame, at any byte.
func TestTruncatedStreamIsUnexpectedEOF(t *testing.T) {
	raw := metadataRequestFrame(t, 1)
	for cut := 1; cut < len(raw); cut++ {
		_, err := frame.Framer{}.ReadRequest(bytes.NewReader(raw[:cut]))
		var fe *frame.FrameError
		if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.As(err, &fe) {
			t.Fatalf("cut at %d: %v", cut, err)
		}
	}
	if _, err := (frame.Framer{}).ReadRequest(bytes.NewReader(nil)); err != io.EOF {
		t.Fatalf("an empty stream is a clean io.EOF, got %v", err)
	}
}

// TestBadFrameDoesNotCorruptTheNext: a frame whose body does not decode is consumed
// whole, so the frame after it reads correctly.
func TestBadFrameDoesNotCorruptTheNext(t *testing.T) {
	good := metadataRequestFrame(t, 2)
	bad := append([]byte{}, good...)
	bad = append(bad, 0xff) // a trailing byte inside the frame...
	binary.BigEndian.PutUint32(bad, uint32(len(bad)-4))
	unknown := append([]byte{}, good...)
	binary.BigEndian.PutUint16(unknown[4:], 999) // ... and an unknown API key
	stream := bytes.NewReader(bytes.Join([][]byte{bad, unknown, good}, nil))
	var framer frame.Framer
	if _, err := framer.ReadRequest(stream); !errors.Is(err, serial.ErrTrailing) {
		t.Fatalf("bad body: %v", err)
	}
	if _, err := framer.ReadRequest(stream); !errors.Is(err, frame.ErrUnknownAPI) {
		t.Fatalf("unknown API: %v", err)
	}
	req, err := framer.ReadRequest(stream)
	if err != nil || req.Header.CorrelationId != 2 {
		t.Fatalf("the frame after two bad ones: %+v %v", req, err)
	}
}

// TestStalledPeerHonoursDeadline: a peer that sends half a frame and stalls does not
// hang the reader past the connection's deadline.
func TestStalledPeerHonoursDeadline(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	raw := metadataRequestFrame(t, 3)
	go func() { _, _ = client.Write(raw[:len(raw)/2]) }() // then nothing more
	if err := server.SetReadDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := frame.Framer{}.ReadRequest(server)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("stalled peer: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the read outlived its deadline by far: %v", d)
	}
}
