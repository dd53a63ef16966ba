package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/createtopics"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
)

// TestAgainstKfake: franz-go's in-process fake broker as the peer. The client lands
// on the newest version both serve for every API, and a topic is created, produced to
// and fetched from, each call at its negotiated version.
func TestAgainstKfake(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := conntest.Dial(t, ctx, cluster.ListenAddrs()[0])

	negotiated := c.Negotiated()
	for _, k := range c.APIVersions().ApiKeys {
		api, known := schema.Lookup(k.ApiKey)
		if !known {
			continue
		}
		hi := api.Versions.Hi
		if api.Unstable.Lo <= api.Unstable.Hi {
			hi = api.Unstable.Lo - 1 // Kafka's clients leave unstable versions out, and so does kio
		}
		want := min(hi, k.MaxVersion)
		if got, ok := negotiated[k.ApiKey]; want >= max(api.Versions.Lo, k.MinVersion) && (!ok || got != want) {
			t.Errorf("%s: negotiated %d (%v), want %d", api.Name, got, ok, want)
		}
	}
	if len(negotiated) < 20 {
		t.Errorf("only %d APIs negotiated", len(negotiated))
	}

	ct, err := client.Call[createtopics.CreateTopicsResponse](ctx, c, &createtopics.CreateTopicsRequest{
		TimeoutMs: 5000, Topics: []createtopics.CreatableTopic{{Name: "kio-conn", NumPartitions: 1, ReplicationFactor: 1}}})
	if err != nil || len(ct.Topics) != 1 || ct.Topics[0].ErrorCode != 0 {
		t.Fatalf("CreateTopics: %+v, %v", ct, err)
	}
	topicID := ct.Topics[0].TopicId
	if topicID.IsZero() {
		md, err := client.Call[metadata.MetadataResponse](ctx, c, metadataFor("kio-conn"))
		if err != nil || len(md.Topics) != 1 {
			t.Fatalf("Metadata: %v", err)
		}
		topicID = md.Topics[0].TopicId
	}

	batch, err := records.AppendBatch(nil, records.NewBatch(
		records.Record{Key: []byte("k1"), Value: []byte("v1")}, records.Record{Key: []byte("k2"), Value: []byte("v2")}))
	if err != nil {
		t.Fatal(err)
	}
	pr, err := client.Call[produce.ProduceResponse](ctx, c, &produce.ProduceRequest{Acks: -1, TimeoutMs: 5000,
		TopicData: []produce.TopicProduceData{{Name: "kio-conn", TopicId: topicID,
			PartitionData: []produce.PartitionProduceData{{Index: 0, Records: batch}}}}})
	if err != nil || len(pr.Responses) != 1 || pr.Responses[0].PartitionResponses[0].ErrorCode != 0 {
		t.Fatalf("Produce: %+v, %v", pr, err)
	}

	fr, err := client.Call[fetch.FetchResponse](ctx, c, &fetch.FetchRequest{ReplicaId: -1, MaxWaitMs: 100, MinBytes: 1,
		MaxBytes: 1 << 20, SessionEpoch: -1, ReplicaState: fetch.ReplicaState{ReplicaId: -1, ReplicaEpoch: -1},
		Topics: []fetch.FetchTopic{{Topic: "kio-conn", TopicId: topicID, Partitions: []fetch.FetchPartition{{
			CurrentLeaderEpoch: -1, LastFetchedEpoch: -1, LogStartOffset: -1, PartitionMaxBytes: 1 << 20}}}}})
	if err != nil || len(fr.Responses) != 1 || fr.Responses[0].Partitions[0].ErrorCode != 0 {
		t.Fatalf("Fetch: %+v, %v", fr, err)
	}
	s := records.NewScanner(fr.Responses[0].Partitions[0].Records)
	var got []string
	for s.Next() {
		for _, r := range s.Batch().Records {
			got = append(got, string(r.Key)+"="+string(r.Value))
		}
	}
	if err := s.Err(); err != nil || len(got) != 2 || got[0] != "k1=v1" || got[1] != "k2=v2" {
		t.Errorf("fetched %v, %v", got, err)
	}
	v, _ := c.Version(fetch.APIKey)
	t.Logf("%d APIs negotiated with kfake; Fetch at v%d", len(negotiated), v)
}
