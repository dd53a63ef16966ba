package server_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/initproducerid"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// codedMux answers every request of the APIs it serves with an error carrying a code:
// InitProducerId and Fetch have a top-level ErrorCode, Produce has none, Metadata has
// one from v13.
func codedMux() *server.Mux {
	mux := server.NewMux()
	server.Handle(mux, func(context.Context, *server.Request, *initproducerid.InitProducerIdRequest) (*initproducerid.InitProducerIdResponse, error) {
		return nil, fmt.Errorf("coordinator still loading: %w", common.CoordinatorLoadInProgress)
	})
	server.Handle(mux, func(context.Context, *server.Request, *fetch.FetchRequest) (*fetch.FetchResponse, error) {
		return nil, common.FetchSessionIdNotFound
	})
	server.Handle(mux, func(context.Context, *server.Request, *produce.ProduceRequest) (*produce.ProduceResponse, error) {
		return nil, common.NotLeaderOrFollower
	})
	server.Handle(mux, func(_ context.Context, _ *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		if len(body.Topics) > 0 && *body.Topics[0].Name == "plain" {
			return nil, errors.New("no code") // closes, at any version
		}
		return nil, common.UnknownServerError
	})
	return mux
}

// TestErrorCodeAnswered: a handler's error carrying a code is answered with that code
// in the top-level ErrorCode, the rest at its spec defaults, and the connection serves
// on; where the response has no top-level ErrorCode at the version, or the error
// carries no code, the connection closes with a *HandlerError as before.
func TestErrorCodeAnswered(t *testing.T) {
	ctx := context.Background()
	cl := newCloses()
	addr := start(t, &server.Server{Handler: codedMux(), OnClose: cl.onClose})
	c := conntest.Dial(t, ctx, addr)
	for range 2 { // the connection serves on after each
		ip, err := client.Call[initproducerid.InitProducerIdResponse](ctx, c, &initproducerid.InitProducerIdRequest{TransactionTimeoutMs: 1000})
		if err != nil || ip.ErrorCode != common.CoordinatorLoadInProgress || ip.ProducerId != -1 || ip.OngoingTxnProducerId != -1 {
			t.Fatalf("InitProducerId: %+v %v, want COORDINATOR_LOAD_IN_PROGRESS and producer ids -1 (their spec defaults)", ip, err)
		}
		f, err := c.CallVersion(ctx, &fetch.FetchRequest{SessionId: 7, ReplicaId: -1}, 12)
		if fr, ok := f.(*fetch.FetchResponse); err != nil || !ok || fr.ErrorCode != common.FetchSessionIdNotFound {
			t.Fatalf("Fetch v12: %+v %v, want FETCH_SESSION_ID_NOT_FOUND", f, err)
		}
		m, err := c.CallVersion(ctx, metadataFor("x"), 13)
		if mr, ok := m.(*metadata.MetadataResponse); err != nil || !ok || mr.ErrorCode != common.UnknownServerError {
			t.Fatalf("Metadata v13: %+v %v, want UNKNOWN_SERVER_ERROR", m, err)
		}
	}
	for _, call := range []struct {
		name string
		body any
		v    int16
		want error
	}{
		{"Metadata v12 (no top-level ErrorCode)", metadataFor("x"), 12, common.UnknownServerError},
		{"Produce (per-partition codes only)", &produce.ProduceRequest{Acks: 1}, 9, common.NotLeaderOrFollower},
		{"Fetch v6 (no top-level ErrorCode)", &fetch.FetchRequest{ReplicaId: -1}, 6, common.FetchSessionIdNotFound},
		{"an error without a code", metadataFor("plain"), 13, nil},
	} {
		c, err := client.Dial(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CallVersion(ctx, call.body, call.v); !errors.Is(err, client.ErrClosed) {
			t.Errorf("%s: %v, want the connection closed", call.name, err)
		}
		var he *server.HandlerError
		if err := cl.next(t); !errors.As(err, &he) || (call.want != nil && !errors.Is(err, call.want)) {
			t.Errorf("%s: closed with %v, want a *HandlerError with %v", call.name, err, call.want)
		}
		c.Close()
	}
	select {
	case err := <-cl.ch:
		t.Errorf("a connection closed with %v", err)
	default:
	}
}

// TestKgoCarriesOnAfterACode: franz-go's idempotent producer gets
// COORDINATOR_LOAD_IN_PROGRESS from InitProducerId twice, as from a broker still
// loading, retries (no connection closes: it read the codes) and produces.
func TestKgoCarriesOnAfterACode(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, portText, _ := net.SplitHostPort(ln.Addr().String())
	port, _ := strconv.Atoi(portText)
	var inits, produced atomic.Int32
	mux := server.NewMux()
	server.Handle(mux, func(_ context.Context, _ *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		resp := &metadata.MetadataResponse{Brokers: []metadata.MetadataResponseBroker{{NodeId: 0, Host: host, Port: int32(port)}}}
		for _, tp := range body.Topics {
			resp.Topics = append(resp.Topics, metadata.MetadataResponseTopic{Name: tp.Name,
				Partitions: []metadata.MetadataResponsePartition{{LeaderEpoch: -1, ReplicaNodes: []common.BrokerId{0}, IsrNodes: []common.BrokerId{0}}}})
		}
		return resp, nil
	})
	server.Handle(mux, func(context.Context, *server.Request, *initproducerid.InitProducerIdRequest) (*initproducerid.InitProducerIdResponse, error) {
		if inits.Add(1) <= 2 {
			return nil, fmt.Errorf("loading: %w", common.CoordinatorLoadInProgress)
		}
		return &initproducerid.InitProducerIdResponse{ProducerId: 42}, nil
	})
	server.Handle(mux, func(_ context.Context, _ *server.Request, body *produce.ProduceRequest) (*produce.ProduceResponse, error) {
		resp := &produce.ProduceResponse{}
		for _, tp := range body.TopicData {
			tr := produce.TopicProduceResponse{Name: tp.Name}
			for _, p := range tp.PartitionData {
				tr.PartitionResponses = append(tr.PartitionResponses, produce.PartitionProduceResponse{Index: p.Index, BaseOffset: int64(produced.Add(1) - 1), LogAppendTimeMs: -1})
			}
			resp.Responses = append(resp.Responses, tr)
		}
		return resp, nil
	})
	cl := newCloses()
	srv := &server.Server{Handler: mux, OnClose: cl.onClose}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	kc, err := kgo.NewClient(kgo.SeedBrokers(ln.Addr().String()), kgo.DefaultProduceTopic("t"))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := kc.ProduceSync(ctx, &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatalf("produce after the coded answers: %v", err)
	}
	if n := inits.Load(); n != 3 {
		t.Errorf("InitProducerId handled %d times, want 3 (two codes, then an id)", n)
	}
	select {
	case err := <-cl.ch:
		t.Errorf("a connection closed with %v while kgo retried", err)
	default:
	}
}
