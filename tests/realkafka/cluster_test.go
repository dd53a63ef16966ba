package realkafka

// The cluster's own traffic: three KRaft nodes (each broker and controller) on loopback
// with kio's decoding proxy on every link between them. The quorum's voters are the
// controller proxies and every node advertises its broker proxy, so the Raft traffic
// (Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch), registrations and heartbeats,
// AlterPartition, AllocateProducerIds, replica fetches and transaction markers all pass
// a proxy that decodes, re-encodes and compares every frame. A broker's controlled
// shutdown and restart and a change of the active controller make the rest happen.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/addpartitionstotxn"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/createtopics"
	"github.com/kio-go/kafka-protocol/kio/schema/describequorum"
	"github.com/kio-go/kafka-protocol/kio/schema/describetransactions"
	"github.com/kio-go/kafka-protocol/kio/schema/endtxn"
	"github.com/kio-go/kafka-protocol/kio/schema/findcoordinator"
	"github.com/kio-go/kafka-protocol/kio/schema/initproducerid"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
	"github.com/kio-go/kafka-protocol/tests/proxy"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

const clusterSize = 3

func TestRealKafkaCluster(t *testing.T) {
	// The releases run side by side: each waits about a minute for its leader's Raft
	// cleaner (FetchSnapshot), mostly idle.
	kafkadist.EachRelease(t, "starts three real brokers per release", func(t *testing.T, version string) {
		t.Parallel()
		testCluster(t, version)
	})
}

type clusterNode struct {
	id                   int32
	plaintext, ctrl      int // the node's own ports
	brokerLn, ctrlLn     net.Listener
	brokerProxy, ctrlPrx *proxy.Proxy
	b                    *Broker
}

// testCluster runs one release's cluster through the scenario; every step's frames
// pass the proxies, which reportCluster judges at the end.
func testCluster(t *testing.T, version string) {
	nodes := startProxiedCluster(t, version)
	cov := &testkit.Coverage{}
	c := dial(t, onBroker, nodes[0].b.Plaintext, cov)
	leaders := produceReplicated(t, nodes, c, cov)
	clusterTransaction(t, nodes, cov, leaders)
	restarted, up, upConn := changeController(t, nodes, c, cov)
	controlledShutdownToSnapshot(t, nodes, restarted, up, upConn, cov)
	stopCluster(t, nodes)
	reportCluster(t, version, nodes)
}

// startProxiedCluster starts clusterSize nodes of version, each behind a decoding proxy
// for its broker and one for its controller listener: the voters are the controller
// proxies and each node advertises its broker proxy. The metadata log is snapshotted
// and cleaned often, so that a node stopped long enough must fetch a snapshot.
func startProxiedCluster(t *testing.T, version string) []*clusterNode {
	cp := kafkadist.Classpath(t, "broker", version)
	clusterID := randomClusterID()
	nodes := make([]*clusterNode, clusterSize)
	var voters []string
	for i := range nodes {
		ports, err := FreePorts(2)
		if err != nil {
			t.Fatal(err)
		}
		n := &clusterNode{id: int32(i + 1), plaintext: ports[0], ctrl: ports[1]}
		if n.brokerLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if n.ctrlLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		n.brokerProxy = proxy.Serve(n.brokerLn, net.JoinHostPort("127.0.0.1", strconv.Itoa(n.plaintext)), nil)
		n.ctrlPrx = proxy.Serve(n.ctrlLn, net.JoinHostPort("127.0.0.1", strconv.Itoa(n.ctrl)), nil)
		t.Cleanup(func() { n.brokerProxy.Close(); n.ctrlPrx.Close() })
		voters = append(voters, fmt.Sprintf("%d@%s", n.id, n.ctrlLn.Addr()))
		nodes[i] = n
	}
	props := map[string]string{
		"offsets.topic.replication.factor":         "3",
		"transaction.state.log.replication.factor": "3",
		"transaction.state.log.min.isr":            "2",
		"default.replication.factor":               "3",
		"min.insync.replicas":                      "2",
		// Snapshots of the metadata log every second or so, and retention short enough
		// that the Raft cleaner (every 60 s since a node started) keeps only the latest:
		// the leader's log start then passes a stopped node's end, which must fetch a
		// snapshot (FetchSnapshot) when it comes back.
		"metadata.log.max.record.bytes.between.snapshots": "2000",
		"metadata.log.max.snapshot.interval.ms":           "1000",
		"metadata.max.retention.ms":                       "1000",
	}
	// The nodes wait for a quorum: start them together.
	var wg sync.WaitGroup
	errs := make([]error, clusterSize)
	for i, n := range nodes {
		dir, err := os.MkdirTemp("", fmt.Sprintf("kio-kafka-cluster-%s-%d-", version, n.id))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.b, errs[i] = StartNodeWith(cp, version, dir, Options{NodeID: n.id, ClusterID: clusterID, Voters: strings.Join(voters, ","),
				PlaintextPort: n.plaintext, ControllerPort: n.ctrl, AdvertisedPlaintext: n.brokerLn.Addr().String(), Properties: props})
			if errs[i] != nil {
				os.RemoveAll(dir)
			}
		}()
	}
	wg.Wait()
	for i, n := range nodes {
		if n.b != nil {
			t.Cleanup(func() { n.b.Stop() })
		}
		if errs[i] != nil {
			t.Fatalf("node %d: %v", n.id, errs[i])
		}
	}

	return nodes
}

// produceReplicated creates a topic of three partitions replicated thrice and writes an
// idempotent acks=all record to each partition's leader; it returns the leaders by
// partition.
func produceReplicated(t *testing.T, nodes []*clusterNode, c *testkit.Conn, cov *testkit.Coverage) map[int32]int32 {
	create := serial.Default[createtopics.CreateTopicsRequest]()
	create.TimeoutMs = 30000
	create.Topics = []createtopics.CreatableTopic{{Name: "kio-cluster", NumPartitions: 3, ReplicationFactor: 3}}
	if r := testkit.Call[createtopics.CreateTopicsResponse](t, c, 7, &create); r.Topics[0].ErrorCode != common.None {
		t.Fatalf("create: %+v", r.Topics)
	}
	leaders := clusterLeaders(t, c, "kio-cluster", 3)
	ip := initProducer(t, c, nil)
	produceToLeaders(t, nodes, leaders, cov, ip, nil, "cluster")
	return leaders
}

// initProducer gets a producer id and epoch from c: transactional under txnID, or
// idempotent where txnID is nil.
func initProducer(t *testing.T, c *testkit.Conn, txnID *common.TransactionalId) *initproducerid.InitProducerIdResponse {
	t.Helper()
	init := serial.Default[initproducerid.InitProducerIdRequest]()
	init.TransactionalId, init.TransactionTimeoutMs = txnID, 60000
	var ip *initproducerid.InitProducerIdResponse
	if code := retry(t, func() common.ErrorCode {
		ip = testkit.Call[initproducerid.InitProducerIdResponse](t, c, 4, &init)
		return ip.ErrorCode
	}); code != common.None {
		t.Fatalf("init producer id: %v", code)
	}
	return ip
}

// produceToLeaders writes one acks=all record of value to each partition of
// kio-cluster at its leader, as producer ip: in transaction txnID, or idempotent where
// txnID is nil.
func produceToLeaders(t *testing.T, nodes []*clusterNode, leaders map[int32]int32, cov *testkit.Coverage,
	ip *initproducerid.InitProducerIdResponse, txnID *common.TransactionalId, value string) {
	t.Helper()
	what := "produce"
	if txnID != nil {
		what = "transactional produce"
	}
	for p := range int32(3) {
		lc := dial(t, onBroker, nodeByID(nodes, leaders[p]).b.Plaintext, cov)
		b := records.NewBatch(records.Record{Timestamp: time.Now().UnixMilli(), Value: []byte(value)})
		b.Transactional, b.ProducerID, b.ProducerEpoch, b.BaseSequence = txnID != nil, int64(ip.ProducerId), ip.ProducerEpoch, 0
		raw, _ := records.AppendBatch(nil, b)
		req := serial.Default[produce.ProduceRequest]()
		req.TransactionalId = txnID
		req.Acks, req.TimeoutMs = -1, 30000
		req.TopicData = []produce.TopicProduceData{{Name: "kio-cluster", PartitionData: []produce.PartitionProduceData{{Index: p, Records: raw}}}}
		if code := retry(t, func() common.ErrorCode {
			return testkit.Call[produce.ProduceResponse](t, lc, 9, &req).Responses[0].PartitionResponses[0].ErrorCode
		}); code != common.None {
			t.Fatalf("%s to partition %d: %v", what, p, code)
		}
	}
}

// changeController stops the active controller gracefully (it resigns as it stops, the
// others elect a leader), restarts it and waits for the ISRs to fill again. It returns
// the restarted node, a node that stayed up and a connection to that node.
func changeController(t *testing.T, nodes []*clusterNode, c *testkit.Conn, cov *testkit.Coverage) (restarted, up *clusterNode, upConn *testkit.Conn) {
	start := time.Now()
	q := testkit.Call[describequorum.DescribeQuorumResponse](t, c, 1, &describequorum.DescribeQuorumRequest{Topics: []describequorum.DescribeQuorumRequestTopicData{{
		TopicName: metadataTopic, Partitions: []describequorum.DescribeQuorumRequestPartitionData{{PartitionIndex: 0}}}}})
	leader := q.Topics[0].Partitions[0].LeaderId
	old := q.Topics[0].Partitions[0].LeaderEpoch
	ln := nodeByID(nodes, int32(leader))
	if err := ln.b.Shutdown(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	other := nodes[0]
	if other == ln {
		other = nodes[1]
	}
	oc := dial(t, onBroker, other.b.Plaintext, cov)
	eventually(t, func() error {
		q := testkit.Call[describequorum.DescribeQuorumResponse](t, oc, 1, &describequorum.DescribeQuorumRequest{Topics: []describequorum.DescribeQuorumRequestTopicData{{
			TopicName: metadataTopic, Partitions: []describequorum.DescribeQuorumRequestPartitionData{{PartitionIndex: 0}}}}})
		p := q.Topics[0].Partitions[0]
		if p.LeaderId == leader || p.LeaderId < 0 || p.LeaderEpoch <= old {
			return fmt.Errorf("leader %d epoch %d (was %d at %d)", p.LeaderId, p.LeaderEpoch, leader, old)
		}
		return nil
	})
	t.Logf("controller %d shut down and a new leader elected in %v", ln.id, time.Since(start))
	start = time.Now()
	if err := ln.b.Restart(); err != nil {
		t.Fatalf("restart node %d: %v", ln.id, err)
	}
	t.Logf("node %d restarted in %v", ln.id, time.Since(start))
	// Its replicas rejoin the ISRs (AlterPartition) before the next node stops; the
	// time is free, the wait for the Raft cleaner below covers it.
	start = time.Now()
	if err := awaitFullISR(t, oc, "kio-cluster", clusterSize, 20*time.Second); err != nil {
		t.Logf("ISRs not full again after %v: %v", time.Since(start), err)
	} else {
		t.Logf("ISRs full again in %v", time.Since(start))
	}

	return ln, other, oc
}

// controlledShutdownToSnapshot shuts a broker down (it asks to in its heartbeats,
// leaders move away), keeps it down until the leader's metadata log starts beyond its
// end, and restarts it: it registers again and must fetch a snapshot (FetchSnapshot).
// The node is a follower, preferably the one restarted (ln): the leader is then one
// that has run since the start, whose Raft cleaner runs first (60 s after the node
// started).
func controlledShutdownToSnapshot(t *testing.T, nodes []*clusterNode, ln, other *clusterNode, oc *testkit.Conn, cov *testkit.Coverage) {
	victim := ln
	if victim.id == int32(describeQuorum(t, oc).LeaderId) {
		victim = other
	}
	qc := oc // a connection to a node that stays up
	if victim == other {
		qc = dial(t, onBroker, ln.b.Plaintext, cov)
	}
	start := time.Now()
	if err := victim.b.Shutdown(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("node %d shut down in %v", victim.id, time.Since(start))
	// It stays down until the leader's metadata log starts beyond its end, so that it
	// comes back to a snapshot id in the leader's Fetch answer and sends FetchSnapshot.
	// The wait overlaps most of the minute before the leader's cleaner first runs.
	start = time.Now()
	awaitLogStartBeyond(t, qc, nodes, quorumEnd(t, qc))
	t.Logf("the leader's metadata log starts beyond node %d's end after %v", victim.id, time.Since(start))
	start = time.Now()
	if err := victim.b.Restart(); err != nil {
		t.Fatalf("restart node %d: %v", victim.id, err)
	}
	t.Logf("node %d restarted in %v", victim.id, time.Since(start))
	awaitFrames(t, nodes, 59) // FetchSnapshot: it has caught up, so it is done
}

// stopCluster kills the nodes and closes the proxies, so that reportCluster reads
// their final counts.
func stopCluster(t *testing.T, nodes []*clusterNode) {
	start := time.Now()
	for _, n := range nodes { // killed, not shut down: their goodbyes add nothing
		n.b.kill()
		n.brokerProxy.Close()
		n.ctrlPrx.Close()
	}
	t.Logf("stopped in %v", time.Since(start))
}

// clusterTransaction commits a transaction over the three partitions, led by different
// nodes: the coordinator sends WriteTxnMarkers to each leader, through its proxy.
func clusterTransaction(t *testing.T, nodes []*clusterNode, cov *testkit.Coverage, leaders map[int32]int32) {
	const txnID = "kio-cluster-txn"
	c := dial(t, onBroker, nodes[0].b.Plaintext, cov)
	var coordinator int32
	eventually(t, func() error {
		req := serial.Default[findcoordinator.FindCoordinatorRequest]()
		req.KeyType, req.CoordinatorKeys = 1, []string{txnID}
		r := testkit.Call[findcoordinator.FindCoordinatorResponse](t, c, 4, &req)
		if co := r.Coordinators[0]; co.ErrorCode != common.None {
			return fmt.Errorf("coordinator: %v", co.ErrorCode)
		} else {
			coordinator = int32(co.NodeId)
		}
		return nil
	})
	cc := dial(t, onBroker, nodeByID(nodes, coordinator).b.Plaintext, cov)
	ip := initProducer(t, cc, testkit.Ptr(common.TransactionalId(txnID)))
	add := serial.Default[addpartitionstotxn.AddPartitionsToTxnRequest]()
	add.V3AndBelowTransactionalId, add.V3AndBelowProducerId, add.V3AndBelowProducerEpoch = txnID, ip.ProducerId, ip.ProducerEpoch
	add.V3AndBelowTopics = []addpartitionstotxn.AddPartitionsToTxnTopic{{Name: "kio-cluster", Partitions: []int32{0, 1, 2}}}
	if code := retry(t, func() common.ErrorCode {
		r := testkit.Call[addpartitionstotxn.AddPartitionsToTxnResponse](t, cc, 3, &add)
		for _, p := range r.ResultsByTopicV3AndBelow[0].ResultsByPartition {
			if p.PartitionErrorCode != common.None {
				return p.PartitionErrorCode
			}
		}
		return common.None
	}); code != common.None {
		t.Fatalf("add partitions: %v", code)
	}
	produceToLeaders(t, nodes, leaders, cov, ip, testkit.Ptr(common.TransactionalId(txnID)), "txn")
	end := endtxn.EndTxnRequest{TransactionalId: txnID, ProducerId: ip.ProducerId, ProducerEpoch: ip.ProducerEpoch, Committed: true}
	if code := retry(t, func() common.ErrorCode { return testkit.Call[endtxn.EndTxnResponse](t, cc, 3, &end).ErrorCode }); code != common.None {
		t.Fatalf("end txn: %v", code)
	}
	// The markers are written when the transaction is CompleteCommit.
	eventually(t, func() error {
		d := testkit.Call[describetransactions.DescribeTransactionsResponse](t, cc, 0, &describetransactions.DescribeTransactionsRequest{TransactionalIds: []common.TransactionalId{txnID}})
		if st := d.TransactionStates[0].TransactionState; st != "CompleteCommit" {
			return fmt.Errorf("transaction %s", st)
		}
		return nil
	})
}

// awaitFullISR waits up to timeout until every partition of topic has n in-sync
// replicas, and returns the last shortfall if they do not.
func awaitFullISR(t *testing.T, c *testkit.Conn, topic string, n int, timeout time.Duration) error {
	var err error
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		req := serial.Default[metadata.MetadataRequest]()
		req.Topics = []metadata.MetadataRequestTopic{{Name: testkit.Ptr(common.TopicName(topic))}}
		md := testkit.Call[metadata.MetadataResponse](t, c, 12, &req)
		if err = nil; len(md.Topics) != 1 || len(md.Topics[0].Partitions) == 0 {
			err = fmt.Errorf("%+v", md.Topics)
		} else {
			for _, p := range md.Topics[0].Partitions {
				if len(p.IsrNodes) != n {
					err = fmt.Errorf("partition %d: isr %v", p.PartitionIndex, p.IsrNodes)
				}
			}
		}
		if err == nil {
			return nil
		}
	}
	return err
}

// describeQuorum describes the metadata partition's quorum through c.
func describeQuorum(t *testing.T, c *testkit.Conn) describequorum.DescribeQuorumResponsePartitionData {
	q := testkit.Call[describequorum.DescribeQuorumResponse](t, c, 1, &describequorum.DescribeQuorumRequest{Topics: []describequorum.DescribeQuorumRequestTopicData{{
		TopicName: metadataTopic, Partitions: []describequorum.DescribeQuorumRequestPartitionData{{PartitionIndex: 0}}}}})
	if len(q.Topics) != 1 || len(q.Topics[0].Partitions) != 1 {
		t.Fatalf("describe quorum: %+v", q)
	}
	return q.Topics[0].Partitions[0]
}

// quorumEnd returns the largest log end offset of the metadata log among the voters,
// the leader's included: at least the end of a voter that has stopped.
func quorumEnd(t *testing.T, c *testkit.Conn) int64 {
	end := int64(-1)
	for _, v := range describeQuorum(t, c).CurrentVoters {
		end = max(end, v.LogEndOffset)
	}
	if end < 0 {
		t.Fatal("describe quorum: no voter's log end offset")
	}
	return end
}

// logStartWait bounds the wait for the leader's Raft cleaner, which runs 60 s after the
// node started and every 60 s then.
const logStartWait = 150 * time.Second

// awaitLogStartBeyond waits until the metadata log of the quorum's leader starts beyond
// offset: its earliest snapshot (a checkpoint file named by its end offset and epoch),
// where the cleaner moves the log start, lies past offset.
func awaitLogStartBeyond(t *testing.T, c *testkit.Conn, nodes []*clusterNode, offset int64) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(logStartWait); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		q := describeQuorum(t, c)
		leader := nodeByID(nodes, int32(q.LeaderId))
		if leader == nil {
			last = fmt.Sprintf("no leader (%d)", q.LeaderId)
			continue
		}
		dir := filepath.Join(leader.b.LogDirs[0], metadataTopic+"-0")
		entries, err := os.ReadDir(dir)
		if err != nil {
			last = err.Error()
			continue
		}
		earliest := int64(-1)
		for _, e := range entries {
			name, ok := strings.CutSuffix(e.Name(), ".checkpoint")
			off, _, found := strings.Cut(name, "-")
			if !ok || !found {
				continue
			}
			if o, err := strconv.ParseInt(off, 10, 64); err == nil && (earliest < 0 || o < earliest) {
				earliest = o
			}
		}
		if earliest > offset {
			return
		}
		last = fmt.Sprintf("leader %d's earliest snapshot ends at %d, not beyond %d", leader.id, earliest, offset)
	}
	t.Fatalf("after %v: %s", logStartWait, last)
}

// awaitFrames waits a little until some proxy has passed a request and a response of
// the API key.
func awaitFrames(t *testing.T, nodes []*clusterNode, key int16) {
	t.Helper()
	var requests, responses int
	for range 100 {
		requests, responses = 0, 0
		for _, n := range nodes {
			for _, p := range []*proxy.Proxy{n.brokerProxy, n.ctrlPrx} {
				for _, st := range p.Stats() {
					if st.APIKey == key {
						requests += st.Requests
						responses += st.Responses
					}
				}
			}
		}
		if requests > 0 && responses > 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("API key %d between the nodes: %d requests, %d responses", key, requests, responses)
}

// nodeDown reports a proxy's failure to reach a node that was down: the dial refused,
// or, for a node shutting down, the connection reset or closed while the proxy's
// kio/client negotiated versions with it.
func nodeDown(err error) bool {
	msg := fmt.Sprint(err)
	return strings.HasPrefix(msg, "dial broker ") &&
		(strings.Contains(msg, "connection refused") || strings.Contains(msg, "connection reset by peer") || errors.Is(err, io.EOF))
}

// nodeByID returns the node with the given id.
func nodeByID(nodes []*clusterNode, id int32) *clusterNode {
	for _, n := range nodes {
		if n.id == id {
			return n
		}
	}
	return nil
}

// clusterLeaders waits until every partition of topic has a leader and n in-sync
// replicas, and returns the leaders by partition.
func clusterLeaders(t *testing.T, c *testkit.Conn, topic string, n int) map[int32]int32 {
	leaders := map[int32]int32{}
	eventually(t, func() error {
		req := serial.Default[metadata.MetadataRequest]()
		req.Topics = []metadata.MetadataRequestTopic{{Name: testkit.Ptr(common.TopicName(topic))}}
		md := testkit.Call[metadata.MetadataResponse](t, c, 12, &req)
		if len(md.Topics) != 1 || md.Topics[0].ErrorCode != common.None || len(md.Topics[0].Partitions) == 0 {
			return fmt.Errorf("%+v", md.Topics)
		}
		for _, p := range md.Topics[0].Partitions {
			if p.LeaderId < 0 || len(p.IsrNodes) != n {
				return fmt.Errorf("partition %d: leader %d isr %v", p.PartitionIndex, p.LeaderId, p.IsrNodes)
			}
			leaders[p.PartitionIndex] = int32(p.LeaderId)
		}
		return nil
	})
	return leaders
}

// reportCluster checks every frame the proxies saw and prints what passed between the
// nodes.
func reportCluster(t *testing.T, version string, nodes []*clusterNode) {
	frames, identical, unread, refused := 0, 0, 0, 0
	pairs := map[[2]int16]bool{}
	beyond := map[string]int{}
	for _, n := range nodes {
		for _, p := range []*proxy.Proxy{n.brokerProxy, n.ctrlPrx} {
			for _, pr := range p.Problems() {
				if pr.Original == nil && pr.APIKey == -1 && nodeDown(pr.Err) {
					refused++ // a node dialed one that was down (shut down or restarting): no frame
					continue
				}
				if beyondSchema(pr) {
					beyond[fmt.Sprintf("%s key %d v%d", pr.Direction, pr.APIKey, pr.APIVersion)]++
					unread++
					continue
				}
				t.Errorf("node %d: %v", n.id, pr.String())
			}
			for _, sk := range p.Skips() {
				t.Errorf("node %d: skipped %+v", n.id, sk)
			}
			for _, st := range p.Stats() {
				frames += st.Requests + st.Responses
				identical += st.Identical
				pairs[[2]int16{st.APIKey, st.APIVersion}] = true
			}
		}
	}
	var names []string
	seen := map[string]bool{}
	for kv := range pairs {
		name := fmt.Sprint(kv[0])
		if api, ok := schema.Lookup(kv[0]); ok {
			name = api.Name
		}
		seen[name] = true
		names = append(names, fmt.Sprintf("%s v%d", name, kv[1]))
	}
	slices.Sort(names)
	kafkadist.Report(t, fmt.Sprintf("real kafka cluster %s: %d inter-node key/versions, %d frames (%d identical, %d beyond kio's schema): %s",
		version, len(pairs), frames, identical, unread, strings.Join(names, ", ")))
	t.Logf("real kafka cluster %s: %d connections refused (or reset) by a node that was down", version, refused)
	if len(beyond) > 0 {
		t.Logf("real kafka cluster %s: frames of versions beyond kio's schema, not checked: %v", version, beyond)
	}
	if identical+unread != frames {
		t.Errorf("%d of %d frames identical (%d beyond kio's schema)", identical, frames, unread)
	}
	var missing []string
	for _, want := range []string{"Vote", "BeginQuorumEpoch", "EndQuorumEpoch", "Fetch", "BrokerRegistration", "BrokerHeartbeat",
		"ControllerRegistration", "AllocateProducerIds", "ApiVersions", "WriteTxnMarkers", "FetchSnapshot"} {
		if !seen[want] {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		t.Errorf("real kafka cluster %s: no %v between the nodes", version, missing)
	}
	var others []string
	for _, also := range []string{"AlterPartition", "AssignReplicasToDirs"} {
		if !seen[also] {
			others = append(others, also)
		}
	}
	if len(others) > 0 {
		t.Logf("real kafka cluster %s: not seen between the nodes this run: %v", version, others)
	}
}
