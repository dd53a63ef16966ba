package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// lockedBuffer is a bytes.Buffer safe for the tap's writer and the test's reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTap: kgo produces and consumes through kio tap in front of franz-go's kfake
// broker; the records arrive, and tap prints every frame, each response paired with its
// request.
func TestTap(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "tapped"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	upstream := cluster.ListenAddrs()[0]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	var df decodeFlags
	p, err := df.printer(&out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveTap(ctx, ln, upstream, p) }()

	// The client reaches the broker through the tap only for its bootstrap: kfake
	// advertises its own address, so the rest goes direct; what crossed the tap is
	// what it printed.
	cl, err := kgo.NewClient(kgo.SeedBrokers(ln.Addr().String()), kgo.ClientID("tap-test"), kgo.DefaultProduceTopic("tapped"))
	if err != nil {
		t.Fatal(err)
	}
	pctx, pcancel := context.WithTimeout(ctx, 20*time.Second)
	defer pcancel()
	if err := cl.ProduceSync(pctx, &kgo.Record{Value: []byte("through the tap")}).FirstErr(); err != nil {
		t.Fatalf("produce through the tap: %v", err)
	}
	cl.Close()
	time.Sleep(100 * time.Millisecond)
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	requests, responses := map[int32]string{}, map[int32]string{}
	sc := bufio.NewScanner(bytes.NewReader([]byte(out.String())))
	for sc.Scan() {
		var l decodedLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		if l.Error != "" || len(l.Notes) > 0 || l.Body == nil {
			t.Errorf("tap printed a frame it could not decode or pair: %s", sc.Text())
		}
		if l.Dir == "request" {
			requests[l.CorrelationID] = l.API
		} else {
			responses[l.CorrelationID] = l.API
		}
	}
	if len(requests) == 0 || len(requests) != len(responses) {
		t.Fatalf("tap printed %d requests and %d responses:\n%s", len(requests), len(responses), out.String())
	}
	for id, api := range requests {
		if responses[id] != api {
			t.Errorf("request %d (%s) answered by %q", id, api, responses[id])
		}
	}
	t.Logf("tap printed %d exchanges: %v", len(requests), requests)
}
