package realkafka

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema/addoffsetstotxn"
	"github.com/kio-go/kafka-protocol/kio/schema/addpartitionstotxn"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/describeproducers"
	"github.com/kio-go/kafka-protocol/kio/schema/describetransactions"
	"github.com/kio-go/kafka-protocol/kio/schema/endtxn"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/gettelemetrysubscriptions"
	"github.com/kio-go/kafka-protocol/kio/schema/incrementalalterconfigs"
	"github.com/kio-go/kafka-protocol/kio/schema/initproducerid"
	"github.com/kio-go/kafka-protocol/kio/schema/listconfigresources"
	"github.com/kio-go/kafka-protocol/kio/schema/listtransactions"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/pushtelemetry"
	"github.com/kio-go/kafka-protocol/kio/schema/txnoffsetcommit"
	"github.com/kio-go/kafka-protocol/kio/schema/writetxnmarkers"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

const (
	keyInitProducerID       = 22
	keyAddPartitionsToTxn   = 24
	keyAddOffsetsToTxn      = 25
	keyEndTxn               = 26
	keyTxnOffsetCommit      = 28
	keyDescribeTransactions = 65
	keyListTransactions     = 66
	txnTopic                = "kio-txn"
)

var txnKeys = []int16{keyInitProducerID, keyAddPartitionsToTxn, keyAddOffsetsToTxn, keyEndTxn, keyTxnOffsetCommit, keyDescribeTransactions, keyListTransactions}

// retry repeats f while the answer's error is retriable (a coordinator loading,
// CONCURRENT_TRANSACTIONS while a previous transaction completes).
func retry(t testing.TB, f func() common.ErrorCode) common.ErrorCode {
	t.Helper()
	var code common.ErrorCode
	for range 100 {
		if code = f(); !code.Retriable() {
			return code
		}
		time.Sleep(100 * time.Millisecond)
	}
	return code
}

// produceTo appends one batch to topic's partition 0 at the newest Produce version.
func (s *suite) produceTo(t testing.TB, topic string, b *records.Batch) int64 {
	t.Helper()
	raw, err := records.AppendBatch(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	req := serial.Default[produce.ProduceRequest]()
	req.Acks, req.TimeoutMs = -1, 30000
	if b.Transactional {
		req.TransactionalId = testkit.Ptr(common.TransactionalId(s.txnID))
	}
	req.TopicData = []produce.TopicProduceData{{Name: common.TopicName(topic), TopicId: s.topicID(t, topic), PartitionData: []produce.PartitionProduceData{{Records: raw}}}}
	var base int64
	code := retry(t, func() common.ErrorCode {
		p := testkit.Call[produce.ProduceResponse](t, s.broker, s.newest(t, onBroker, 0), &req).Responses[0].PartitionResponses[0]
		base = p.BaseOffset
		return p.ErrorCode
	})
	if code != common.None {
		t.Fatalf("produce to %s: %v", topic, code)
	}
	return base
}

// fetchBatches reads every batch of topic's partition 0, read-committed.
func (s *suite) fetchBatches(t testing.TB, topic string) []*records.Batch {
	t.Helper()
	v := s.newest(t, onBroker, 1)
	req := serial.Default[fetch.FetchRequest]()
	req.ReplicaId, req.ReplicaState.ReplicaId = -1, -1
	req.MaxWaitMs, req.MinBytes, req.MaxBytes, req.IsolationLevel = 100, 1, 1<<20, 1
	req.Topics = []fetch.FetchTopic{{Topic: common.TopicName(topic), TopicId: s.topicIDs[topic],
		Partitions: []fetch.FetchPartition{{PartitionMaxBytes: 1 << 20, CurrentLeaderEpoch: -1, LastFetchedEpoch: -1}}}}
	resp := testkit.Call[fetch.FetchResponse](t, s.broker, v, &req)
	p := resp.Responses[0].Partitions[0]
	if p.ErrorCode != common.None {
		t.Fatalf("fetch %s: %v", topic, p.ErrorCode)
	}
	var out []*records.Batch
	sc := records.NewScanner(p.Records)
	for sc.Next() {
		out = append(out, sc.Batch())
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("records of %s: %v", topic, err)
	}
	return out
}

// testTransaction runs a transaction with each transactional API at its version for
// the round: InitProducerId, AddPartitionsToTxn, a transactional Produce,
// AddOffsetsToTxn, TxnOffsetCommit, DescribeTransactions and ListTransactions while it
// is open, EndTxn (commit), then checks the commit marker and the offsets.
func (s *suite) testTransaction(t *testing.T, round int16) {
	if _, ok := s.topicIDs[txnTopic]; !ok {
		s.createTopic(t, txnTopic, 1)
	}
	s.txnID = fmt.Sprintf("kio-txn-%d", round)
	group := fmt.Sprintf("kio-txn-group-%d", round)
	s.findCoordinator(t, s.newest(t, onBroker, keyFindCoordinator), s.txnID, 1)
	s.findCoordinator(t, s.newest(t, onBroker, keyFindCoordinator), group, 0)

	iv := s.at(t, keyInitProducerID, round)
	init := serial.Default[initproducerid.InitProducerIdRequest]()
	init.TransactionalId, init.TransactionTimeoutMs = testkit.Ptr(common.TransactionalId(s.txnID)), 60000
	var ip *initproducerid.InitProducerIdResponse
	if code := retry(t, func() common.ErrorCode {
		ip = testkit.Call[initproducerid.InitProducerIdResponse](t, s.broker, iv, &init)
		return ip.ErrorCode
	}); code != common.None || ip.ProducerId < 0 || ip.ProducerEpoch < 0 {
		t.Fatalf("init producer id: %+v", ip)
	}
	pid, epoch := ip.ProducerId, ip.ProducerEpoch
	s.txnPIDs = append(s.txnPIDs, pid)

	// Idempotent without a transaction: a producer id of its own.
	plain := serial.Default[initproducerid.InitProducerIdRequest]()
	plain.TransactionalId = nil                // null: the spec default is the empty string, an invalid id
	plain.TransactionTimeoutMs = math.MaxInt32 // as Java's idempotent producer sends it
	if r := testkit.Call[initproducerid.InitProducerIdResponse](t, s.broker, iv, &plain); r.ErrorCode != common.None || r.ProducerId < 0 || r.ProducerId == pid {
		t.Errorf("idempotent producer id: %+v (transactional %d)", r, pid)
	}

	av := s.at(t, keyAddPartitionsToTxn, round)
	add := serial.Default[addpartitionstotxn.AddPartitionsToTxnRequest]()
	topics := []addpartitionstotxn.AddPartitionsToTxnTopic{{Name: txnTopic, Partitions: []int32{0}}}
	if av >= 4 {
		add.Transactions = []addpartitionstotxn.AddPartitionsToTxnTransaction{{TransactionalId: common.TransactionalId(s.txnID), ProducerId: pid, ProducerEpoch: epoch, Topics: topics}}
	} else {
		add.V3AndBelowTransactionalId, add.V3AndBelowProducerId, add.V3AndBelowProducerEpoch, add.V3AndBelowTopics = common.TransactionalId(s.txnID), pid, epoch, topics
	}
	if code := retry(t, func() common.ErrorCode {
		r := testkit.Call[addpartitionstotxn.AddPartitionsToTxnResponse](t, s.broker, av, &add)
		var results []addpartitionstotxn.AddPartitionsToTxnTopicResult
		if av >= 4 {
			if r.ErrorCode != common.None || len(r.ResultsByTransaction) != 1 {
				t.Fatalf("add partitions: %+v", r)
			}
			results = r.ResultsByTransaction[0].TopicResults
		} else {
			results = r.ResultsByTopicV3AndBelow
		}
		if len(results) != 1 || string(results[0].Name) != txnTopic || len(results[0].ResultsByPartition) != 1 {
			t.Fatalf("add partitions: %+v", r)
		}
		return results[0].ResultsByPartition[0].PartitionErrorCode
	}); code != common.None {
		t.Fatalf("add partitions: %v", code)
	}

	b := records.NewBatch(records.Record{Timestamp: time.Now().UnixMilli(), Value: []byte(fmt.Sprintf("txn %d", round))})
	b.Transactional, b.ProducerID, b.ProducerEpoch, b.BaseSequence = true, int64(pid), epoch, 0
	s.produceTo(t, txnTopic, b)

	ov := s.at(t, keyAddOffsetsToTxn, round)
	ao := addoffsetstotxn.AddOffsetsToTxnRequest{TransactionalId: common.TransactionalId(s.txnID), ProducerId: pid, ProducerEpoch: epoch, GroupId: common.GroupId(group)}
	if code := retry(t, func() common.ErrorCode {
		return testkit.Call[addoffsetstotxn.AddOffsetsToTxnResponse](t, s.broker, ov, &ao).ErrorCode
	}); code != common.None {
		t.Fatalf("add offsets: %v", code)
	}
	tv := s.at(t, keyTxnOffsetCommit, round)
	toc := serial.Default[txnoffsetcommit.TxnOffsetCommitRequest]()
	toc.TransactionalId, toc.GroupId, toc.ProducerId, toc.ProducerEpoch = common.TransactionalId(s.txnID), common.GroupId(group), pid, epoch
	tp := txnoffsetcommit.TxnOffsetCommitRequestPartition{PartitionIndex: 0, CommittedOffset: 1, CommittedMetadata: testkit.Ptr("kio"), CommittedLeaderEpoch: -1}
	toc.Topics = []txnoffsetcommit.TxnOffsetCommitRequestTopic{{Name: txnTopic, TopicId: s.topicIDs[txnTopic], Partitions: []txnoffsetcommit.TxnOffsetCommitRequestPartition{tp}}}
	if tv >= 3 {
		toc.GenerationIdOrMemberEpoch = -1
	}
	if code := retry(t, func() common.ErrorCode {
		return testkit.Call[txnoffsetcommit.TxnOffsetCommitResponse](t, s.broker, tv, &toc).Topics[0].Partitions[0].ErrorCode
	}); code != common.None {
		t.Fatalf("txn offset commit: %v", code)
	}

	s.checkTxnState(t, round, "Ongoing", pid)

	ev := s.at(t, keyEndTxn, round)
	end := endtxn.EndTxnRequest{TransactionalId: common.TransactionalId(s.txnID), ProducerId: pid, ProducerEpoch: epoch, Committed: true}
	if code := retry(t, func() common.ErrorCode { return testkit.Call[endtxn.EndTxnResponse](t, s.broker, ev, &end).ErrorCode }); code != common.None {
		t.Fatalf("end txn: %v", code)
	}
	eventually(t, func() error {
		bs := s.fetchBatches(t, txnTopic)
		if len(bs) == 0 || !bs[len(bs)-1].Control || bs[len(bs)-1].ProducerID != int64(pid) {
			return fmt.Errorf("no commit marker of producer %d at the end of %s", pid, txnTopic)
		}
		c, err := records.ParseControl(&bs[len(bs)-1].Records[0])
		if err != nil || c.Key.Type != records.ControlCommit || c.EndTxn == nil {
			return fmt.Errorf("marker %+v, %v", c, err)
		}
		return nil
	})
	s.checkTxnState(t, round, "CompleteCommit", pid)
}

// checkTxnState describes and lists the round's transaction in the state want.
func (s *suite) checkTxnState(t *testing.T, round int16, want string, pid common.ProducerId) {
	t.Helper()
	eventually(t, func() error {
		dreq := describetransactions.DescribeTransactionsRequest{TransactionalIds: []common.TransactionalId{common.TransactionalId(s.txnID), "kio-no-such-txn"}}
		d := testkit.Call[describetransactions.DescribeTransactionsResponse](t, s.broker, s.at(t, keyDescribeTransactions, round), &dreq)
		if len(d.TransactionStates) != 2 {
			return fmt.Errorf("%+v", d)
		}
		st := d.TransactionStates[0]
		if st.ErrorCode != common.None || st.TransactionState != want || st.ProducerId != pid || st.TransactionTimeoutMs != 60000 {
			return fmt.Errorf("describe %s: %+v, want %s", s.txnID, st, want)
		}
		if want == "Ongoing" && !slices.ContainsFunc(st.Topics, func(tp describetransactions.TopicData) bool {
			return string(tp.Topic) == txnTopic && slices.Equal(tp.Partitions, []int32{0})
		}) {
			return fmt.Errorf("ongoing topics %+v, want %s/0 among them", st.Topics, txnTopic)
		}
		if d.TransactionStates[1].ErrorCode != common.TransactionalIdNotFound {
			return fmt.Errorf("unknown id: %v", d.TransactionStates[1].ErrorCode)
		}
		lreq := serial.Default[listtransactions.ListTransactionsRequest]()
		lreq.StateFilters = []string{want, "KioNoSuchState"}
		l := testkit.Call[listtransactions.ListTransactionsResponse](t, s.broker, s.at(t, keyListTransactions, round), &lreq)
		found := false
		for _, ts := range l.TransactionStates {
			found = found || string(ts.TransactionalId) == s.txnID && ts.ProducerId == pid && ts.TransactionState == want
		}
		if l.ErrorCode != common.None || !found || !slices.Equal(l.UnknownStateFilters, []string{"KioNoSuchState"}) {
			return fmt.Errorf("list %s: %+v", want, l)
		}
		return nil
	})
}

// testWriteTxnMarkers writes an abort marker for a producer as a transaction
// coordinator would, and finds it in the log.
func (s *suite) testWriteTxnMarkers(t *testing.T, v int16) {
	topic := fmt.Sprintf("kio-markers-v%d", v)
	s.createTopic(t, topic, 1)
	plain := serial.Default[initproducerid.InitProducerIdRequest]()
	plain.TransactionalId = nil                // null: the spec default is the empty string, an invalid id
	plain.TransactionTimeoutMs = math.MaxInt32 // as Java's idempotent producer sends it
	ip := testkit.Call[initproducerid.InitProducerIdResponse](t, s.broker, s.newest(t, onBroker, keyInitProducerID), &plain)
	req := writetxnmarkers.WriteTxnMarkersRequest{Markers: []writetxnmarkers.WritableTxnMarker{{ProducerId: ip.ProducerId, ProducerEpoch: ip.ProducerEpoch,
		TransactionResult: false, CoordinatorEpoch: 7, Topics: []writetxnmarkers.WritableTxnMarkerTopic{{Name: common.TopicName(topic), PartitionIndexes: []int32{0}}}}}}
	var resp *writetxnmarkers.WriteTxnMarkersResponse
	code := retry(t, func() common.ErrorCode { // the new partition's leader may need a moment
		resp = testkit.Call[writetxnmarkers.WriteTxnMarkersResponse](t, s.broker, v, &req)
		if len(resp.Markers) != 1 || resp.Markers[0].ProducerId != ip.ProducerId {
			t.Fatalf("%+v", resp.Markers)
		}
		return resp.Markers[0].Topics[0].Partitions[0].ErrorCode
	})
	if code != common.None {
		t.Fatalf("%+v", resp.Markers)
	}
	bs := s.fetchBatches(t, topic)
	if len(bs) != 1 || !bs[0].Control || bs[0].ProducerID != int64(ip.ProducerId) {
		t.Fatalf("batches %+v", bs)
	}
	c, err := records.ParseControl(&bs[0].Records[0])
	if err != nil || c.Key.Type != records.ControlAbort || c.EndTxn == nil || c.EndTxn.CoordinatorEpoch != 7 {
		t.Errorf("marker %+v %v, want ABORT with coordinator epoch 7", c, err)
	}
}

func (s *suite) testDescribeProducers(t *testing.T, v int16) {
	req := describeproducers.DescribeProducersRequest{Topics: []describeproducers.TopicRequest{{Name: txnTopic, PartitionIndexes: []int32{0}}}}
	resp := testkit.Call[describeproducers.DescribeProducersResponse](t, s.broker, v, &req)
	if len(resp.Topics) != 1 || resp.Topics[0].Partitions[0].ErrorCode != common.None {
		t.Fatalf("%+v", resp.Topics)
	}
	var got []common.ProducerId
	for _, p := range resp.Topics[0].Partitions[0].ActiveProducers {
		// Kafka 4's transactions (EndTxn v5, KIP-890) bump the producer epoch when a
		// transaction ends, after which the broker reports no last sequence (-1).
		lastSeqOK := p.LastSequence == 0 || p.LastSequence == -1 && !strings.HasPrefix(s.b.Version, "3.")
		if !lastSeqOK || p.CurrentTxnStartOffset != -1 {
			t.Errorf("producer %+v: one batch, no open transaction", p)
		}
		got = append(got, p.ProducerId)
	}
	for _, pid := range s.txnPIDs {
		if !slices.Contains(got, pid) {
			t.Errorf("producer %d not among %v", pid, got)
		}
	}
}

// testListClientMetricsResources makes a client-metrics resource (KIP-714) with
// IncrementalAlterConfigs and finds it listed.
func (s *suite) testListClientMetricsResources(t *testing.T, v int16) {
	const resourceClientMetrics = 16
	name := fmt.Sprintf("kio-metrics-v%d", v)
	alter := serial.Default[incrementalalterconfigs.IncrementalAlterConfigsRequest]()
	alter.Resources = []incrementalalterconfigs.AlterConfigsResource{{ResourceType: resourceClientMetrics, ResourceName: name,
		Configs: []incrementalalterconfigs.AlterableConfig{{Name: "interval.ms", Value: testkit.Ptr("60000")}, {Name: "metrics", Value: testkit.Ptr("org.apache.kafka.producer.")}}}}
	if r := testkit.Call[incrementalalterconfigs.IncrementalAlterConfigsResponse](t, s.broker, s.newest(t, onBroker, 44), &alter); r.Responses[0].ErrorCode != common.None {
		t.Fatalf("create client metrics %s: %+v", name, r.Responses)
	}
	eventually(t, func() error {
		r := testkit.Call[listconfigresources.ListConfigResourcesResponse](t, s.broker, v, &listconfigresources.ListConfigResourcesRequest{})
		for _, m := range r.ConfigResources {
			if m.ResourceName == name && r.ErrorCode == common.None {
				return nil
			}
		}
		return fmt.Errorf("%s not among %+v (%v)", name, r.ConfigResources, r.ErrorCode)
	})
}

// getTelemetrySubscription asks for a client's telemetry subscription at v: a new
// client instance id when id is zero.
func (s *suite) getTelemetrySubscription(t testing.TB, v int16, id kio.UUID) *gettelemetrysubscriptions.GetTelemetrySubscriptionsResponse {
	t.Helper()
	resp := testkit.Call[gettelemetrysubscriptions.GetTelemetrySubscriptionsResponse](t, s.broker, v, &gettelemetrysubscriptions.GetTelemetrySubscriptionsRequest{ClientInstanceId: id})
	if resp.ErrorCode != common.None || resp.ClientInstanceId.IsZero() || !id.IsZero() && resp.ClientInstanceId != id {
		t.Fatalf("subscription: %+v", resp)
	}
	return resp
}

// testGetTelemetrySubscriptions: the client-metrics resources the
// ListClientMetricsResources steps made subscribe every client to producer metrics.
func (s *suite) testGetTelemetrySubscriptions(t *testing.T, v int16) {
	resp := s.getTelemetrySubscription(t, v, kio.UUID{})
	if !slices.Contains(resp.RequestedMetrics, "org.apache.kafka.producer.") || resp.PushIntervalMs != 60000 ||
		len(resp.AcceptedCompressionTypes) == 0 || resp.TelemetryMaxBytes <= 0 {
		t.Errorf("subscription %+v, want producer metrics every 60 s", resp)
	}
	// Asking again before the push interval is too soon.
	again := testkit.Call[gettelemetrysubscriptions.GetTelemetrySubscriptionsResponse](t, s.broker, v, &gettelemetrysubscriptions.GetTelemetrySubscriptionsRequest{ClientInstanceId: resp.ClientInstanceId})
	if again.ErrorCode != common.ThrottlingQuotaExceeded {
		t.Errorf("asking again at once: %v, want THROTTLING_QUOTA_EXCEEDED", again.ErrorCode)
	}
}

// testPushTelemetry pushes an (empty) OTLP metrics payload and a terminating one; the
// receiver (tests/java/broker) logs both.
func (s *suite) testPushTelemetry(t *testing.T, v int16) {
	sub := s.getTelemetrySubscription(t, s.newest(t, onBroker, 71), kio.UUID{})
	otlp := []byte{0x0a, 0x00} // MetricsData{resource_metrics: [{}]}
	req := pushtelemetry.PushTelemetryRequest{ClientInstanceId: sub.ClientInstanceId, SubscriptionId: sub.SubscriptionId, Metrics: otlp}
	if r := testkit.Call[pushtelemetry.PushTelemetryResponse](t, s.broker, v, &req); r.ErrorCode != common.None {
		t.Fatalf("push: %v", r.ErrorCode)
	}
	if r := testkit.Call[pushtelemetry.PushTelemetryResponse](t, s.broker, v, &req); r.ErrorCode != common.ThrottlingQuotaExceeded {
		t.Errorf("push again at once: %v, want THROTTLING_QUOTA_EXCEEDED", r.ErrorCode)
	}
	req.Terminating = true
	if r := testkit.Call[pushtelemetry.PushTelemetryResponse](t, s.broker, v, &req); r.ErrorCode != common.None {
		t.Errorf("terminating push: %v", r.ErrorCode)
	}
	want := "kio-telemetry: client instance " + sub.ClientInstanceId.String() + " pushed 2 bytes, terminating true"
	eventually(t, func() error {
		log, err := os.ReadFile(s.b.LogFile)
		if err != nil || !strings.Contains(string(log), want) {
			return fmt.Errorf("the receiver did not log %q (%v)", want, err)
		}
		return nil
	})
}
