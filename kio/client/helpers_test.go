package client_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/internal/frametest"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// requestFrame encodes body at version as a whole request frame, with correlation id
// corr and a client id of its own.
func requestFrame(t *testing.T, body any, version int16, corr int32) []byte {
	t.Helper()
	return frametest.Request(t, body, version, corr, ptr("someone-else"))
}

// responseBody checks a response frame's correlation id and returns its body parsed as
// the API's response at v9, or nil after reporting why it does not parse.
func responseBody(t *testing.T, resp []byte, corr int32, apiKey int16) any {
	t.Helper()
	if id, _ := frame.PeekCorrelationID(resp); id != corr {
		t.Errorf("response correlation id %d, want the request's %d", id, corr)
	}
	r, err := frame.Framer{}.ParseResponse(resp, apiKey, 9)
	if err != nil {
		t.Error(err)
		return nil
	}
	return r.Body
}

// serve starts srv on a loopback listener until the test ends and returns its address.
var serve = conntest.Serve

// echoMux answers Metadata with the first requested topic's name as the cluster id,
// so a test can tell whose answer a caller got.
func echoMux() *server.Mux {
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		id := frametest.FirstTopic(body, "none")
		return &metadata.MetadataResponse{ClusterId: &id, ControllerId: common.BrokerId(req.Version())}, nil
	})
	return mux
}

// metadataFor asks for one topic, whose name the test servers answer with.
var metadataFor = frametest.Metadata

// recorder is a RawHandler that records the key and version of every frame and
// declines it.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (r *recorder) ServeKafkaFrame(_ context.Context, req *server.RawRequest) ([]byte, bool, error) {
	r.mu.Lock()
	r.seen = append(r.seen, strconv.Itoa(int(req.Key))+"v"+strconv.Itoa(int(req.Version)))
	r.mu.Unlock()
	return nil, false, nil
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

func ptr[T any](v T) *T { return &v }
