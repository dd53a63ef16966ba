package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kio-go/kafka-protocol/kio/schema/common"
)

func TestRunAgainstKfake(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(1, "words"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()

	// Twice: the second batch lands after the first and is fetched from its own offset.
	for _, offset := range []string{"0", "3"} {
		var out bytes.Buffer
		if err := run(&out, cluster.ListenAddrs()[0], "words"); err != nil {
			t.Fatal(err)
		}
		text := out.String()
		for _, want := range []string{
			"produced 3 records", "zstd", "to words/0 at offset " + offset,
			`key "en"  value "hello"`, `key "fr"  value "bonjour"`,
			`key "ja"  value "konnichiwa"  header script="romaji"`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("output lacks %q:\n%s", want, text)
			}
		}
		if got := strings.Count(text, "  offset "); got != 3 {
			t.Errorf("%d records fetched, want 3:\n%s", got, text)
		}
	}
}

func TestRunMissingTopic(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	err = run(new(bytes.Buffer), cluster.ListenAddrs()[0], "absent")
	if !errors.Is(err, common.UnknownTopicOrPartition) {
		t.Fatalf("missing topic: %v", err)
	}
}
