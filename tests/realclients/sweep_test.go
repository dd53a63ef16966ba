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
	txnTopic = "rc-txn"
	txnID    = "rc-txn-id"
	txnGroup = "rc-txn-group"
)

// kgoTransaction reads the "none" topic in a group transaction session and copies its
// records to the txn topic, committing the group's offsets inside the transaction:
// InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn.
func kgoTransaction(ctx context.Context, t *testing.T, addr string) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	source := kgoTopic(allCodecs[0])
	sess, err := kgo.NewGroupTransactSession(kgoOpts(addr, "kgo",
		kgo.TransactionalID(txnID),
		kgo.DefaultProduceTopic(txnTopic),
		kgo.ConsumerGroup(txnGroup),
		kgo.ConsumeTopics(source),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)...)
	if err != nil {
		t.Fatalf("NewGroupTransactSession: %v", err)
	}
	defer sess.Close()

	recs := poll(ctx, t, sess, perCodec)
	if len(recs) < perCodec {
		t.FailNow() // poll said how many the transaction session read
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

// kadmSweep issues kadm's other calls against the txn topic and the groups.
func kadmSweep(ctx context.Context, t *testing.T, adm *kadm.Client) {
	txnSet := kadm.TopicsSet{}
	txnSet.Add(txnTopic, 0)

	if _, err := adm.ApiVersions(ctx); err != nil {
		t.Errorf("ApiVersions: %v", err)
	}
	if parts, err := adm.CreatePartitions(ctx, 1, txnTopic); err != nil || parts.Error() != nil {
		t.Errorf("CreatePartitions: %v %v", err, parts.Error())
	}

	retention := "3600000"
	altered, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{
		{Op: kadm.SetConfig, Name: "retention.ms", Value: &retention},
	}, txnTopic)
	if err != nil || len(altered) != 1 || altered[0].Err != nil {
		t.Errorf("AlterTopicConfigs: %v %+v", err, altered)
	}
	configs, err := adm.DescribeTopicConfigs(ctx, txnTopic)
	if err != nil {
		t.Errorf("DescribeTopicConfigs: %v", err)
	} else if c, err := configs.On(txnTopic, nil); err != nil {
		t.Errorf("DescribeTopicConfigs %s: %v", txnTopic, err)
	} else {
		found := false
		for _, kv := range c.Configs {
			found = found || kv.Key == "retention.ms" && kv.MaybeValue() == retention
		}
		if !found {
			t.Errorf("retention.ms of %s is not %s after altering it", txnTopic, retention)
		}
	}

	// The transaction wrote six records and a commit marker to partition 0.
	var cut kadm.Offsets
	cut.AddOffset(txnTopic, 0, 1, -1)
	if deleted, err := adm.DeleteRecords(ctx, cut); err != nil || deleted.Error() != nil {
		t.Errorf("DeleteRecords: %v %v", err, deleted.Error())
	}
	if starts, err := adm.ListStartOffsets(ctx, txnTopic); err != nil {
		t.Errorf("ListStartOffsets: %v", err)
	} else if o, ok := starts.Lookup(txnTopic, 0); !ok || o.Offset != 1 {
		t.Errorf("start offset of %s/0 after DeleteRecords: %+v, want 1", txnTopic, o)
	}
	if _, err := adm.ListMaxTimestampOffsets(ctx, txnTopic); err != nil {
		t.Errorf("ListMaxTimestampOffsets: %v", err)
	}
	if _, err := adm.ListOffsetsAfterMilli(ctx, time.Now().Add(-time.Hour).UnixMilli(), txnTopic); err != nil {
		t.Errorf("ListOffsetsAfterMilli: %v", err)
	}

	var epochs kadm.OffsetForLeaderEpochRequest
	epochs.Add(txnTopic, 0, 0)
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
	if txns, err := adm.DescribeTransactions(ctx, txnID); err != nil {
		t.Errorf("DescribeTransactions: %v", err)
	} else if d, ok := txns[txnID]; !ok || d.Err != nil {
		t.Errorf("DescribeTransactions %s: %+v", txnID, d)
	}
	if listed, err := adm.ListTransactions(ctx, nil, nil); err != nil {
		t.Errorf("ListTransactions: %v", err)
	} else if _, ok := listed[txnID]; !ok {
		t.Errorf("ListTransactions lacks %s: %+v", txnID, listed)
	}

	// The transaction committed the session group's offsets: six records of the source.
	if offs, err := adm.FetchOffsets(ctx, txnGroup); err != nil {
		t.Errorf("FetchOffsets %s: %v", txnGroup, err)
	} else if n := sumOffsets(offs); n != perCodec {
		t.Errorf("group %s committed %d records in its transaction, want %d", txnGroup, n, perCodec)
	}

	// A KIP-848 describe of classic groups: answered, with a per-group error.
	if _, err := adm.DescribeConsumerGroups(ctx, kgoGroup); err != nil {
		t.Logf("DescribeConsumerGroups (KIP-848) of a classic group: %v", err)
	}

	deleteOffsets := kadm.TopicsSet{}
	deleteOffsets.Add(kgoTopic(allCodecs[0]), 0)
	if resps, err := adm.DeleteOffsets(ctx, kgoGroup, deleteOffsets); err != nil || resps.Error() != nil {
		t.Errorf("DeleteOffsets: %v %v", err, resps.Error())
	}
	groups := []string{kgoGroup, txnGroup}
	if haveKcat() {
		groups = append(groups, kcatGroup)
	}
	if resps, err := adm.DeleteGroups(ctx, groups...); err != nil || resps.Error() != nil {
		t.Errorf("DeleteGroups: %v %v", err, resps.Error())
	}
}
