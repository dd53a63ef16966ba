package frame_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kio-go/kafka-protocol/kio/schema/heartbeat"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/controlledshutdown"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/schema/responseheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

func metadataRequest(version int16) *frame.Request {
	return &frame.Request{
		Header: requestheader.RequestHeader{RequestApiKey: 3, RequestApiVersion: version, CorrelationId: 42, ClientId: ptr("kio")},
		Body: &metadata.MetadataRequest{
			Topics:                 []metadata.MetadataRequestTopic{{Name: ptr(common.TopicName("foo"))}},
			AllowAutoTopicCreation: true,
		},
	}
}

// TestRequestRoundTrip writes requests, reads them back as a broker would (the API and
// version found from the header alone) and re-encodes them to the same bytes.
func TestRequestRoundTrip(t *testing.T) {
	var f frame.Framer
	for _, version := range []int16{0, 8, 9, 12} {
		req := metadataRequest(version)
		var buf bytes.Buffer
		if err := f.WriteRequest(&buf, req); err != nil {
			t.Fatalf("v%d: %v", version, err)
		}
		raw := bytes.Clone(buf.Bytes())
		got, err := f.ReadRequest(&buf)
		if err != nil {
			t.Fatalf("v%d: %v", version, err)
		}
		if diff := cmp.Diff(req, got, allExported); diff != "" {
			t.Errorf("v%d (-want +got):\n%s", version, diff)
		}
		again, err := f.AppendRequest(nil, got)
		if err != nil || !bytes.Equal(again, raw) {
			t.Errorf("v%d: re-encoded % x (%v), want % x", version, again, err, raw)
		}
		if _, err := f.ReadRequest(&buf); err != io.EOF {
			t.Errorf("v%d: read at the end of the stream: %v, want io.EOF", version, err)
		}
	}
}

// TestRequestFrameBytes checks a whole request frame against hand-written bytes: the
// size prefix, request header v1 (Metadata v8 is not flexible), then the body.
func TestRequestFrameBytes(t *testing.T) {
	want := cat(
		[]byte{0x00, 0x00, 0x00, 0x19},    // size: 25 bytes follow
		[]byte{0x00, 0x03},                // RequestApiKey 3
		[]byte{0x00, 0x08},                // RequestApiVersion 8
		[]byte{0x00, 0x00, 0x00, 0x2a},    // CorrelationId 42
		[]byte{0x00, 0x03}, []byte("kio"), // ClientId
		[]byte{0x00, 0x00, 0x00, 0x01},    // Topics: 1 element
		[]byte{0x00, 0x03}, []byte("foo"), //   Name
		[]byte{0x01}, // AllowAutoTopicCreation: true
		[]byte{0x00}, // IncludeClusterAuthorizedOperations: false
		[]byte{0x00}, // IncludeTopicAuthorizedOperations: false
	)
	var f frame.Framer
	got, err := f.AppendRequest([]byte("keep"), metadataRequest(8))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, append([]byte("keep"), want...)) {
		t.Errorf("frame:\n got % x\nwant keep+% x", got, want)
	}
	key, version, id, err := frame.PeekRequest(want)
	if key != 3 || version != 8 || id != 42 || err != nil {
		t.Errorf("PeekRequest = %d, %d, %d, %v", key, version, id, err)
	}
}

// metadataResponse returns a response holding only fields present at version (fields
// absent at a version would be dropped by the encoder, or refused), the rest at their
// defaults, as decoding gives them.
func metadataResponse(version int16) *metadata.MetadataResponse {
	resp := serial.Default[metadata.MetadataResponse]()
	resp.Brokers = []metadata.MetadataResponseBroker{{NodeId: 1, Host: "localhost", Port: 9092}}
	resp.ControllerId = 1
	if version >= 2 {
		resp.ClusterId = ptr("cluster")
	}
	if version >= 3 {
		resp.ThrottleTimeMs = 5
	}
	topic := serial.Default[metadata.MetadataResponseTopic]()
	topic.ErrorCode = common.UnknownTopicOrPartition
	topic.Name = ptr(common.TopicName("foo"))
	topic.Partitions = []metadata.MetadataResponsePartition{}
	resp.Topics = []metadata.MetadataResponseTopic{topic}
	return &resp
}

// TestResponseRoundTrip writes responses and reads them back as a client would, given
// the key and version of the request.
func TestResponseRoundTrip(t *testing.T) {
	var f frame.Framer
	for _, version := range []int16{1, 8, 9, 12} {
		resp := &frame.Response{Header: responseheader.ResponseHeader{CorrelationId: 9}, Body: metadataResponse(version)}
		var buf bytes.Buffer
		if err := f.WriteResponse(&buf, 3, version, resp); err != nil {
			t.Fatalf("v%d: %v", version, err)
		}
		raw := bytes.Clone(buf.Bytes())
		got, err := f.ReadResponse(&buf, 3, version)
		if err != nil {
			t.Fatalf("v%d: %v", version, err)
		}
		if diff := cmp.Diff(resp, got, allExported); diff != "" {
			t.Errorf("v%d (-want +got):\n%s", version, diff)
		}
		body := got.Body.(*metadata.MetadataResponse)
		if err := body.Topics[0].ErrorCode.Err(); !errors.Is(err, common.UnknownTopicOrPartition) {
			t.Errorf("topic error = %v", err)
		}
		again, err := f.AppendResponse(nil, 3, version, got)
		if err != nil || !bytes.Equal(again, raw) {
			t.Errorf("v%d: re-encoded % x (%v), want % x", version, again, err, raw)
		}
		id, err := frame.PeekCorrelationID(raw)
		if id != 9 || err != nil {
			t.Errorf("PeekCorrelationID = %d, %v", id, err)
		}
		// What follows the correlation id: header v1 (flexible versions) adds an empty
		// tagged-field section before the body's ThrottleTimeMs (5); v1 has no
		// ThrottleTimeMs and starts with the Brokers array (1 element).
		afterID := map[int16][]byte{
			1:  {0x00, 0x00, 0x00, 0x01},
			8:  {0x00, 0x00, 0x00, 0x05},
			9:  {0x00, 0x00, 0x00, 0x00, 0x05},
			12: {0x00, 0x00, 0x00, 0x00, 0x05},
		}[version]
		if !bytes.HasPrefix(raw[8:], afterID) {
			t.Errorf("v%d: bytes after the correlation id % x, want % x...", version, raw[8:8+len(afterID)], afterID)
		}
	}
}

// TestApiVersionsResponseHeaderV0: ApiVersions v3 is flexible, yet its response uses
// header v0 (no tagged-field section), so an old client can read the error code.
func TestApiVersionsResponseHeaderV0(t *testing.T) {
	want := cat(
		[]byte{0x00, 0x00, 0x00, 0x13},             // size: 19 bytes follow
		[]byte{0x00, 0x00, 0x00, 0x05},             // CorrelationId 5; header v0 ends here
		[]byte{0x00, 0x23},                         // ErrorCode: 35 (UNSUPPORTED_VERSION)
		[]byte{0x02},                               // ApiKeys: compact array, 1 element
		[]byte{0x00, 0x12, 0x00, 0x00, 0x00, 0x04}, //   ApiKey 18, MinVersion 0, MaxVersion 4
		[]byte{0x00},                               //   no tagged fields
		[]byte{0x00, 0x00, 0x00, 0x00},             // ThrottleTimeMs 0
		[]byte{0x00},                               // no tagged fields
	)
	resp := &frame.Response{
		Header: responseheader.ResponseHeader{CorrelationId: 5},
		Body: &apiversions.ApiVersionsResponse{
			ErrorCode:              common.UnsupportedVersion,
			ApiKeys:                []apiversions.ApiVersion{{ApiKey: 18, MinVersion: 0, MaxVersion: 4}},
			FinalizedFeaturesEpoch: -1,
			// Tagged, not on the wire: their default, the empty array.
			SupportedFeatures: []apiversions.SupportedFeatureKey{},
			FinalizedFeatures: []apiversions.FinalizedFeatureKey{},
		},
	}
	var f frame.Framer
	got, err := f.AppendResponse(nil, 18, 3, resp)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("frame:\n got % x\nwant % x", got, want)
	}
	back, err := f.ParseResponse(want, 18, 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(resp, back, allExported); diff != "" {
		t.Errorf("parse (-want +got):\n%s", diff)
	}
}

// TestApiVersionsFallbackToV0 reads a broker's answer to an ApiVersions request of a
// version it does not serve (KIP-511) as Java's ApiVersionsResponse.parse does: the
// body does not decode at the version asked for (or kio has no such version), so it is
// read at version 0.
func TestApiVersionsFallbackToV0(t *testing.T) {
	v0 := cat(
		[]byte{0x00, 0x00, 0x00, 0x10},             // size: 16 bytes follow
		[]byte{0x00, 0x00, 0x00, 0x07},             // CorrelationId 7
		[]byte{0x00, 0x23},                         // ErrorCode: 35 (UNSUPPORTED_VERSION)
		[]byte{0x00, 0x00, 0x00, 0x01},             // ApiKeys: int32 count 1 (version 0 is not flexible)
		[]byte{0x00, 0x12, 0x00, 0x00, 0x00, 0x04}, // ApiKey 18, MinVersion 0, MaxVersion 4
	)
	var f frame.Framer
	for _, asked := range []int16{0, 3, 4, 5, 99} {
		resp, version, err := f.ParseResponseVersion(v0, 18, asked)
		if err != nil {
			t.Fatalf("asked v%d: %v", asked, err)
		}
		if plain, err := f.ParseResponse(v0, 18, asked); err != nil || !reflect.DeepEqual(plain, resp) {
			t.Errorf("asked v%d: ParseResponse %+v, %v", asked, plain, err)
		}
		body := resp.Body.(*apiversions.ApiVersionsResponse)
		if version != 0 || resp.Header.CorrelationId != 7 || body.ErrorCode != common.UnsupportedVersion ||
			len(body.ApiKeys) != 1 || body.ApiKeys[0].MaxVersion != 4 {
			t.Errorf("asked v%d: version %d, %+v", asked, version, body)
		}
		again, err := f.AppendResponse(nil, 18, version, resp)
		if err != nil || !bytes.Equal(again, v0) {
			t.Errorf("asked v%d: re-encoded at v%d: % x, %v", asked, version, again, err)
		}
	}
	// A body that is neither what was asked for nor version 0 is an error about the
	// version asked for.
	bad := cat([]byte{0x00, 0x00, 0x00, 0x09}, []byte{0x00, 0x00, 0x00, 0x07}, []byte{0x00, 0x00, 0x7f, 0x00, 0x00})
	var fe *frame.FrameError
	if _, err := f.ParseResponse(bad, 18, 3); !errors.As(err, &fe) || fe.APIVersion != 3 {
		t.Errorf("garbage: %v", err)
	}
	if _, err := f.ParseResponse(v0, 18, -1); !errors.Is(err, frame.ErrUnsupportedVersion) {
		t.Errorf("negative version: %v", err)
	}
}

// TestControlledShutdownV0 checks the one request using header v0: no client id.
func TestControlledShutdownV0(t *testing.T) {
	want := cat(
		[]byte{0x00, 0x00, 0x00, 0x0c}, // size: 12 bytes follow
		[]byte{0x00, 0x07},             // RequestApiKey 7
		[]byte{0x00, 0x00},             // RequestApiVersion 0
		[]byte{0x00, 0x00, 0x00, 0x2a}, // CorrelationId 42; header v0 ends here
		[]byte{0x00, 0x00, 0x00, 0x05}, // BrokerId 5
	)
	var f frame.Framer
	req, err := f.ParseRequest(want)
	if err != nil {
		t.Fatal(err)
	}
	wantReq := &frame.Request{
		// ClientId is absent from header v0: it takes its implied default, "".
		Header: requestheader.RequestHeader{RequestApiKey: 7, RequestApiVersion: 0, CorrelationId: 42, ClientId: new(string)},
		Body:   &controlledshutdown.ControlledShutdownRequest{BrokerId: 5, BrokerEpoch: -1},
	}
	if diff := cmp.Diff(wantReq, req, allExported); diff != "" {
		t.Errorf("parse (-want +got):\n%s", diff)
	}
	got, err := f.AppendRequest(nil, req)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("re-encoded % x (%v), want % x", got, err, want)
	}
	// Version 1 uses header v1, which has the (here null) client id.
	req.Header.RequestApiVersion = 1
	req.Header.ClientId = nil
	got, err = f.AppendRequest(nil, req)
	if err != nil {
		t.Fatal(err)
	}
	wantV1 := cat(
		[]byte{0x00, 0x00, 0x00, 0x0e}, // size: 14
		[]byte{0x00, 0x07, 0x00, 0x01}, // key 7, version 1
		[]byte{0x00, 0x00, 0x00, 0x2a}, // CorrelationId 42
		[]byte{0xff, 0xff},             // ClientId: null (int16 length -1)
		[]byte{0x00, 0x00, 0x00, 0x05}, // BrokerId 5
	)
	if !bytes.Equal(got, wantV1) {
		t.Errorf("v1 frame:\n got % x\nwant % x", got, wantV1)
	}
}

// sizePrefix returns a frame's int32 size prefix.
func sizePrefix(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

// TestMaxFrameSize checks that oversized and negative size prefixes are refused before
// any buffer of that size is allocated.
func TestMaxFrameSize(t *testing.T) {
	var f frame.Framer
	huge := sizePrefix(0x7fffffff) // 2 GiB - 1
	var err error
	allocs := testing.AllocsPerRun(20, func() {
		_, err = f.ReadFrame(bytes.NewReader(huge))
	})
	var fe *frame.FrameError
	if !errors.Is(err, frame.ErrFrameTooLarge) || !errors.As(err, &fe) || fe.Size != 0x7fffffff || fe.Max != frame.DefaultMaxFrameSize {
		t.Fatalf("2 GiB prefix: err = %v", err)
	}
	if allocs > 4 {
		t.Errorf("refusing a 2 GiB prefix took %v allocations", allocs)
	}
	if bytesAllocated(func() { _, _ = f.ReadFrame(bytes.NewReader(huge)) }) > 1<<20 {
		t.Errorf("refusing a 2 GiB prefix allocated more than 1 MiB")
	}
	if _, err := f.ParseRequest(append(huge, 0, 3, 0, 0)); !errors.Is(err, frame.ErrFrameTooLarge) {
		t.Errorf("ParseRequest with a 2 GiB prefix: err = %v", err)
	}

	// Just above a configured maximum.
	small := frame.Framer{MaxFrameSize: 16}
	if _, err := small.ReadFrame(bytes.NewReader(append(sizePrefix(17), make([]byte, 17)...))); !errors.Is(err, frame.ErrFrameTooLarge) {
		t.Errorf("17 bytes over a 16-byte maximum: err = %v", err)
	}
	if raw, err := small.ReadFrame(bytes.NewReader(append(sizePrefix(16), make([]byte, 16)...))); err != nil || len(raw) != 20 {
		t.Errorf("16 bytes with a 16-byte maximum: %d bytes, %v", len(raw), err)
	}
	if _, err := small.AppendRequest(nil, metadataRequest(12)); !errors.Is(err, frame.ErrFrameTooLarge) {
		t.Errorf("writing a frame over the maximum: err = %v", err)
	}

	// Negative sizes.
	if _, err := f.ReadFrame(bytes.NewReader(sizePrefix(0xffffffff))); !errors.Is(err, frame.ErrNegativeFrameSize) {
		t.Errorf("size -1: err = %v", err)
	}
	if _, err := f.ParseRequest(sizePrefix(0x80000000)); !errors.Is(err, frame.ErrNegativeFrameSize) {
		t.Errorf("size -2^31: err = %v", err)
	}

	// A size under the maximum but without the bytes: memory grows with the bytes that
	// arrive, not with the prefix, beyond the first 4 MiB buffer.
	lying := append(sizePrefix(frame.DefaultMaxFrameSize), make([]byte, 100)...)
	if n := bytesAllocated(func() {
		if _, err := f.ReadFrame(bytes.NewReader(lying)); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("100 MiB prefix, 100 bytes: err = %v", err)
		}
	}); n > 5<<20 {
		t.Errorf("a 100 MiB prefix followed by 100 bytes allocated %d bytes", n)
	}
}

// bytesAllocated returns how many bytes fn allocated on the heap.
func bytesAllocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestLargeFrameGrows reads a frame bigger than the read chunk through a reader that
// returns few bytes at a time.
func TestLargeFrameGrows(t *testing.T) {
	payload := bytes.Repeat([]byte{0xab}, 300_000)
	stream := append(sizePrefix(uint32(len(payload))), payload...)
	var f frame.Framer
	raw, err := f.ReadFrame(io.MultiReader(bytes.NewReader(stream[:1000]), bytes.NewReader(stream[1000:])))
	if err != nil || !bytes.Equal(raw, stream) {
		t.Fatalf("read %d bytes, %v; want %d", len(raw), err, len(stream))
	}
}

// TestTruncatedStream cuts a valid frame at every length: reading must report
// io.ErrUnexpectedEOF in a *FrameError (io.EOF when nothing at all was read).
func TestTruncatedStream(t *testing.T) {
	var f frame.Framer
	raw, err := f.AppendRequest(nil, metadataRequest(12))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadRequest(bytes.NewReader(nil)); err != io.EOF {
		t.Errorf("empty stream: err = %v, want io.EOF", err)
	}
	for n := 1; n < len(raw); n++ {
		_, err := f.ReadRequest(bytes.NewReader(raw[:n]))
		var fe *frame.FrameError
		if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.As(err, &fe) {
			t.Errorf("stream cut at %d of %d bytes: err = %v", n, len(raw), err)
		}
	}
	// A frame whose size prefix is consistent but whose body is cut short.
	short := bytes.Clone(raw[:len(raw)-3])
	binary.BigEndian.PutUint32(short, uint32(len(short)-4))
	if _, err := f.ParseRequest(short); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("body cut short: err = %v", err)
	}
	// A frame longer than its size prefix says.
	long := append(bytes.Clone(raw), 0)
	if _, err := f.ParseRequest(long); !errors.Is(err, frame.ErrFrameSizeMismatch) {
		t.Errorf("frame longer than its prefix: err = %v", err)
	}
	// A response cut inside its body.
	resp := &frame.Response{Body: metadataResponse(12)}
	rframe, err := f.AppendResponse(nil, 3, 12, resp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadResponse(bytes.NewReader(rframe[:len(rframe)-1]), 3, 12); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("response cut short: err = %v", err)
	}
}

func TestUnknownAPIAndVersion(t *testing.T) {
	var f frame.Framer
	unknown := cat(sizePrefix(10), []byte{0x04, 0xd2, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff}) // key 1234, v3
	_, err := f.ParseRequest(unknown)
	var fe *frame.FrameError
	if !errors.Is(err, frame.ErrUnknownAPI) || !errors.As(err, &fe) || fe.APIKey != 1234 || fe.APIVersion != 3 ||
		!strings.Contains(err.Error(), "1234") {
		t.Errorf("unknown key: err = %v", err)
	}
	key, _, id, _ := frame.PeekRequest(unknown)
	if key != 1234 || id != 1 {
		t.Errorf("PeekRequest on an unknown API = key %d, id %d", key, id)
	}
	badVersion := cat(sizePrefix(10), []byte{0x00, 0x03, 0x00, 0x63, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff}) // Metadata v99
	if _, err := f.ParseRequest(badVersion); !errors.Is(err, frame.ErrUnsupportedVersion) || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("Metadata v99: err = %v", err)
	}
	if _, err := f.ParseResponse(cat(sizePrefix(4), []byte{0, 0, 0, 1}), 1234, 0); !errors.Is(err, frame.ErrUnknownAPI) {
		t.Errorf("response of an unknown API: err = %v", err)
	}
	req := metadataRequest(14)
	if _, err := f.AppendRequest(nil, req); !errors.Is(err, frame.ErrUnsupportedVersion) {
		t.Errorf("writing Metadata v14: err = %v", err)
	}
	req = metadataRequest(12)
	req.Body = &apiversions.ApiVersionsRequest{}
	if _, err := f.AppendRequest(nil, req); !errors.Is(err, frame.ErrBodyType) {
		t.Errorf("Metadata header with an ApiVersions body: err = %v", err)
	}
	req.Body = (*metadata.MetadataRequest)(nil)
	if _, err := f.AppendRequest(nil, req); !errors.Is(err, frame.ErrBodyType) {
		t.Errorf("nil body: err = %v", err)
	}
}

// TestInFlight matches responses to requests by correlation id, as a proxy does.
func TestInFlight(t *testing.T) {
	var f frame.Framer
	var inflight frame.InFlight
	reqFrame, err := f.AppendRequest(nil, metadataRequest(12))
	if err != nil {
		t.Fatal(err)
	}
	key, version, id, err := frame.PeekRequest(reqFrame)
	if err != nil {
		t.Fatal(err)
	}
	if err := inflight.Add(id, key, version); err != nil {
		t.Fatal(err)
	}
	if err := inflight.Add(id, key, version); !errors.Is(err, frame.ErrDuplicateCorrelationID) {
		t.Errorf("second Add of id %d: err = %v", id, err)
	}
	respFrame, err := f.AppendResponse(nil, 3, 12, &frame.Response{
		Header: responseheader.ResponseHeader{CorrelationId: id}, Body: metadataResponse(12)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := inflight.ParseResponse(f, respFrame)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := resp.Body.(*metadata.MetadataResponse); !ok || inflight.Len() != 0 {
		t.Errorf("response body %T, %d still in flight", resp.Body, inflight.Len())
	}
	if _, err := inflight.ParseResponse(f, respFrame); !errors.Is(err, frame.ErrUnknownCorrelationID) {
		t.Errorf("response without a request: err = %v", err)
	}
}

// TestEveryRequestVersionFrames writes a default request of every API at every version
// and reads it back through the index and its header, which exercises every header
// version choice.
func TestEveryRequestVersionFrames(t *testing.T) {
	var f frame.Framer
	frames := 0
	for _, a := range schema.APIs() {
		for v := a.Versions.Lo; v <= a.Versions.Hi; v++ {
			body := a.NewRequestBody()
			if err := serial.SetDefaults(body); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
			req := &frame.Request{Header: requestheader.RequestHeader{RequestApiKey: a.Key, RequestApiVersion: v, CorrelationId: int32(v)}, Body: body}
			raw, err := f.AppendRequest(nil, req)
			if err != nil {
				t.Errorf("%s v%d: %v", a, v, err)
				continue
			}
			got, err := f.ParseRequest(raw)
			if err != nil {
				t.Errorf("%s v%d: %v", a, v, err)
				continue
			}
			// Decoding fills nil arrays as empty ones, so compare re-encoded bytes, which
			// is what a proxy relies on, and the header exactly.
			again, err := f.AppendRequest(nil, got)
			if err != nil || !bytes.Equal(again, raw) {
				t.Errorf("%s v%d: re-encoded % x (%v), want % x", a, v, again, err, raw)
			}
			wantHeader := req.Header
			if a.RequestHeaderVersion(v) == 0 {
				wantHeader.ClientId = new(string) // absent from header v0: its implied default ""
			}
			if diff := cmp.Diff(wantHeader, got.Header, allExported); diff != "" {
				t.Errorf("%s v%d header (-want +got):\n%s", a, v, diff)
			}
			if reflect.TypeOf(got.Body) != reflect.PointerTo(a.Request) {
				t.Errorf("%s v%d: body %T", a, v, got.Body)
			}
			frames++
		}
	}
	if want := requestVersions(); frames != want {
		t.Errorf("%d request frames, want %d", frames, want)
	}
}

// TestBrokerCompatibleIgnoresTrailingBytes: Kafka's broker parses a request body and
// ignores what follows it in the frame (RequestChannel.Request calls
// RequestContext.parseRequest and never looks at the rest); the default Framer refuses
// those bytes, BrokerCompatible serves the request as the broker does.
func TestBrokerCompatibleIgnoresTrailingBytes(t *testing.T) {
	body := serial.Default[heartbeat.HeartbeatRequest]()
	body.GroupId, body.MemberId = "g", "m"
	req, err := frame.NewRequest(&body, 4, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := frame.Framer{}.AppendRequest(nil, req)
	if err != nil {
		t.Fatal(err)
	}
	raw = append(raw, 0xde, 0xad)
	binary.BigEndian.PutUint32(raw, uint32(len(raw)-4))
	if _, err := (frame.Framer{}).ParseRequest(raw); !errors.Is(err, serial.ErrTrailing) {
		t.Fatalf("strict Framer: %v, want ErrTrailing", err)
	}
	got, err := frame.Framer{BrokerCompatible: true}.ParseRequest(raw)
	if err != nil {
		t.Fatal(err)
	}
	if hb := got.Body.(*heartbeat.HeartbeatRequest); hb.GroupId != "g" || hb.MemberId != "m" {
		t.Fatalf("parsed %+v", hb)
	}
}
