package realclients

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Beyond the required operations, a transactional consume-transform-produce with kgo and
// a sweep of kadm's other admin calls put more APIs on the wire for the proxy to check.
// Their results are checked where kfake's answer is certain; elsewhere only that the
// request was answered, since the point is the bytes.

const (
	realClientsTxnTopic = "rc-txn"
	realClientsTxnID    = "rc-txn-id"
	realClientsTxnGroup = "rc-txn-group"
)

// realClientsKgoTxn reads the "none" topic in a group transaction session and copies its
// records to the txn topic, committing the group's offsets inside the transaction:
// InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn.
func realClientsKgoTxn(ctx context.Context, t *testing.T, addr string) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	source := realClientsKgoTopic(realClientsCodecs[0])
	sess, err := kgo.NewGroupTransactSession(realClientsKgoOpts(addr, "kgo",
		kgo.TransactionalID(realClientsTxnID),
		kgo.DefaultProduceTopic(realClientsTxnTopic),
		kgo.ConsumerGroup(realClientsTxnGroup),
		kgo.ConsumeTopics(source),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)...)
	if err != nil {
		t.Fatalf("NewGroupTransactSession: %v", err)
	}
	defer sess.Close()

	var recs []*kgo.Record
	for len(recs) < realClientsPerCodec && ctx.Err() == nil {
		fs := sess.PollFetches(ctx)
		fs.EachError(func(topic string, p int32, err error) {
			if ctx.Err() == nil {
				t.Errorf("fetch %s/%d: %v", topic, p, err)
			}
		})
		recs = append(recs, fs.Records()...)
	}
	if len(recs) < realClientsPerCodec {
		t.Fatalf("transaction session read %d records, want %d: %v", len(recs), realClientsPerCodec, ctx.Err())
	}
	if err := sess.Begin(); err != nil {
		t.Fatalf("Begin: %v", err)
	}
	var out []*kgo.Record
	for _, r := range recs {
		out = append(out, &kgo.Record{Key: r.Key, Value: r.Value})
	}
	if err := sess.ProduceSync(ctx, out...).FirstErr(); err != nil {
		t.Fatalf("transactional produce: %v", err)
	}
	committed, err := sess.End(ctx, kgo.TryCommit)
	if err != nil || !committed {
		t.Fatalf("End: committed %v, err %v", committed, err)
	}
}

// realClientsKadmSweep issues kadm's other calls against the txn topic and the groups.
func realClientsKadmSweep(ctx context.Context, t *testing.T, adm *kadm.Client) {
	txnSet := kadm.TopicsSet{}
	txnSet.Add(realClientsTxnTopic, 0)

	if _, err := adm.ApiVersions(ctx); err != nil {
		t.Errorf("ApiVersions: %v", err)
	}
	if parts, err := adm.CreatePartitions(ctx, 1, realClientsTxnTopic); err != nil || parts.Error() != nil {
		t.Errorf("CreatePartitions: %v %v", err, parts.Error())
	}

	retention := "3600000"
	altered, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{
		{Op: kadm.SetConfig, Name: "retention.ms", Value: &retention},
	}, realClientsTxnTopic)
	if err != nil || len(altered) != 1 || altered[0].Err != nil {
		t.Errorf("AlterTopicConfigs: %v %+v", err, altered)
	}
	configs, err := adm.DescribeTopicConfigs(ctx, realClientsTxnTopic)
	if err != nil {
		t.Errorf("DescribeTopicConfigs: %v", err)
	} else if c, err := configs.On(realClientsTxnTopic, nil); err != nil {
		t.Errorf("DescribeTopicConfigs %s: %v", realClientsTxnTopic, err)
	} else {
		found := false
		for _, kv := range c.Configs {
			found = found || kv.Key == "retention.ms" && kv.MaybeValue() == retention
		}
		if !found {
			t.Errorf("retention.ms of %s is not %s after altering it", realClientsTxnTopic, retention)
		}
	}

	// The transaction wrote six records and a commit marker to partition 0.
	var cut kadm.Offsets
	cut.AddOffset(realClientsTxnTopic, 0, 1, -1)
	if deleted, err := adm.DeleteRecords(ctx, cut); err != nil || deleted.Error() != nil {
		t.Errorf("DeleteRecords: %v %v", err, deleted.Error())
	}
	if starts, err := adm.ListStartOffsets(ctx, realClientsTxnTopic); err != nil {
		t.Errorf("ListStartOffsets: %v", err)
	} else if o, ok := starts.Lookup(realClientsTxnTopic, 0); !ok || o.Offset != 1 {
		t.Errorf("start offset of %s/0 after DeleteRecords: %+v, want 1", realClientsTxnTopic, o)
	}
	if _, err := adm.ListMaxTimestampOffsets(ctx, realClientsTxnTopic); err != nil {
		t.Errorf("ListMaxTimestampOffsets: %v", err)
	}
	if _, err := adm.ListOffsetsAfterMilli(ctx, time.Now().Add(-time.Hour).UnixMilli(), realClientsTxnTopic); err != nil {
		t.Errorf("ListOffsetsAfterMilli: %v", err)
	}

	var epochs kadm.OffsetForLeaderEpochRequest
	epochs.Add(realClientsTxnTopic, 0, 0)
	if _, err := adm.OffsetForLeaderEpoch(ctx, epochs); err != nil {
		t.Errorf("OffsetForLeaderEpoch: %v", err)
	}
	if _, err := adm.ElectLeaders(ctx, kadm.ElectPreferredReplica, txnSet); err != nil {
		t.Errorf("ElectLeaders: %v", err)
	}
	if _, err := adm.ListPartitionReassignments(ctx, txnSet); err != nil {
		t.Errorf("ListPartitionReassignments: %v", err)
	}
	if _, err := adm.DescribeAllLogDirs(ctx, txnSet); err != nil {
		t.Errorf("DescribeAllLogDirs: %v", err)
	}
	if _, err := adm.DescribeClientQuotas(ctx, false, nil); err != nil {
		t.Errorf("DescribeClientQuotas: %v", err)
	}
	if _, err := adm.DescribeUserSCRAMs(ctx); err != nil {
		t.Errorf("DescribeUserSCRAMs: %v", err)
	}

	if _, err := adm.DescribeProducers(ctx, txnSet); err != nil {
		t.Errorf("DescribeProducers: %v", err)
	}
	if txns, err := adm.DescribeTransactions(ctx, realClientsTxnID); err != nil {
		t.Errorf("DescribeTransactions: %v", err)
	} else if d, ok := txns[realClientsTxnID]; !ok || d.Err != nil {
		t.Errorf("DescribeTransactions %s: %+v", realClientsTxnID, d)
	}
	if listed, err := adm.ListTransactions(ctx, nil, nil); err != nil {
		t.Errorf("ListTransactions: %v", err)
	} else if _, ok := listed[realClientsTxnID]; !ok {
		t.Errorf("ListTransactions lacks %s: %+v", realClientsTxnID, listed)
	}

	// The transaction committed the session group's offsets: six records of the source.
	if offs, err := adm.FetchOffsets(ctx, realClientsTxnGroup); err != nil {
		t.Errorf("FetchOffsets %s: %v", realClientsTxnGroup, err)
	} else if n := realClientsSumOffsets(offs); n != realClientsPerCodec {
		t.Errorf("group %s committed %d records in its transaction, want %d", realClientsTxnGroup, n, realClientsPerCodec)
	}

	// A KIP-848 describe of classic groups: answered, with a per-group error.
	if _, err := adm.DescribeConsumerGroups(ctx, realClientsKgoGroup); err != nil {
		t.Logf("DescribeConsumerGroups (KIP-848) of a classic group: %v", err)
	}

	deleteOffsets := kadm.TopicsSet{}
	deleteOffsets.Add(realClientsKgoTopic(realClientsCodecs[0]), 0)
	if resps, err := adm.DeleteOffsets(ctx, realClientsKgoGroup, deleteOffsets); err != nil || resps.Error() != nil {
		t.Errorf("DeleteOffsets: %v %v", err, resps.Error())
	}
	groups := []string{realClientsKgoGroup, realClientsTxnGroup}
	if realClientsHaveKcat() {
		groups = append(groups, realClientsKcatGroup)
	}
	if resps, err := adm.DeleteGroups(ctx, groups...); err != nil || resps.Error() != nil {
		t.Errorf("DeleteGroups: %v %v", err, resps.Error())
	}
}
