package kfake

// A real broker over TCP: franz-go's kfake runs in process on loopback, and this suite
// talks to it only through kio (net.Dial, kio's framing, kio's generated structs, and
// kio/records for the record batches). Each API runs at every version both kio and
// kfake support (so at the oldest and the newest too), read from kfake's ApiVersions
// answer, and every answer is checked for content, not only for a missing error code.

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/createtopics"
	"github.com/kio-go/kafka-protocol/kio/schema/deletetopics"
	"github.com/kio-go/kafka-protocol/kio/schema/describeconfigs"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/kio/tags"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

const (
	clusterID  = "kio-kfake"
	numBrokers = 3
	// dataTopic holds the records the Produce subtests write and the Fetch and
	// ListOffsets subtests read back: one partition, replicated to every broker.
	dataTopic = "kio-data"
	// missingTopic never exists.
	missingTopic = "kio-missing"
	// configResourceTopic is DescribeConfigs' resource type of a topic.
	configResourceTopic = 2
	// configSourceDynamicTopic is DescribeConfigs' source of a topic's own config.
	configSourceDynamicTopic = 1
	// configSourceDefault is DescribeConfigs' source of a built-in default.
	configSourceDefault = 5
	// defaultRetentionMs is Kafka's default retention.ms: seven days.
	defaultRetentionMs = "604800000"
)

// suite is the state the subtests share: connections, what the broker supports,
// and what earlier subtests created, so that later ones check against it.
type suite struct {
	cluster *kfake.Cluster
	cov     *testkit.Coverage
	conns   map[string]*testkit.Conn // by host:port

	bootstrap  *testkit.Conn
	supported  map[int16]tags.Range       // from the broker's ApiVersions v0 answer
	brokers    map[common.BrokerId]string // node id to host:port, from Metadata
	controller common.BrokerId

	created  []createdTopic      // topics the CreateTopics subtests made, in order
	topicIDs map[string]kio.UUID // learned from CreateTopics v7+ and Metadata v10+
	deleted  map[string]bool     // topics the DeleteTopics subtests removed
	dryRun   map[string]bool     // topics validated (validateOnly) but never created
	produced []records.Record    // every record produced to dataTopic, by offset
	batches  [][]byte            // the produced batches as sent
	epochs   map[string]int32    // leader epoch of partition 0 of each topic
	leaders  map[string]common.BrokerId
}

// createdTopic is a topic a CreateTopics subtest created.
type createdTopic struct {
	name        string
	partitions  int32
	replication int16
	retentionMs string // the retention.ms config it was created with
}

func TestKfakeOverTCP(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(numBrokers), kfake.ClusterID(clusterID))
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(cluster.Close)

	s := &suite{
		cluster:  cluster,
		cov:      &testkit.Coverage{},
		conns:    map[string]*testkit.Conn{},
		topicIDs: map[string]kio.UUID{},
		deleted:  map[string]bool{},
		dryRun:   map[string]bool{},
		epochs:   map[string]int32{},
		leaders:  map[string]common.BrokerId{},
	}
	// Connections outlive the subtest that dials them; close them before the cluster.
	t.Cleanup(func() {
		for _, c := range s.conns {
			c.Close()
		}
	})
	s.bootstrap = s.conn(t, cluster.ListenAddrs()[0])
	s.learnVersions(t)
	s.learnCluster(t)

	// Each step depends on the ones before it (topics, records, offsets), so a failed
	// step stops the suite instead of piling up follow-on failures.
	steps := []struct {
		name string
		key  int16
		run  func(t *testing.T, v int16)
	}{
		{"ApiVersions", 18, s.testApiVersions},
		{"CreateTopics", 19, s.testCreateTopics},
		{"Metadata", 3, s.testMetadata},
		{"DescribeConfigs", 32, s.testDescribeConfigs},
		{"Produce", 0, s.testProduce},
		{"Fetch", 1, s.testFetch},
		{"ListOffsets", 2, s.testListOffsets},
	}
	for _, step := range steps {
		for _, v := range s.versions(t, step.key) {
			if !t.Run(fmt.Sprintf("%s/v%d", step.name, v), func(t *testing.T) { step.run(t, v) }) {
				t.FailNow()
			}
		}
	}
	s.testGroupFlows(t)
	for _, v := range s.versions(t, 20) {
		if !t.Run(fmt.Sprintf("DeleteTopics/v%d", v), func(t *testing.T) { s.testDeleteTopics(t, v) }) {
			t.FailNow()
		}
	}
	t.Run("Metadata/after-delete", s.testMetadataAfterDelete)

	kafkadist.Report(t, "coverage: "+s.cov.Summary())
	s.logUnsupported(t)
}

// conn returns the suite's connection to addr, dialing it on first use.
func (s *suite) conn(t testing.TB, addr string) *testkit.Conn {
	t.Helper()
	c, ok := s.conns[addr]
	if !ok {
		c = testkit.Dial(t, "broker", addr, "kio-kfake-test", s.cov)
		s.conns[addr] = c
	}
	return c
}

// nodeConn returns the connection to the broker with the given node id.
func (s *suite) nodeConn(t testing.TB, node common.BrokerId) *testkit.Conn {
	t.Helper()
	addr, ok := s.brokers[node]
	if !ok {
		t.Fatalf("no broker %d in metadata (brokers %v)", node, s.brokers)
	}
	return s.conn(t, addr)
}

// otherConn returns a connection to some broker other than node, for requests that
// must be refused for being sent to the wrong broker.
func (s *suite) otherConn(t testing.TB, node common.BrokerId) *testkit.Conn {
	t.Helper()
	for id := range s.brokers {
		if id != node {
			return s.nodeConn(t, id)
		}
	}
	t.Fatalf("no broker other than %d", node)
	return nil
}

// learnVersions asks for the broker's API versions with ApiVersions v0, the version
// every broker answers, and keeps them for choosing the versions to test.
func (s *suite) learnVersions(t *testing.T) {
	s.supported = testkit.LearnVersions(t, s.bootstrap, 0)
}

// versions returns the versions to test an API at: every version both kio and the
// broker support, oldest first.
func (s *suite) versions(t testing.TB, key int16) []int16 {
	t.Helper()
	vs := testkit.Common(s.supported, key)
	if len(vs) == 0 {
		api, _ := schema.Lookup(key)
		t.Fatalf("API key %d (%v): kio and kfake (%v) share no version", key, api, s.supported[key])
	}
	return vs
}

// newest returns the newest version of an API both sides support.
func (s *suite) newest(t testing.TB, key int16) int16 {
	vs := s.versions(t, key)
	return vs[len(vs)-1]
}

// logUnsupported lists the APIs kio defines that kfake does not implement.
func (s *suite) logUnsupported(t *testing.T) {
	var missing []string
	for _, api := range schema.APIs() {
		broker, ok := s.supported[api.Key]
		switch {
		case !ok:
			missing = append(missing, api.String())
		case api.Versions.Intersect(broker).IsNone():
			missing = append(missing, fmt.Sprintf("%v (kfake %v, kio %v)", api, broker, api.Versions))
		}
	}
	kafkadist.Report(t, fmt.Sprintf("kio APIs kfake does not serve (%d of %d): %v", len(missing), len(schema.APIs()), missing))
}

// learnCluster reads the brokers and the controller with Metadata at the newest
// version, asking for every topic (a null topic list).
func (s *suite) learnCluster(t *testing.T) {
	v := s.newest(t, 3)
	req := serial.Default[metadata.MetadataRequest]()
	resp := testkit.Call[metadata.MetadataResponse](t, s.bootstrap, v, &req)
	s.brokers = map[common.BrokerId]string{}
	for _, b := range resp.Brokers {
		s.brokers[b.NodeId] = b.Host + ":" + strconv.Itoa(int(b.Port))
	}
	var got []string
	for _, addr := range s.brokers {
		got = append(got, addr)
	}
	want := s.cluster.ListenAddrs()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Metadata v%d brokers %v, kfake listens on %v", v, got, want)
	}
	s.controller = resp.ControllerId
	if _, ok := s.brokers[s.controller]; !ok {
		t.Fatalf("Metadata v%d controller %d is not among the brokers %v", v, s.controller, s.brokers)
	}
	if len(resp.Topics) != 0 {
		t.Fatalf("Metadata v%d on a fresh cluster lists topics: %+v", v, resp.Topics)
	}
}

func (s *suite) testApiVersions(t *testing.T, v int16) {
	req := serial.Default[apiversions.ApiVersionsRequest]()
	if v >= 3 {
		req.ClientSoftwareName, req.ClientSoftwareVersion = "kio", "0.1.0"
	}
	resp := testkit.Call[apiversions.ApiVersionsResponse](t, s.bootstrap, v, &req)
	if resp.ErrorCode != common.None {
		t.Fatalf("error code %v", resp.ErrorCode)
	}
	got := map[int16]tags.Range{}
	for _, k := range resp.ApiKeys {
		if _, dup := got[k.ApiKey]; dup {
			t.Errorf("API key %d listed twice", k.ApiKey)
		}
		got[k.ApiKey] = tags.Range{Lo: k.MinVersion, Hi: k.MaxVersion}
	}
	// Every version lists the same APIs and ranges; among them Metadata and
	// ApiVersions itself at this very version.
	if len(got) != len(s.supported) {
		t.Errorf("%d API keys, v0 listed %d", len(got), len(s.supported))
	}
	for key, r := range s.supported {
		if got[key] != r {
			t.Errorf("API key %d: range %v, v0 said %v", key, got[key], r)
		}
	}
	if r, ok := got[3]; !ok || r.Hi < 12 {
		t.Errorf("Metadata (key 3) missing or too old: %v", r)
	}
	if r := got[18]; !r.Contains(v) {
		t.Errorf("ApiVersions range %v does not contain the version asked, %d", r, v)
	}
	if v >= 3 {
		// KIP-584 features are tagged fields of v3+: kfake advertises its feature table.
		if len(resp.SupportedFeatures) == 0 {
			t.Errorf("no supported features at v%d", v)
		}
		for _, f := range resp.SupportedFeatures {
			if f.Name == "" || f.MinVersion > f.MaxVersion {
				t.Errorf("bad feature %+v", f)
			}
		}
		// A real broker (and kfake) refuses software names outside its pattern.
		bad := req
		bad.ClientSoftwareName = "-kio-"
		resp := testkit.Call[apiversions.ApiVersionsResponse](t, s.bootstrap, v, &bad)
		if resp.ErrorCode != common.InvalidRequest {
			t.Errorf("bad software name: error %v, want %v", resp.ErrorCode, common.InvalidRequest)
		}
	} else if len(resp.SupportedFeatures) != 0 || resp.FinalizedFeaturesEpoch != -1 {
		t.Errorf("v%d decoded v3+ fields: %+v", v, resp)
	}
}

func (s *suite) testCreateTopics(t *testing.T, v int16) {
	topics := []createdTopic{{
		name:        fmt.Sprintf("kio-create-v%d", v),
		partitions:  2,
		replication: numBrokers,
		retentionMs: strconv.Itoa(3_600_000 + int(v)),
	}}
	if len(s.created) == 0 { // the first CreateTopics subtest also makes the data topic
		topics = append(topics, createdTopic{name: dataTopic, partitions: 1, replication: numBrokers, retentionMs: "86400000"})
	}
	req := serial.Default[createtopics.CreateTopicsRequest]()
	req.TimeoutMs = 5000
	for _, c := range topics {
		req.Topics = append(req.Topics, createtopics.CreatableTopic{
			Name:              common.TopicName(c.name),
			NumPartitions:     c.partitions,
			ReplicationFactor: c.replication,
			Configs:           []createtopics.CreatableTopicConfig{{Name: "retention.ms", Value: testkit.Ptr(c.retentionMs)}},
		})
	}

	// Topics are created by the controller only.
	wrong := testkit.Call[createtopics.CreateTopicsResponse](t, s.otherConn(t, s.controller), v, &req)
	if len(wrong.Topics) != len(topics) || wrong.Topics[0].ErrorCode != common.NotController {
		t.Fatalf("CreateTopics to a non-controller: %+v, want NOT_CONTROLLER", wrong.Topics)
	}

	ctrl := s.nodeConn(t, s.controller)
	resp := testkit.Call[createtopics.CreateTopicsResponse](t, ctrl, v, &req)
	if len(resp.Topics) != len(topics) {
		t.Fatalf("%d results for %d topics", len(resp.Topics), len(topics))
	}
	for i, c := range topics {
		r := resp.Topics[i]
		if string(r.Name) != c.name || r.ErrorCode != common.None {
			t.Fatalf("result %d: %s %v %v, want %s NONE", i, r.Name, r.ErrorCode, str(r.ErrorMessage), c.name)
		}
		if v >= 5 {
			// KIP-525: the response describes the topic as created.
			if r.NumPartitions != c.partitions || r.ReplicationFactor != c.replication {
				t.Errorf("%s: %d partitions x%d, want %d x%d", c.name, r.NumPartitions, r.ReplicationFactor, c.partitions, c.replication)
			}
			if val, ok := createdConfig(r.Configs, "retention.ms"); !ok || val != c.retentionMs {
				t.Errorf("%s: retention.ms %q (found %v), want %q", c.name, val, ok, c.retentionMs)
			}
		} else if r.NumPartitions != -1 || r.Configs == nil || len(r.Configs) != 0 {
			// Absent before v5: the spec default -1, and an empty (not null) array.
			t.Errorf("v%d decoded v5+ fields: %+v", v, r)
		}
		if v >= 7 {
			if r.TopicId.IsZero() {
				t.Errorf("%s: zero topic id", c.name)
			}
			s.topicIDs[c.name] = r.TopicId
		}
		s.created = append(s.created, c)
	}

	// Creating again fails per topic.
	again := testkit.Call[createtopics.CreateTopicsResponse](t, ctrl, v, &req)
	for i, r := range again.Topics {
		if r.ErrorCode != common.TopicAlreadyExists {
			t.Errorf("recreate %s: %v, want %v", topics[i].name, r.ErrorCode, common.TopicAlreadyExists)
		}
	}

	if v >= 1 { // validateOnly checks without creating: Metadata must not see the topic.
		dry := serial.Default[createtopics.CreateTopicsRequest]()
		dry.ValidateOnly = true
		dry.Topics = []createtopics.CreatableTopic{{Name: common.TopicName(fmt.Sprintf("kio-validate-v%d", v)), NumPartitions: 1, ReplicationFactor: 1}}
		resp := testkit.Call[createtopics.CreateTopicsResponse](t, ctrl, v, &dry)
		if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != common.None {
			t.Fatalf("validateOnly: %+v", resp.Topics)
		}
		s.dryRun[string(dry.Topics[0].Name)] = true
	}
}

// createdConfig finds a config in a CreateTopics v5+ result.
func createdConfig(cs []createtopics.CreatableTopicConfigs, name string) (string, bool) {
	for _, c := range cs {
		if c.Name == name {
			return str(c.Value), true
		}
	}
	return "", false
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

// metadataFor asks for the given topics by name at version v.
func (s *suite) metadataFor(t testing.TB, v int16, names ...string) *metadata.MetadataResponse {
	t.Helper()
	req := serial.Default[metadata.MetadataRequest]()
	req.Topics = []metadata.MetadataRequestTopic{} // an empty list, not null: only these topics
	for _, n := range names {
		req.Topics = append(req.Topics, metadata.MetadataRequestTopic{Name: testkit.Ptr(common.TopicName(n))})
	}
	if v >= 4 {
		req.AllowAutoTopicCreation = false
	}
	return testkit.Call[metadata.MetadataResponse](t, s.bootstrap, v, &req)
}

func (s *suite) testMetadata(t *testing.T, v int16) {
	var names []string
	for _, c := range s.created {
		names = append(names, c.name)
	}
	for n := range s.dryRun {
		names = append(names, n)
	}
	names = append(names, missingTopic)
	resp := s.metadataFor(t, v, names...)

	if len(resp.Brokers) != numBrokers {
		t.Errorf("%d brokers, want %d", len(resp.Brokers), numBrokers)
	}
	for _, b := range resp.Brokers {
		if addr := b.Host + ":" + strconv.Itoa(int(b.Port)); s.brokers[b.NodeId] != addr {
			t.Errorf("broker %d at %s, newest Metadata said %s", b.NodeId, addr, s.brokers[b.NodeId])
		}
	}
	switch {
	case v >= 1 && resp.ControllerId != s.controller:
		t.Errorf("controller %d, want %d", resp.ControllerId, s.controller)
	case v == 0 && resp.ControllerId != -1:
		t.Errorf("v0 has no controller field, decoded %d, want the default -1", resp.ControllerId)
	}
	switch {
	case v >= 2 && str(resp.ClusterId) != clusterID:
		t.Errorf("cluster id %s, want %s", str(resp.ClusterId), clusterID)
	case v < 2 && resp.ClusterId != nil:
		t.Errorf("v%d has no cluster id, decoded %s", v, *resp.ClusterId)
	}

	byName := map[string]*metadata.MetadataResponseTopic{}
	for i := range resp.Topics {
		byName[string(*resp.Topics[i].Name)] = &resp.Topics[i]
	}
	if len(byName) != len(names) {
		t.Errorf("%d topics answered, asked %d: %v", len(byName), len(names), names)
	}
	for n := range s.dryRun {
		if tp := byName[n]; tp == nil || tp.ErrorCode != common.UnknownTopicOrPartition {
			t.Errorf("validate-only topic %s: %+v, want UNKNOWN_TOPIC_OR_PARTITION", n, tp)
		}
	}
	if tp := byName[missingTopic]; tp == nil || tp.ErrorCode != common.UnknownTopicOrPartition {
		t.Errorf("missing topic: %+v, want UNKNOWN_TOPIC_OR_PARTITION", tp)
	}
	for _, c := range s.created {
		tp := byName[c.name]
		if tp == nil || tp.ErrorCode != common.None {
			t.Errorf("topic %s: %+v", c.name, tp)
			continue
		}
		if v >= 10 {
			if id, known := s.topicIDs[c.name]; tp.TopicId.IsZero() || known && id != tp.TopicId {
				t.Errorf("%s: topic id %v, CreateTopics said %v", c.name, tp.TopicId, id)
			}
			s.topicIDs[c.name] = tp.TopicId
		} else if !tp.TopicId.IsZero() {
			t.Errorf("v%d has no topic ids, decoded %v", v, tp.TopicId)
		}
		if int32(len(tp.Partitions)) != c.partitions {
			t.Errorf("%s: %d partitions, want %d", c.name, len(tp.Partitions), c.partitions)
		}
		seen := map[int32]bool{}
		for _, p := range tp.Partitions {
			seen[p.PartitionIndex] = true
			if p.ErrorCode != common.None {
				t.Errorf("%s/%d: %v", c.name, p.PartitionIndex, p.ErrorCode)
			}
			if _, ok := s.brokers[p.LeaderId]; !ok {
				t.Errorf("%s/%d: leader %d is not a broker", c.name, p.PartitionIndex, p.LeaderId)
			}
			if len(p.ReplicaNodes) != int(c.replication) || !slices.Contains(p.ReplicaNodes, p.LeaderId) {
				t.Errorf("%s/%d: replicas %v, leader %d, want %d replicas with the leader", c.name, p.PartitionIndex, p.ReplicaNodes, p.LeaderId, c.replication)
			}
			isr, replicas := slices.Clone(p.IsrNodes), slices.Clone(p.ReplicaNodes)
			slices.Sort(isr)
			slices.Sort(replicas)
			if !slices.Equal(isr, replicas) {
				t.Errorf("%s/%d: isr %v, replicas %v: kfake keeps every replica in sync", c.name, p.PartitionIndex, p.IsrNodes, p.ReplicaNodes)
			}
			if v >= 7 && p.LeaderEpoch < 0 || v < 7 && p.LeaderEpoch != -1 {
				t.Errorf("%s/%d: leader epoch %d at v%d", c.name, p.PartitionIndex, p.LeaderEpoch, v)
			}
			if p.PartitionIndex == 0 {
				s.leaders[c.name] = p.LeaderId
				if v >= 7 {
					s.epochs[c.name] = p.LeaderEpoch
				}
			}
		}
		for i := range c.partitions {
			if !seen[i] {
				t.Errorf("%s: partition %d missing", c.name, i)
			}
		}
	}
}

func (s *suite) testDescribeConfigs(t *testing.T, v int16) {
	req := serial.Default[describeconfigs.DescribeConfigsRequest]()
	for _, c := range s.created {
		req.Resources = append(req.Resources, describeconfigs.DescribeConfigsResource{
			ResourceType: configResourceTopic, ResourceName: c.name, ConfigurationKeys: []string{"retention.ms"},
		})
	}
	req.Resources = append(req.Resources, describeconfigs.DescribeConfigsResource{
		ResourceType: configResourceTopic, ResourceName: missingTopic, ConfigurationKeys: []string{"retention.ms"},
	})
	if v >= 1 {
		req.IncludeSynonyms = true
	}
	if v >= 3 {
		req.IncludeDocumentation = true
	}
	resp := testkit.Call[describeconfigs.DescribeConfigsResponse](t, s.bootstrap, v, &req)
	if len(resp.Results) != len(req.Resources) {
		t.Fatalf("%d results for %d resources", len(resp.Results), len(req.Resources))
	}
	for i, c := range s.created {
		r := resp.Results[i]
		if r.ErrorCode != common.None || r.ResourceName != c.name || r.ResourceType != configResourceTopic {
			t.Errorf("result %d: %v %d %s (%s), want NONE for topic %s", i, r.ErrorCode, r.ResourceType, r.ResourceName, str(r.ErrorMessage), c.name)
			continue
		}
		if len(r.Configs) != 1 || r.Configs[0].Name != "retention.ms" || str(r.Configs[0].Value) != c.retentionMs {
			t.Errorf("%s: configs %+v, want retention.ms=%s", c.name, r.Configs, c.retentionMs)
			continue
		}
		cfg := r.Configs[0]
		switch {
		case v == 0 && cfg.IsDefault:
			t.Errorf("%s: v0 says retention.ms is a default; it was set at creation", c.name)
		case v >= 1 && cfg.ConfigSource != configSourceDynamicTopic:
			t.Errorf("%s: config source %d, want %d (DYNAMIC_TOPIC_CONFIG)", c.name, cfg.ConfigSource, configSourceDynamicTopic)
		case v >= 1 && !hasDefaultRetention(cfg.Synonyms):
			// Kafka lists the topic's own value first, then the defaults it overrides;
			// kfake lists only the overridden ones. Both include the default.
			t.Errorf("%s: synonyms %+v, want the default retention.ms=%s (source %d)", c.name, cfg.Synonyms, defaultRetentionMs, configSourceDefault)
		case v < 1 && (cfg.Synonyms == nil || len(cfg.Synonyms) != 0): // absent: empty, not null
			t.Errorf("v0 decoded synonyms %+v", cfg.Synonyms)
		}
	}
	if r := resp.Results[len(s.created)]; r.ErrorCode != common.UnknownTopicOrPartition {
		t.Errorf("missing topic: %v, want UNKNOWN_TOPIC_OR_PARTITION", r.ErrorCode)
	}
}

// hasDefaultRetention reports whether synonyms holds Kafka's default retention.ms.
func hasDefaultRetention(synonyms []describeconfigs.DescribeConfigsSynonym) bool {
	for _, syn := range synonyms {
		if syn.Name == "retention.ms" && syn.Source == configSourceDefault && str(syn.Value) == defaultRetentionMs {
			return true
		}
	}
	return false
}

// testDeleteTopics deletes the i-th topic the CreateTopics subtests made: by name
// before v6, by topic id at v6+.
func (s *suite) testDeleteTopics(t *testing.T, v int16) {
	var victim createdTopic
	for _, c := range s.created {
		if c.name != dataTopic && !s.deleted[c.name] {
			victim = c
			break
		}
	}
	if victim.name == "" {
		t.Fatal("no created topic left to delete")
	}
	id := s.topicIDs[victim.name]
	req := serial.Default[deletetopics.DeleteTopicsRequest]()
	req.TimeoutMs = 5000
	if v >= 6 {
		if id.IsZero() {
			t.Fatalf("no topic id known for %s", victim.name)
		}
		req.Topics = []deletetopics.DeleteTopicState{{TopicId: id}}
	} else {
		req.TopicNames = []common.TopicName{common.TopicName(victim.name)}
	}

	wrong := testkit.Call[deletetopics.DeleteTopicsResponse](t, s.otherConn(t, s.controller), v, &req)
	if len(wrong.Responses) != 1 || wrong.Responses[0].ErrorCode != common.NotController {
		t.Fatalf("DeleteTopics to a non-controller: %+v, want NOT_CONTROLLER", wrong.Responses)
	}

	ctrl := s.nodeConn(t, s.controller)
	resp := testkit.Call[deletetopics.DeleteTopicsResponse](t, ctrl, v, &req)
	if len(resp.Responses) != 1 {
		t.Fatalf("%d results, want 1", len(resp.Responses))
	}
	r := resp.Responses[0]
	if r.ErrorCode != common.None || r.Name == nil || string(*r.Name) != victim.name {
		t.Fatalf("delete %s: %v %s (%s)", victim.name, r.ErrorCode, str((*string)(r.Name)), str(r.ErrorMessage))
	}
	if v >= 6 && r.TopicId != id {
		t.Errorf("deleted topic id %v, want %v", r.TopicId, id)
	}
	s.deleted[victim.name] = true

	// Deleting again: the topic is gone.
	again := testkit.Call[deletetopics.DeleteTopicsResponse](t, ctrl, v, &req)
	want := common.UnknownTopicOrPartition
	if v >= 6 {
		want = common.UnknownTopicId
	}
	if len(again.Responses) != 1 || again.Responses[0].ErrorCode != want {
		t.Errorf("delete %s again: %+v, want %v", victim.name, again.Responses, want)
	}
}

// testMetadataAfterDelete checks that deleted topics vanished and the rest remain.
func (s *suite) testMetadataAfterDelete(t *testing.T) {
	req := serial.Default[metadata.MetadataRequest]()
	req.Topics = nil // null topics: every topic (the spec default is an empty list)
	resp := testkit.Call[metadata.MetadataResponse](t, s.bootstrap, s.newest(t, 3), &req)
	var got, want []string
	for _, tp := range resp.Topics {
		got = append(got, string(*tp.Name))
	}
	for _, c := range s.created {
		if !s.deleted[c.name] {
			want = append(want, c.name)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("topics after delete: %v, want %v", got, want)
	}
	if len(s.deleted) < 2 {
		t.Errorf("only %d topics deleted", len(s.deleted))
	}

	// Asked for by name at the oldest version, and by id at the newest, they are unknown.
	var names []string
	var ids []metadata.MetadataRequestTopic
	for n := range s.deleted {
		names = append(names, n)
		ids = append(ids, metadata.MetadataRequestTopic{TopicId: s.topicIDs[n]})
	}
	byName := s.metadataFor(t, s.versions(t, 3)[0], names...)
	for _, tp := range byName.Topics {
		if tp.ErrorCode != common.UnknownTopicOrPartition {
			t.Errorf("deleted topic %s: %v, want UNKNOWN_TOPIC_OR_PARTITION", *tp.Name, tp.ErrorCode)
		}
	}
	if v := s.newest(t, 3); v >= 10 {
		// One id per request: kfake merges unknown ids into one answer (it keys its
		// answers by name, and these have none), where Kafka answers each.
		for _, id := range ids {
			req := serial.Default[metadata.MetadataRequest]()
			req.Topics = []metadata.MetadataRequestTopic{id}
			req.AllowAutoTopicCreation = false
			resp := testkit.Call[metadata.MetadataResponse](t, s.bootstrap, v, &req)
			if len(resp.Topics) != 1 {
				t.Fatalf("%d answers for 1 topic id", len(resp.Topics))
			}
			if tp := resp.Topics[0]; tp.ErrorCode != common.UnknownTopicId || tp.TopicId != id.TopicId || tp.Name != nil {
				t.Errorf("deleted topic id %v: %v %v name %v, want UNKNOWN_TOPIC_ID and a null name", id.TopicId, tp.ErrorCode, tp.TopicId, tp.Name)
			}
		}
	}
}
