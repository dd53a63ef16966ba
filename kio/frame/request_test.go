package frame_test

import (
	"errors"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/heartbeat"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
)

func TestNewRequest(t *testing.T) {
	for _, body := range []any{nil, 7, new(int), (*metadata.MetadataRequest)(nil)} {
		if _, err := frame.NewRequest(body, 4, 1, nil); !errors.Is(err, frame.ErrBodyType) {
			t.Errorf("NewRequest(%#v): %v, want ErrBodyType", body, err)
		}
	}
	id := "c"
	req, err := frame.NewRequest(&heartbeat.HeartbeatRequest{GroupId: "g"}, 4, 9, &id)
	if err != nil {
		t.Fatal(err)
	}
	if h := req.Header; h.RequestApiKey != heartbeat.APIKey || h.RequestApiVersion != 4 || h.CorrelationId != 9 || h.ClientId != &id {
		t.Errorf("header %+v", h)
	}
	if _, err := (frame.Framer{}).AppendRequest(nil, req); err != nil {
		t.Fatal(err)
	}
	// A value body, as AppendRequest takes one: the same frame as through a pointer.
	byValue, err := frame.NewRequest(heartbeat.HeartbeatRequest{GroupId: "g"}, 4, 9, &id)
	if err != nil {
		t.Fatal(err)
	}
	f1, err1 := (frame.Framer{}).AppendRequest(nil, req)
	f2, err2 := (frame.Framer{}).AppendRequest(nil, byValue)
	if err1 != nil || err2 != nil || string(f1) != string(f2) {
		t.Errorf("value body frames % x (%v), pointer body % x (%v)", f2, err2, f1, err1)
	}
	for _, body := range []any{&heartbeat.HeartbeatResponse{}, heartbeat.HeartbeatResponse{}} {
		if _, err := frame.NewRequest(body, 4, 1, nil); !errors.Is(err, frame.ErrBodyType) {
			t.Errorf("a response body %T: %v", body, err)
		}
	}
	if _, err := frame.NewRequest(&heartbeat.HeartbeatRequest{}, 99, 1, nil); !errors.Is(err, frame.ErrUnsupportedVersion) {
		t.Errorf("version 99: %v", err)
	}
}

func TestExpectsResponse(t *testing.T) {
	id := "c"
	for _, c := range []struct {
		body    any
		version int16
		want    bool
	}{
		{&produce.ProduceRequest{Acks: 0}, 3, false},
		{&produce.ProduceRequest{Acks: 0}, 9, false}, // flexible: compact transactional id before acks
		{&produce.ProduceRequest{Acks: 0}, 0, false}, // no transactional id at all
		{produce.ProduceRequest{Acks: 0}, 11, false}, // a value body
		{&produce.ProduceRequest{Acks: 1}, 9, true},
		{&produce.ProduceRequest{Acks: -1, TransactionalId: ptr(common.TransactionalId("tx"))}, 11, true},
		{&metadata.MetadataRequest{}, 12, true},
	} {
		req, err := frame.NewRequest(c.body, c.version, 1, &id)
		if err != nil {
			t.Fatal(err)
		}
		if got := frame.ExpectsResponse(req); got != c.want {
			t.Errorf("%T v%d: ExpectsResponse %v, want %v", c.body, c.version, got, c.want)
		}
		raw, err := frame.Framer{}.AppendRequest(nil, req)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := frame.ExpectsResponseFrame(raw); got != c.want || err != nil {
			t.Errorf("%T v%d: ExpectsResponseFrame %v, %v; want %v", c.body, c.version, got, err, c.want)
		}
	}
	if got, err := frame.ExpectsResponseFrame([]byte{0, 0, 0, 2, 0, 0}); err == nil || !got {
		t.Errorf("a truncated frame: %v, %v", got, err)
	}
	if !frame.ExpectsResponse(nil) {
		t.Error("ExpectsResponse(nil) is false")
	}
	// A Produce beyond kio's schema (a newer client's v99) is read as the flexible
	// versions lay it out: header v2, a compact transactional id, then acks.
	for acks, want := range map[int16]bool{0: false, 1: true, -1: true} {
		v99 := []byte{0, 0, 0, 0, 0, 0, 0, 99, 0, 0, 0, 4, 0, 1, 't', 0, // header v2
			3, 't', 'x', // transactional id "tx" (compact)
			byte(uint16(acks) >> 8), byte(acks), 0, 0, 0x3a, 0x98, 1, 0}
		v99[3] = byte(len(v99) - 4)
		if got, err := frame.ExpectsResponseFrame(v99); got != want || err != nil {
			t.Errorf("Produce v99 with acks %d: %v, %v; want %v", acks, got, err, want)
		}
	}
}
