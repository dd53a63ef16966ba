package testkit_test

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

// TestCallRecordsWhatCompleted learns kfake's versions, calls Metadata at the newest
// common one and finds the pairs in the coverage, and nothing else.
func TestCallRecordsWhatCompleted(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	cov := &testkit.Coverage{}
	c := testkit.Dial(t, "broker", cluster.ListenAddrs()[0], "kio-testkit", cov)
	defer c.Close()

	supported := testkit.LearnVersions(t, c, 3)
	vs := testkit.Common(supported, metadata.APIKey)
	if len(vs) == 0 {
		t.Fatalf("no common Metadata version (kfake %v)", supported[metadata.APIKey])
	}
	v := vs[len(vs)-1]
	req := serial.Default[metadata.MetadataRequest]()
	resp := testkit.Call[metadata.MetadataResponse](t, c, v, &req)
	if len(resp.Brokers) != 1 {
		t.Errorf("Metadata v%d: %d brokers, want 1", v, len(resp.Brokers))
	}
	if !cov.Has("broker", metadata.APIKey, v) || !cov.Has("broker", 18, 3) || cov.Has("controller", metadata.APIKey, v) {
		t.Errorf("coverage %s", cov.Summary())
	}
	if keys, pairs := cov.Totals(); keys != 2 || pairs != 2 {
		t.Errorf("totals %d keys, %d pairs, want 2, 2: %s", keys, pairs, cov.Summary())
	}
}
