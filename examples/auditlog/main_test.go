package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// syncBuffer is a bytes.Buffer safe for the proxy's goroutines and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestAuditLog produces and consumes through the audit proxy and reads the log back:
// one JSON line per request frame, with the API, version and body.
func TestAuditLog(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(2), kfake.SeedTopics(2, "audited"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out syncBuffer
	p := newProxy(c.ListenAddrs()[:1], "127.0.0.1:0", &out)
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(p.BootstrapAddr()), kgo.ClientID("audited-client"), kgo.ConsumeTopics("audited"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "audited", Value: []byte("12345")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if fs := cl.PollFetches(ctx); fs.NumRecords() != 1 {
		t.Fatalf("%d records, %v", fs.NumRecords(), fs.Err0())
	}
	cl.Close()
	p.Close()
	apis := map[string]int{}
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader([]byte(out.String())))
	for sc.Scan() {
		var e struct {
			Entry
			Body json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if e.ClientID == nil || *e.ClientID != "audited-client" || e.API == "" || len(e.Body) == 0 {
			t.Errorf("line %s", sc.Text())
		}
		if e.API == "Produce" && !bytes.Contains(e.Body, []byte(`"RecordBytes":`)) {
			t.Errorf("produce line without its summary: %s", sc.Text())
		}
		apis[e.API]++
		lines++
	}
	if st := p.Stats(); int64(lines) != st.Requests {
		t.Errorf("%d lines for %d request frames", lines, st.Requests)
	}
	for _, want := range []string{"ApiVersions", "Metadata", "Produce", "Fetch"} {
		if apis[want] == 0 {
			t.Errorf("no %s line: %v", want, apis)
		}
	}
}
