package main

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestPassThrough runs the example as main configures it, in front of kfake, and
// produces and consumes through it.
func TestPassThrough(t *testing.T) {
	p, err := newProxy("", "127.0.0.1:0", "", "", "", false, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(p.BootstrapAddr()), kgo.ConsumeTopics("demo"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "demo", Value: []byte("hello")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	fs := cl.PollFetches(ctx)
	if err := fs.Err0(); err != nil {
		t.Fatal(err)
	}
	if n := fs.NumRecords(); n != 1 {
		t.Fatalf("%d records", n)
	}
	if st := p.Stats(); st.Listeners != 3 || st.EndpointsRewritten == 0 {
		t.Errorf("stats %+v", st)
	}
}
