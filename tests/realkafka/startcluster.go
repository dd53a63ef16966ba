package realkafka

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// StartCluster starts a KRaft cluster of n nodes of the given release for t, each a
// broker and a controller of a static quorum of all n, advertising their own addresses,
// and stops them when t ends. props override the nodes' defaults; with n above 1 the
// internal topics are replicated n times (min.insync.replicas 2) unless props say
// otherwise. The nodes are returned by node id (1..n). Where Java, Maven or Maven
// Central is missing it ends t through kafkadist.Unavailable.
func StartCluster(t testing.TB, version string, n int, props map[string]string) []*Broker {
	t.Helper()
	cp := kafkadist.Classpath(t, "broker", version)
	clusterID := randomClusterID()
	ports, err := FreePorts(2 * n)
	if err != nil {
		t.Fatal(err)
	}
	var voters []string
	for i := range n {
		voters = append(voters, fmt.Sprintf("%d@%s", i+1, net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[2*i+1]))))
	}
	all := map[string]string{}
	if n > 1 {
		rf := strconv.Itoa(n)
		all["offsets.topic.replication.factor"] = rf
		all["transaction.state.log.replication.factor"] = rf
		all["transaction.state.log.min.isr"] = "2"
		all["default.replication.factor"] = rf
		all["min.insync.replicas"] = "2"
		if !strings.HasPrefix(version, "3.") {
			all["share.coordinator.state.topic.replication.factor"] = rf
			all["share.coordinator.state.topic.min.isr"] = "2"
		}
	}
	for k, v := range props {
		all[k] = v
	}
	nodes := make([]*Broker, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		dir, err := os.MkdirTemp("", fmt.Sprintf("kio-kafka-cluster-%s-%d-", version, i+1))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { // the nodes wait for a quorum: start them together
			defer wg.Done()
			nodes[i], errs[i] = StartNodeWith(cp, version, dir, Options{NodeID: int32(i + 1), ClusterID: clusterID,
				Voters: strings.Join(voters, ","), PlaintextPort: ports[2*i], ControllerPort: ports[2*i+1], Properties: all})
			if errs[i] != nil {
				os.RemoveAll(dir)
			}
		}()
	}
	wg.Wait()
	for i, b := range nodes {
		if b != nil {
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("Kafka %s node %d log:\n%s", version, b.NodeID, b.logTail())
				}
				b.Stop()
			})
		}
		if errs[i] != nil {
			t.Fatalf("start Kafka %s node %d: %v", version, i+1, errs[i])
		}
	}
	return nodes
}

// Pause stops the node's JVM where it stands (SIGSTOP to its process group): a broker
// that stalls, accepting nothing and answering nothing, until Resume.
func (b *Broker) Pause() error {
	if b.cmd == nil || b.cmd.Process == nil {
		return errors.New("realkafka: node not running")
	}
	return syscall.Kill(-b.cmd.Process.Pid, syscall.SIGSTOP)
}

// Resume lets a paused node run again (SIGCONT).
func (b *Broker) Resume() error {
	if b.cmd == nil || b.cmd.Process == nil {
		return errors.New("realkafka: node not running")
	}
	return syscall.Kill(-b.cmd.Process.Pid, syscall.SIGCONT)
}
