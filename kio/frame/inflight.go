package frame

import (
	"errors"
	"fmt"
	"sync"

	"github.com/kio-go/kafka-protocol/kio/schema/produce"
)

// InFlight remembers the API key and version of requests awaiting a response, by
// correlation id, since a response frame carries only the correlation id. It is safe for
// concurrent use, e.g. by a proxy's client-to-broker and broker-to-client goroutines.
// Requests that get no response (Produce with acks=0) must not be added.
type InFlight struct {
	mu      sync.Mutex
	pending map[int32]inFlightRequest
}

type inFlightRequest struct{ apiKey, apiVersion int16 }

// ErrDuplicateCorrelationID is returned by InFlight.Add for an id already awaiting a response.
var ErrDuplicateCorrelationID = errors.New("correlation id already in flight")

// Add records a request sent with the given correlation id.
func (t *InFlight) Add(correlationID int32, apiKey, apiVersion int16) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.pending[correlationID]; ok {
		return fmt.Errorf("%w: %d", ErrDuplicateCorrelationID, correlationID)
	}
	if t.pending == nil {
		t.pending = map[int32]inFlightRequest{}
	}
	t.pending[correlationID] = inFlightRequest{apiKey, apiVersion}
	return nil
}

// Take returns and forgets the API key and version of the request with the given
// correlation id; ok is false if no such request is in flight.
func (t *InFlight) Take(correlationID int32) (apiKey, apiVersion int16, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.pending[correlationID]
	if ok {
		delete(t.pending, correlationID)
	}
	return r.apiKey, r.apiVersion, ok
}

// ErrUnknownCorrelationID is returned by InFlight.ParseResponse for a response whose
// correlation id matches no request in flight.
var ErrUnknownCorrelationID = errors.New("no request in flight with this correlation id")

// ParseResponse decodes a response frame (size prefix included) for the request in flight
// with the frame's correlation id, and forgets that request.
func (t *InFlight) ParseResponse(f Framer, frame []byte) (*Response, error) {
	id, err := PeekCorrelationID(frame)
	if err != nil {
		return nil, err
	}
	key, version, ok := t.Take(id)
	if !ok {
		return nil, frameError("parse response", -1, -1, fmt.Errorf("%w: %d", ErrUnknownCorrelationID, id))
	}
	return f.ParseResponse(frame, key, version)
}

// Len returns the number of requests in flight.
func (t *InFlight) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pending)
}

// ExpectsResponse reports whether a broker answers req: every request except a Produce
// with acks=0, which Kafka's broker never answers (not even with an error).
func ExpectsResponse(req *Request) bool {
	if req == nil || req.Header.RequestApiKey != produceKey {
		return true
	}
	switch b := req.Body.(type) {
	case *produce.ProduceRequest:
		return b.Acks != 0
	case produce.ProduceRequest:
		return b.Acks != 0
	}
	return true
}

// ExpectsResponseFrame is ExpectsResponse for a request frame (size prefix included).
// Only a Produce frame is read, and only as far as its acks: the header, then the
// transactional id (v3+), then acks, a prefix that every Produce version since v3 keeps,
// so a Produce of a version beyond kio's schema (a newer client's) is read too, as the
// flexible versions lay it out. A relay can then forward such a frame and know whether
// to wait for an answer.
func ExpectsResponseFrame(reqFrame []byte) (bool, error) {
	key, version, _, err := PeekRequest(reqFrame)
	if err != nil || key != produceKey {
		return true, err
	}
	if version < 0 {
		return true, frameError("peek request", key, version, ErrUnsupportedVersion)
	}
	acks, err := ProduceAcks(reqFrame)
	return acks != 0, err
}
