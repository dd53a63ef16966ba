package realkafka

// TestRealKafka: kio alone (net.Dial, kio's framing, kio's structs, kio/records) against
// a real Apache Kafka node of each pinned release. Every API the node advertises on its
// broker listener and on its controller listener is sent at every version both kio and
// the node support (read from kio's index and the node's ApiVersions answers, so new
// versions in kio/schema are exercised as soon as they land), and every answer is
// checked for content. One node per release is shared by the subtests; the releases run
// one after the other (2 cores).

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/tags"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

// Listener names, for coverage and reports.
const (
	onBroker     = "broker"
	onController = "controller"
)

// suite is what the subtests of one node share.
type suite struct {
	root *testing.T // the test of this node: connections live as long as it
	b    *Broker
	cov  *testkit.Coverage

	broker, ctrl *testkit.Conn // the PLAINTEXT and controller listeners

	supported map[string]map[int16]tags.Range // listener -> key -> the node's versions

	dataTopic  string // one partition, the records of the Produce subtests
	dataID     kio.UUID
	produced   []records.Record // every record produced to dataTopic, by offset
	firstZstd  int              // index in produced of the first zstd record, or -1
	topicIDs   map[string]kio.UUID
	epoch      int32 // leader epoch of the data topic's partition 0
	quorumLead int32 // the KRaft leader's epoch, from DescribeQuorum
	fake       fakeBroker
	fakeIDs    []int32          // fake brokers registered and not yet unregistered
	skipped    map[int16]string // APIs left out on purpose, with the reason
	admin      *testkit.Conn    // SASL_PLAINTEXT, logged in as the super user
	tokens     []delegationToken
	txnID      string              // the transaction of the current round
	txnPIDs    []common.ProducerId // producer ids of the transactions
	quirks     map[string]bool     // what the node did that is worth a line in the report
}

// notYet lists the advertised APIs this suite has no step for yet (none now: every API
// of Kafka 3.9.2 and 4.4.0 has one). They are reported in the line "advertised, not
// exercised by this suite yet", not failed; any other advertised API left unexercised
// fails.
var notYet = map[int16]bool{}

// step exercises one API at one version. A flow (rounds set) instead runs once per
// round, as many rounds as its APIs have versions, each API at its own version for
// the round (see at).
type step struct {
	name     string
	key      int16
	listener string
	run      func(t *testing.T, v int16)
	rounds   []int16 // the API keys of a flow
}

func TestRealKafka(t *testing.T) {
	for _, version := range kafkadist.Releases {
		t.Run(version, func(t *testing.T) { testRealKafka(t, version) })
	}
}

func testRealKafka(t *testing.T, version string) {
	b := Start(t, version)
	s := &suite{root: t, b: b, firstZstd: -1, cov: &testkit.Coverage{}, topicIDs: map[string]kio.UUID{}, skipped: map[int16]string{}}
	s.broker = dial(t, onBroker, b.Plaintext, s.cov)
	s.ctrl = dial(t, onController, b.Controller, s.cov)
	s.supported = map[string]map[int16]tags.Range{
		onBroker:     testkit.LearnVersions(t, s.broker, 3),
		onController: testkit.LearnVersions(t, s.ctrl, 3),
	}

	for _, st := range s.steps() {
		if st.rounds != nil {
			n := 0
			for _, k := range st.rounds {
				n = max(n, len(s.versions(st.listener, k)))
			}
			for round := range n {
				if !t.Run(fmt.Sprintf("%s/%s/round%d", st.listener, st.name, round), func(t *testing.T) { st.run(t, int16(round)) }) {
					t.FailNow()
				}
			}
			continue
		}
		for _, v := range s.versions(st.listener, st.key) {
			name := fmt.Sprintf("%s/%s/v%d", st.listener, st.name, v)
			if !t.Run(name, func(t *testing.T) { st.run(t, v) }) {
				t.FailNow() // later steps depend on what earlier ones made
			}
		}
	}

	keys, pairs := s.cov.Totals()
	kafkadist.Report(t, fmt.Sprintf("real kafka %s: %d API keys, %d key/versions exercised", version, keys, pairs))
	for _, l := range []string{onBroker, onController} {
		t.Logf("real kafka %s %s listener: %s", version, l, s.cov.Describe(l))
	}
	s.reportUnserved(t)
	var quirks []string
	for q := range s.quirks {
		quirks = append(quirks, q)
	}
	slices.Sort(quirks)
	for _, q := range quirks {
		t.Logf("real kafka %s: %s", version, q)
	}
}

// versions returns every version of key both kio and the listener support, oldest
// first; none where either side lacks the API.
func (s *suite) versions(listener string, key int16) []int16 {
	return testkit.Common(s.supported[listener], key)
}

// at returns the version of key a flow uses in a round: the round-th common version on
// the broker listener, or the newest where there are fewer.
func (s *suite) at(t testing.TB, key int16, round int16) int16 {
	t.Helper()
	vs := s.versions(onBroker, key)
	if len(vs) == 0 {
		t.Fatalf("no common version of API key %d", key)
	}
	return vs[min(int(round), len(vs)-1)]
}

// newest returns the newest version of key both sides support on the listener, failing
// the test where there is none.
func (s *suite) newest(t testing.TB, listener string, key int16) int16 {
	t.Helper()
	vs := s.versions(listener, key)
	if len(vs) == 0 {
		t.Fatalf("no common version of API key %d on the %s listener", key, listener)
	}
	return vs[len(vs)-1]
}

// reportUnserved lists, per listener, the APIs the node advertises that were not
// exercised at every common version, and kio's APIs the node does not serve, with why.
// An advertised API with a common version that no step covered fails the test unless
// it is skipped on purpose with a reason.
func (s *suite) reportUnserved(t *testing.T) {
	for _, l := range []string{onBroker, onController} {
		var notServed, noCommon, skipped, pending []string
		for _, api := range schema.APIs() {
			r, ok := s.supported[l][api.Key]
			switch {
			case !ok:
				notServed = append(notServed, api.String())
			case api.Versions.Intersect(r).IsNone():
				noCommon = append(noCommon, fmt.Sprintf("%v (node %v, kio %v)", api, r, api.Versions))
			default:
				var missing []string
				for _, v := range s.versions(l, api.Key) {
					if !s.cov.Has(l, api.Key, v) {
						missing = append(missing, fmt.Sprintf("v%d", v))
					}
				}
				if len(missing) == 0 {
					continue
				}
				if notYet[api.Key] {
					pending = append(pending, api.String())
					continue
				}
				if why, ok := s.skipped[api.Key]; ok {
					skipped = append(skipped, fmt.Sprintf("%v %s: %s", api, strings.Join(missing, ","), why))
					continue
				}
				t.Errorf("%s listener: %v advertised at %v, not exercised at %s", l, api, r, strings.Join(missing, ","))
			}
		}
		var beyond []string // advertised keys kio does not know at all
		for k := range s.supported[l] {
			if _, ok := schema.Lookup(k); !ok {
				beyond = append(beyond, fmt.Sprintf("%d", k))
			}
		}
		slices.Sort(beyond)
		t.Logf("real kafka %s %s listener does not serve %d of kio's APIs (not advertised there): %s",
			s.b.Version, l, len(notServed), strings.Join(notServed, ", "))
		if len(noCommon) > 0 {
			t.Logf("real kafka %s %s listener: no version in common with kio: %s", s.b.Version, l, strings.Join(noCommon, "; "))
		}
		if len(skipped) > 0 {
			t.Logf("real kafka %s %s listener: left out on purpose: %s", s.b.Version, l, strings.Join(skipped, "; "))
		}
		if len(pending) > 0 {
			t.Logf("real kafka %s %s listener: advertised, not exercised by this suite yet: %s", s.b.Version, l, strings.Join(pending, ", "))
		}
		if len(beyond) > 0 {
			t.Logf("real kafka %s %s listener advertises API keys kio does not define yet: %s", s.b.Version, l, strings.Join(beyond, ", "))
		}
	}
}
