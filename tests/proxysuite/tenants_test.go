package proxysuite

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kio-go/kafka-protocol/examples/topicprefix/tenant"
	"github.com/kio-go/kafka-protocol/kio/proxy"
)

// tenantRound runs the topic-prefix example's filters for two tenants, "a" and "b", on
// one cluster: each creates topic "x" and one of its own, produces, consumes in group
// "g", commits, and calls the admin APIs the example covers; each sees exactly its own
// topics and groups, and the cluster holds them prefixed. direct is a client of the
// cluster that bypasses the proxies, for the cluster's side of the story.
func tenantRound(ctx context.Context, t *testing.T, g *guard, tl *tally, bootstrap string, direct *kadm.Client, rf int16, n int) {
	runs := startTenants(t, g, bootstrap, "a", "b")
	// The same round, step by step for both tenants.
	for _, r := range runs {
		for _, topic := range []string{r.shared, r.own} {
			if resp, err := r.adm.CreateTopic(ctx, 3, rf, nil, topic); err != nil || resp.Err != nil {
				t.Fatalf("tenant %s: create %s: %v %v", r.name, topic, err, resp.Err)
			}
		}
	}
	for _, r := range runs {
		produceAll(ctx, t, r.cl, r.shared, 0, n)
		tl.produced += n
	}
	for _, r := range runs {
		c := newClient(t, r.p.BootstrapAddr(), r.rec, kgo.ClientID("tenant-"+r.name+"-consumer"), kgo.ConsumeTopics(r.shared),
			kgo.ConsumerGroup("g"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		seen := consumeAll(ctx, t, c, r.shared, n)
		for i, k := range seen {
			if k != 1 {
				t.Errorf("tenant %s: record %d consumed %d times", r.name, i, k)
			}
		}
		tl.consumed += len(seen)
		if err := c.CommitUncommittedOffsets(ctx); err != nil {
			t.Errorf("tenant %s: commit: %v", r.name, err)
		}
		c.Close() // leaves the group
	}
	for _, r := range runs {
		r.checkOwnView(ctx, t, n)
		for _, a := range r.rec.around(g) {
			t.Errorf("tenant %s dialled broker %s itself", r.name, a)
		}
	}
	checkClusterPrefixed(ctx, t, direct)
	tl.clients["kgo"] = true
	tl.clients["kadm"] = true
}

// tenantRun is one tenant's side of a round: its proxy (the example's filters with the
// tenant's prefix) and a client through it.
type tenantRun struct {
	name   string
	p      *proxy.Proxy
	cl     *kgo.Client
	adm    *kadm.Client
	rec    *dialRecorder
	shared string // the topic every tenant names "x"
	own    string
}

// startTenants starts a proxy and a client for each tenant named.
func startTenants(t *testing.T, g *guard, bootstrap string, names ...string) []*tenantRun {
	var runs []*tenantRun
	for _, name := range names {
		r := &tenantRun{name: name, shared: "x", own: "only-" + name, rec: &dialRecorder{}}
		r.p = g.newProxy(t, "tenant-"+name, bootstrap, func(_ *proxy.Proxy, f *proxy.Filters) { tenant.Install(f, name+".") })
		r.cl = newClient(t, r.p.BootstrapAddr(), r.rec, kgo.ClientID("tenant-"+name))
		r.adm = kadm.NewClient(r.cl)
		runs = append(runs, r)
	}
	return runs
}

// checkOwnView requires the tenant to see its own topics, configs, end offsets, group
// and committed offsets only, and deletes its own topic.
func (r *tenantRun) checkOwnView(ctx context.Context, t *testing.T, n int) {
	topics, err := r.adm.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := topics.Names(); !slices.Equal(got, []string{r.own, r.shared}) {
		t.Errorf("tenant %s sees topics %v, want [%s %s]", r.name, got, r.own, r.shared)
	}
	cfgs, err := r.adm.DescribeTopicConfigs(ctx, r.shared)
	if err != nil || len(cfgs) != 1 || cfgs[0].Name != r.shared || cfgs[0].Err != nil {
		t.Errorf("tenant %s: describe configs of %s: %+v %v", r.name, r.shared, cfgs, err)
	}
	ends, err := r.adm.ListEndOffsets(ctx, r.shared)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	ends.Each(func(o kadm.ListedOffset) {
		if o.Topic != r.shared || o.Err != nil {
			t.Errorf("tenant %s: end offset %+v", r.name, o)
		}
		total += o.Offset
	})
	if total != int64(n) {
		t.Errorf("tenant %s: end offsets of %s sum to %d, want %d", r.name, r.shared, total, n)
	}
	offs, err := r.adm.FetchOffsets(ctx, "g")
	if err != nil {
		t.Fatalf("tenant %s: fetch offsets: %v", r.name, err)
	}
	var committed int64
	offs.Each(func(o kadm.OffsetResponse) {
		if o.Topic != r.shared {
			t.Errorf("tenant %s: group g has an offset for %s", r.name, o.Topic)
		}
		committed += o.At
	})
	if committed != int64(n) {
		t.Errorf("tenant %s: group g committed %d, want %d", r.name, committed, n)
	}
	groups, err := r.adm.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := groups.Groups(); !slices.Equal(got, []string{"g"}) {
		t.Errorf("tenant %s sees groups %v, want [g]", r.name, got)
	}
	described, err := r.adm.DescribeGroups(ctx, "g")
	if err != nil || described.Error() != nil {
		t.Errorf("tenant %s: describe group g: %v %v", r.name, err, described.Error())
	}
	if resp, err := r.adm.DeleteTopic(ctx, r.own); err != nil || resp.Err != nil {
		t.Errorf("tenant %s: delete %s: %v %v", r.name, r.own, err, resp.Err)
	}
}

// checkClusterPrefixed requires the cluster (read by direct, bypassing the proxies) to
// hold the tenants' topics and groups prefixed, and nothing unprefixed.
func checkClusterPrefixed(ctx context.Context, t *testing.T, direct *kadm.Client) {
	// The cluster's side: prefixed names, nothing else (a deletion takes a moment to
	// reach every broker of a cluster).
	var all kadm.TopicDetails
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var err error
		if all, err = direct.ListTopics(ctx); err != nil {
			t.Fatal(err)
		}
		if !all.Has("a.only-a") && !all.Has("b.only-b") || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range []string{"a.x", "b.x"} {
		if !all.Has(want) {
			t.Errorf("the cluster has no topic %s: %v", want, all.Names())
		}
	}
	for _, gone := range []string{"a.only-a", "b.only-b", "x", "only-a", "only-b"} {
		if all.Has(gone) {
			t.Errorf("the cluster has topic %s", gone)
		}
	}
	groups, err := direct.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"a.g", "b.g"} {
		if !slices.Contains(groups.Groups(), want) {
			t.Errorf("the cluster has no group %s: %v", want, groups.Groups())
		}
	}
}
