package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kio-go/kafka-protocol/kio/client"
)

func TestRunAgainstKfake(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(2), kfake.ClusterID("example-cluster"),
		kfake.SeedTopics(2, "alpha"), kfake.SeedTopics(1, "beta"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	addr := cluster.ListenAddrs()[0]

	for _, tc := range []struct {
		version int16
		topics  []string
		want    []string // substrings of the output
		rows    int      // rows of the topic table: one per partition or failed topic
		healthy int      // rows whose error is NONE
	}{
		{-1, nil, []string{"Metadata v13", "example-cluster", "alpha ", "beta ", addr}, 3, 3},
		{12, nil, []string{"example-cluster", "alpha ", "beta ", addr}, 3, 3},
		{9, []string{"beta", "gamma"}, []string{"example-cluster", "beta ", "gamma ", "UNKNOWN_TOPIC_OR_PARTITION"}, 2, 1},
		{0, []string{"alpha"}, []string{"null", "alpha "}, 2, 2}, // v0: no cluster id
	} {
		var out bytes.Buffer
		if err := run(&out, &client.Dialer{}, addr, tc.version, tc.topics); err != nil {
			t.Fatalf("v%d: %v", tc.version, err)
		}
		text := out.String()
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("v%d: output lacks %q:\n%s", tc.version, w, text)
			}
		}
		_, table, _ := strings.Cut(text, "\nTOPIC")
		if rows := strings.Count(table, "\n") - 1; rows != tc.rows {
			t.Errorf("v%d: %d topic rows, want %d:\n%s", tc.version, rows, tc.rows, text)
		}
		if healthy := strings.Count(table, " NONE\n"); healthy != tc.healthy {
			t.Errorf("v%d: %d rows without error, want %d:\n%s", tc.version, healthy, tc.healthy, text)
		}
	}
}

func TestRunRejectsUnknownVersion(t *testing.T) {
	// No broker is contacted: the version is checked against kio's index first.
	if err := run(new(bytes.Buffer), &client.Dialer{}, "127.0.0.1:1", 14, nil); err == nil || !strings.Contains(err.Error(), "0-13") {
		t.Fatalf("version 14: %v, want an error naming the versions 0-13", err)
	}
	if err := serve(&client.Dialer{}, "127.0.0.1:1", 1<<16, nil); err == nil {
		t.Fatal("version 65536 accepted")
	}
}
