// Package realkafka starts real Apache Kafka brokers for kio's suites: a single KRaft
// node (broker and controller in one JVM) on 127.0.0.1 with free ports and a fresh
// directory, its jars resolved from Maven Central through tests/java/broker at a pinned
// release (tests/kafkadist).
//
// A node has five listeners: PLAINTEXT (the principal User:ANONYMOUS, a super user),
// SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (the super user "admin"),
// SSL with a self-signed certificate the process makes (Cert; clients trust it through
// Broker.TLSConfig), and the KRaft controller listener. StandardAuthorizer enforces ACLs on everyone else.
// The quorum is dynamic (KIP-853, kraft.version 1), so the Raft voter APIs have something
// to act on; the consumer-group protocol (KIP-848) and, on 4.x, share groups (KIP-932)
// are enabled.
//
// Tests use Start, which stops the node and removes its directory when the test ends,
// failed or not; `go run ./tests/realkafka/cmd/kafka` starts one by hand.
//
// The package's own tests are the real-Kafka suites (tests/README.md): TestRealKafka,
// every API a node advertises at every common version (its steps in steps_test.go, their
// tests in one file per area: topics, groups, share, streams, txn, security,
// controller, robustness); TestClientAgainstRealKafka (kio/client); TestRealKafkaCluster
// (three nodes' own traffic through proxies); TestJavaClientsThroughProxy and
// TestGoClientsAndKcatThroughProxy (real clients against a node through tests/proxy).
package realkafka

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// The super user of the SASL_PLAINTEXT listener, for PLAIN and both SCRAM mechanisms.
const (
	AdminUser     = "admin"
	AdminPassword = "admin-secret"
)

// NodeID is the node id of a single-node cluster.
const NodeID = 1

// ReauthLifetime is how long a SCRAM-SHA-256 session lasts on the SASL_PLAINTEXT
// listener (connections.max.reauth.ms for that mechanism, KIP-368): a client
// re-authenticates before it ends, or the node closes the connection at its next request.
const ReauthLifetime = 3 * time.Second

// startTimeout bounds how long a node may take to answer after its JVM starts.
const startTimeout = 120 * time.Second

// Broker is a running single-node Kafka cluster.
type Broker struct {
	Version   string
	ClusterID string // the random cluster id its storage was formatted with
	NodeID    int32

	Plaintext  string // host:port of the PLAINTEXT listener
	SASL       string // host:port of the SASL_PLAINTEXT listener
	SSL        string // host:port of the SSL listener (TLS with Cert, principal ANONYMOUS)
	Controller string // host:port of the KRaft controller listener
	Cert       *TestCert

	Dir     string   // the node's directory: config, logs, data
	LogDirs []string // the two data directories (log.dirs)
	LogFile string   // the JVM's stdout and stderr

	advertised string // the PLAINTEXT address the node advertises
	opts       Options
	cp         string // the broker classpath, for Restart

	cmd  *exec.Cmd
	done chan struct{} // closed when the JVM has exited
	err  error         // the JVM's exit status, once done is closed
}

// Options change how a node is started.
type Options struct {
	// AdvertisedPlaintext, if set, is the host:port the node advertises for its
	// PLAINTEXT listener (to clients and to itself) instead of its own: a proxy's.
	AdvertisedPlaintext string

	// For a node of a cluster: its id (default NodeID), the cluster id (default
	// random), the static quorum's voters as controller.quorum.voters writes them (the
	// default is a dynamic quorum of this node alone), the ports of its PLAINTEXT and
	// controller listeners (default free ones), and properties that override the rest.
	NodeID                        int32
	ClusterID                     string
	Voters                        string
	PlaintextPort, ControllerPort int
	Properties                    map[string]string
}

// Start starts a node of the given Kafka release for t, and stops it and removes its
// directory when t ends. Where Java, Maven or Maven Central is missing it ends t through
// kafkadist.Unavailable (a failure under CI=true, a skip elsewhere).
func Start(t testing.TB, version string) *Broker {
	t.Helper()
	return StartWith(t, version, Options{})
}

// StartWith is Start with options.
func StartWith(t testing.TB, version string, opts Options) *Broker {
	t.Helper()
	cp := kafkadist.Classpath(t, "broker", version)
	dir, err := os.MkdirTemp("", "kio-kafka-"+version+"-")
	if err != nil {
		t.Fatal(err)
	}
	b, err := StartNodeWith(cp, version, dir, opts)
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("start Kafka %s: %v", version, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Kafka %s log:\n%s", version, b.logTail())
		}
		if err := b.Stop(); err != nil {
			t.Errorf("stop Kafka %s: %v", version, err)
		}
	})
	return b
}

// StartNode formats storage under dir (which it then owns: Stop removes it) and starts a
// node of version with the broker classpath cp, returning once the node answers
// ApiVersions and lists itself in Metadata.
func StartNode(cp, version, dir string) (*Broker, error) {
	return StartNodeWith(cp, version, dir, Options{})
}

// StartNodeWith is StartNode with options.
func StartNodeWith(cp, version, dir string, opts Options) (*Broker, error) {
	ports, err := FreePorts(4)
	if err != nil {
		return nil, err
	}
	cert, err := Cert()
	if err != nil {
		return nil, fmt.Errorf("test certificate: %w", err)
	}
	if opts.PlaintextPort != 0 {
		ports[0] = opts.PlaintextPort
	}
	if opts.ControllerPort != 0 {
		ports[2] = opts.ControllerPort
	}
	b := &Broker{
		Version:    version,
		ClusterID:  opts.ClusterID,
		NodeID:     opts.NodeID,
		Plaintext:  net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])),
		SASL:       net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1])),
		Controller: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[2])),
		SSL:        net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[3])),
		Cert:       cert,
		Dir:        dir,
		LogDirs:    []string{filepath.Join(dir, "data0"), filepath.Join(dir, "data1")},
		LogFile:    filepath.Join(dir, "kafka.log"),
		done:       make(chan struct{}),
		advertised: opts.AdvertisedPlaintext,
		opts:       opts,
		cp:         cp,
	}
	if b.advertised == "" {
		b.advertised = b.Plaintext
	}
	if b.ClusterID == "" {
		b.ClusterID = randomClusterID()
	}
	if b.NodeID == 0 {
		b.NodeID = NodeID
	}
	props := filepath.Join(dir, "server.properties")
	if err := os.WriteFile(props, []byte(b.serverProperties()), 0o644); err != nil {
		return nil, err
	}
	if err := b.format(cp, props); err != nil {
		return nil, err
	}
	if err := b.launch(cp, props); err != nil {
		return nil, err
	}
	if err := b.awaitReady(); err != nil {
		b.kill()
		return nil, fmt.Errorf("%w\n%s", err, b.logTail())
	}
	return b, nil
}

// Is4 reports whether the node runs Kafka 4.x or later.
func (b *Broker) Is4() bool { return !strings.HasPrefix(b.Version, "3.") }

func (b *Broker) serverProperties() string {
	var p strings.Builder
	set := func(k, v string) { fmt.Fprintf(&p, "%s=%s\n", k, v) }
	set("process.roles", "broker,controller")
	set("node.id", strconv.Itoa(int(b.NodeID)))
	if b.opts.Voters != "" {
		set("controller.quorum.voters", b.opts.Voters)
	} else {
		set("controller.quorum.bootstrap.servers", b.Controller)
	}
	set("listeners", "PLAINTEXT://"+b.Plaintext+",SASL_PLAINTEXT://"+b.SASL+",SSL://"+b.SSL+",CONTROLLER://"+b.Controller)
	set("advertised.listeners", "PLAINTEXT://"+b.advertised+",SASL_PLAINTEXT://"+b.SASL+",SSL://"+b.SSL)
	set("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT")
	set("controller.listener.names", "CONTROLLER")
	set("inter.broker.listener.name", "PLAINTEXT")
	set("log.dirs", strings.Join(b.LogDirs, ","))

	// SASL: PLAIN checks the passwords listed here; SCRAM those in the metadata log.
	set("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512")
	set("listener.name.sasl_plaintext.plain.sasl.jaas.config",
		fmt.Sprintf(`org.apache.kafka.common.security.plain.PlainLoginModule required user_%s="%s";`, AdminUser, AdminPassword))
	for _, m := range []string{"scram-sha-256", "scram-sha-512"} {
		set("listener.name.sasl_plaintext."+m+".sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;")
	}
	// KIP-368: SCRAM-SHA-256 sessions alone last ReauthLifetime, so that clients
	// re-authenticate (or are closed) while the other mechanisms' sessions never end.
	set("listener.name.sasl_plaintext.scram-sha-256.connections.max.reauth.ms", strconv.Itoa(int(ReauthLifetime.Milliseconds())))
	sslProperties(b.Cert, set)
	set("delegation.token.secret.key", "kio-real-kafka-delegation-token-secret")
	set("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
	set("super.users", "User:ANONYMOUS;User:"+AdminUser)
	// A client-telemetry receiver (tests/java/broker), without which the node does not
	// serve GetTelemetrySubscriptions and PushTelemetry (KIP-714).
	set("metric.reporters", "io.kio.broker.TelemetryReporter")

	// One node: every internal topic has one replica and one partition, so coordinators
	// load at once.
	for _, k := range []string{"offsets.topic", "transaction.state.log"} {
		set(k+".replication.factor", "1")
		set(k+".num.partitions", "1")
	}
	set("transaction.state.log.min.isr", "1")
	set("auto.create.topics.enable", "false")
	set("group.initial.rebalance.delay.ms", "0")
	set("message.max.bytes", strconv.Itoa(8<<20)) // room for the frames above 1 MiB
	set("replica.fetch.max.bytes", strconv.Itoa(8<<20))
	if b.Is4() {
		set("share.coordinator.state.topic.replication.factor", "1")
		set("share.coordinator.state.topic.num.partitions", "1")
		set("share.coordinator.state.topic.min.isr", "1")
		// A streams group's first assignment waits this long (3 s by default).
		set("group.streams.initial.rebalance.delay.ms", "0")
	} else {
		set("group.coordinator.rebalance.protocols", "classic,consumer")
	}
	keys := make([]string, 0, len(b.opts.Properties))
	for k := range b.opts.Properties {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys { // later lines win
		set(k, b.opts.Properties[k])
	}
	return p.String()
}

// format writes the node's storage: the cluster id, a dynamic quorum of this node
// alone, and SCRAM credentials for the super user.
func (b *Broker) format(cp, props string) error {
	args := []string{"-cp", cp, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
		"kafka.tools.StorageTool", "format", "--config", props, "--cluster-id", b.ClusterID,
		"--add-scram", fmt.Sprintf("SCRAM-SHA-256=[name=%s,password=%s]", AdminUser, AdminPassword),
		"--add-scram", fmt.Sprintf("SCRAM-SHA-512=[name=%s,password=%s]", AdminUser, AdminPassword)}
	if b.opts.Voters == "" {
		args = append(args, "--standalone")
	}
	out, err := exec.Command("java", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("kafka-storage format: %v\n%s", err, out)
	}
	return nil
}

// jvmFlags start a small broker quickly: a small heap, the serial collector and the
// client compiler only, which is all a test's load needs.
var jvmFlags = []string{"-Xms256m", "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
	"-XX:-UsePerfData", "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true",
	"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.showDateTime=true"}

func (b *Broker) launch(cp, props string) error {
	log, err := os.OpenFile(b.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	args := append([]string{"-cp", cp}, jvmFlags...)
	if level := os.Getenv("KIO_KAFKA_LOG_LEVEL"); level != "" { // info, debug...: more in kafka.log
		args = append(args, "-Dorg.slf4j.simpleLogger.defaultLogLevel="+level)
	}
	args = append(args, "kafka.Kafka", props)
	b.cmd = exec.Command("java", args...)
	b.cmd.Dir = b.Dir
	b.cmd.Stdout, b.cmd.Stderr = log, log
	// Its own process group, so Stop reaches every process it starts; and killed with
	// this process should it die without running Stop.
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := b.cmd.Start(); err != nil {
		log.Close()
		return err
	}
	go func() {
		b.err = b.cmd.Wait()
		log.Close()
		close(b.done)
	}()
	return nil
}

// awaitReady waits until the PLAINTEXT and controller listeners answer ApiVersions and
// Metadata lists the node (it has registered and is unfenced).
func (b *Broker) awaitReady() error {
	deadline := time.Now().Add(startTimeout)
	var last error
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		select {
		case <-b.done:
			return fmt.Errorf("kafka %s exited while starting: %v", b.Version, b.err)
		default:
		}
		if last = b.probe(); last == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("kafka %s not ready after %v: %v", b.Version, startTimeout, last)
}

// probe asks the node once whether it is ready: both listeners answer ApiVersions
// (kio/client's Dial negotiates with it), and the node is in its own Metadata.
func (b *Broker) probe() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := client.Dialer{ClientID: "kio-realkafka", Timeout: 5 * time.Second}
	ctl, err := d.Dial(ctx, b.Controller)
	if err != nil {
		return err
	}
	ctl.Close()
	c, err := d.Dial(ctx, b.Plaintext)
	if err != nil {
		return err
	}
	defer c.Close()
	req := serial.Default[metadata.MetadataRequest]()
	resp, err := client.Call[metadata.MetadataResponse](ctx, c, &req)
	if err != nil {
		return err
	}
	for _, n := range resp.Brokers {
		if n.NodeId == common.BrokerId(b.NodeID) {
			return nil
		}
	}
	return errors.New("the node is not in Metadata yet")
}

// Shutdown stops the node gracefully (SIGTERM: a controlled shutdown) and waits for its
// JVM to exit, killing it after timeout. The directory stays, for Restart.
func (b *Broker) Shutdown(timeout time.Duration) error {
	if b.cmd == nil || b.cmd.Process == nil {
		return nil
	}
	syscall.Kill(-b.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-b.done:
		return nil
	case <-time.After(timeout):
		b.kill()
		return fmt.Errorf("kafka %s node %d did not stop within %v", b.Version, b.NodeID, timeout)
	}
}

// Restart starts the node's JVM again on its directory, after Shutdown, and waits until
// it is ready.
func (b *Broker) Restart() error {
	b.done = make(chan struct{})
	if err := b.launch(b.cp, filepath.Join(b.Dir, "server.properties")); err != nil {
		return err
	}
	if err := b.awaitReady(); err != nil {
		b.kill()
		return fmt.Errorf("%w\n%s", err, b.logTail())
	}
	return nil
}

// Stop kills the node's process group, waits for it and removes its directory.
func (b *Broker) Stop() error {
	b.kill()
	return os.RemoveAll(b.Dir)
}

func (b *Broker) kill() {
	if b.cmd == nil || b.cmd.Process == nil {
		return
	}
	syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-b.done:
	case <-time.After(30 * time.Second):
	}
}

// Running reports whether the node's JVM is still alive.
func (b *Broker) Running() bool {
	select {
	case <-b.done:
		return false
	default:
		return b.cmd != nil
	}
}

// Done is closed when the node's JVM exits.
func (b *Broker) Done() <-chan struct{} { return b.done }

// logTail returns the end of the node's log, for error messages.
func (b *Broker) logTail() string {
	data, err := os.ReadFile(b.LogFile)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if len(data) > 6000 {
		data = data[len(data)-6000:]
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return "--- " + b.LogFile + " (end) ---\n" + string(data)
}

// randomClusterID returns a random cluster id in Kafka's form: 16 bytes, URL-safe
// base64 without padding, and, as Kafka's Uuid.randomUuid makes sure, not starting with
// '-' (a command line would take it for an option).
func randomClusterID() string {
	for {
		var id [16]byte
		rand.Read(id[:])
		if s := base64.RawURLEncoding.EncodeToString(id[:]); s[0] != '-' {
			return s
		}
	}
}
