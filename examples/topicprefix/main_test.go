package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestTwoTenants starts the example's two tenants in front of kfake: each creates and
// produces to "x", and each sees only its own. (tests/proxysuite runs the full round,
// against real Kafka too.)
func TestTwoTenants(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, name := range []string{"a", "b"} {
		p, err := start(name, "127.0.0.1:0", c.ListenAddrs()[:1])
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		cl, err := kgo.NewClient(kgo.SeedBrokers(p.BootstrapAddr()))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		adm := kadm.NewClient(cl)
		if _, err := adm.CreateTopic(ctx, 1, 1, nil, "x"); err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "x", Value: []byte(name)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		topics, err := adm.ListTopics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := topics.Names(); !slices.Equal(got, []string{"x"}) {
			t.Errorf("tenant %s sees %v", name, got)
		}
	}
	direct, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	all, err := kadm.NewClient(direct).ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := all.Names(); !slices.Equal(got, []string{"a.x", "b.x"}) {
		t.Errorf("the cluster holds %v", got)
	}
}
