package jsonoracle_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
	"github.com/kio-go/kafka-protocol/tests/realkafka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The tshark oracle: Wireshark's hand-written Kafka dissector (Debian's tshark 4.0)
// and `kio decode` read the same captures, taken with tcpdump on the loopback
// interface while Kafka's own Java clients (tests/java/clients: producers, consumers
// of both group protocols, every Admin method; KIO_TSHARK_JAVA=0 leaves them out),
// kgo, kadm and kcat talk to a real node of each pinned release (and two connections in
// turn reuse one 4-tuple, see reuseTraffic). For every frame tshark
// decodes (no expert note of an unsupported version, a malformed packet or a missing
// request), kio must agree on the API key, version, correlation id and client id, and
// the topic names, partition ids and error codes tshark shows (kafka.topic_name,
// kafka.partition_id, kafka.error, and Fetch's forgotten topics) must equal the values
// of the corresponding members of kio's JSON of the frame, as one sequence in wire
// order (see compared and bodyValues). On the captures of both releases tshark's
// dissector shows no systematic difference for the frames it decodes (same values,
// same order), but for the one layout it misreads (tsharkMisread), whose frames are
// counted with those it cannot decode: any other disagreement fails the test. The frames tshark cannot decode are counted and listed, and kio must
// decode every one of them. KIO_TSHARK_KEEP=dir keeps the captures.

func TestTshark(t *testing.T) {
	kafkadist.SkipShort(t, "starts real brokers")
	kafkadist.RequireTools(t, "tshark", "tcpdump", "kcat")
	kio := buildKio(t)
	var lines []string
	agree, onlyKio := 0, 0
	for _, version := range kafkadist.Releases {
		b := realkafka.Start(t, version)
		_, port, _ := net.SplitHostPort(b.Plaintext)
		pcap := filepath.Join(t.TempDir(), "kafka-"+version+".pcap")
		stop := startTcpdump(t, pcap, port)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		goTraffic(ctx, t, b.Plaintext, version)
		reuseTraffic(ctx, t, b.Plaintext)
		kcatTraffic(ctx, t, b.Plaintext, version)
		if os.Getenv("KIO_TSHARK_JAVA") != "0" {
			javaTraffic(ctx, t, b.Plaintext, version)
		}
		cancel()
		stop()
		if dir := os.Getenv("KIO_TSHARK_KEEP"); dir != "" {
			// Keeps the capture for a look with tshark or kio decode (the port is in the name).
			if data, err := os.ReadFile(pcap); err == nil {
				os.WriteFile(filepath.Join(dir, "kafka-"+version+"-port"+port+".pcap"), data, 0o644)
			}
		}
		a, o, only, values := compareWithTshark(t, kio, pcap, port)
		agree += a
		onlyKio += o
		lines = append(lines, fmt.Sprintf("kafka %s: %d agree (%d topic names, %d partition ids, %d error codes in wire order), %d only kio decodes (%s)",
			version, a, values["kafka.topic_name"]+values["kafka.forgotten_topic_name"], values["kafka.partition_id"]+values["kafka.forgotten_topic_partition"], values["kafka.error"], o, only))
	}
	if agree == 0 || onlyKio == 0 {
		t.Errorf("%d frames agree, %d only kio decodes: the comparison did not happen", agree, onlyKio)
	}
	kafkadist.Report(t, fmt.Sprintf("tshark: %d frames agree, %d only kio decodes (%s; %s)", agree, onlyKio, tsharkVersion(), strings.Join(lines, "; ")))
}

func tsharkVersion() string {
	out, _ := exec.Command("tshark", "-v").Output()
	first, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(first)
}

// buildKio builds cmd/kio once for the test.
func buildKio(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "kio")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/kio-go/kafka-protocol/cmd/kio")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build cmd/kio: %v\n%s", err, out)
	}
	return bin
}

// startTcpdump captures TCP to and from port on the loopback interface into file
// until the returned function is called.
func startTcpdump(t *testing.T, file, port string) func() {
	cmd := exec.Command("tcpdump", "-i", "lo", "-U", "-s", "0", "-w", file, "tcp port "+port)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		kafkadist.Unavailable(t, fmt.Sprintf("tcpdump: %v", err))
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		var seen []string
		for sc.Scan() {
			seen = append(seen, sc.Text())
			if strings.Contains(sc.Text(), "listening on") {
				ready <- ""
			}
		}
		ready <- strings.Join(seen, "\n")
	}()
	select {
	case msg := <-ready:
		if msg != "" {
			cmd.Wait()
			kafkadist.Unavailable(t, "tcpdump cannot capture on lo (it needs root or CAP_NET_RAW): "+msg)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		kafkadist.Unavailable(t, "tcpdump did not start capturing")
	}
	return func() {
		time.Sleep(500 * time.Millisecond) // the last packets
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	}
}

// goTraffic: topics created with kadm, records produced with every codec, consumed in
// a group, offsets committed and listed.
func goTraffic(ctx context.Context, t *testing.T, addr, version string) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ClientID("kgo"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	admin := kadm.NewClient(cl)
	if _, err := admin.CreateTopics(ctx, 3, 1, nil, "tshark", "tshark-kcat"); err != nil {
		t.Fatalf("create topics: %v", err)
	}
	codecs := []kgo.CompressionCodec{kgo.NoCompression(), kgo.GzipCompression(), kgo.SnappyCompression(), kgo.Lz4Compression(), kgo.ZstdCompression()}
	for i, c := range codecs {
		p, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ClientID("kgo-producer"), kgo.ProducerBatchCompression(c), kgo.DefaultProduceTopic("tshark"))
		if err != nil {
			t.Fatal(err)
		}
		for j := range 20 {
			if err := p.ProduceSync(ctx, &kgo.Record{Key: []byte(strconv.Itoa(j)), Value: []byte(fmt.Sprintf("%d %s", i, strings.Repeat("v", j*10)))}).FirstErr(); err != nil {
				t.Fatalf("produce: %v", err)
			}
		}
		p.Close()
	}
	cons, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ClientID("kgo-consumer"), kgo.ConsumerGroup("tshark-group"), kgo.ConsumeTopics("tshark"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	for got := 0; got < 100 && ctx.Err() == nil; {
		fs := cons.PollFetches(ctx)
		for _, e := range fs.Errors() {
			t.Fatalf("poll: %v", e.Err)
		}
		got += fs.NumRecords()
	}
	if err := cons.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("commit: %v", err)
	}
	cons.Close()
	if _, err := admin.ListEndOffsets(ctx, "tshark"); err != nil {
		t.Errorf("list offsets: %v", err)
	}
	if _, err := admin.DescribeGroups(ctx, "tshark-group"); err != nil {
		t.Errorf("describe groups: %v", err)
	}
	if _, err := admin.FetchOffsets(ctx, "tshark-group"); err != nil {
		t.Errorf("fetch offsets: %v", err)
	}
	if _, err := admin.DescribeTopicConfigs(ctx, "tshark"); err != nil {
		t.Errorf("describe configs: %v", err)
	}
}

// reuseTraffic: two connections in turn from one local port, each sending ApiVersions
// and Metadata; the first is closed by the client, and Linux lets the second reuse its
// 4-tuple in TIME_WAIT on loopback (net.ipv4.tcp_tw_reuse=2, its default) a second
// later, as it does on its own now and then under load. The capture thus holds the
// reuse that once made kio print the second connection's responses without their
// requests.
func reuseTraffic(ctx context.Context, t *testing.T, addr string) {
	reuseAddr := func(_, _ string, c syscall.RawConn) error {
		var err error
		c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1) })
		return err
	}
	f := kmsg.NewRequestFormatter(kmsg.FormatterClientID("kio-reuse"))
	port := 0
	for i := range 2 {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}, Control: reuseAddr, Timeout: 10 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			t.Errorf("connection %d from local port %d (a TIME_WAIT 4-tuple's reuse): %v", i+1, port, err)
			return
		}
		port = conn.LocalAddr().(*net.TCPAddr).Port
		topic := "tshark"
		meta := kmsg.NewPtrMetadataRequest()
		meta.Version = 4
		meta.Topics = []kmsg.MetadataRequestTopic{{Topic: &topic}}
		versions := kmsg.NewPtrApiVersionsRequest()
		versions.Version = 2
		for corr, req := range []kmsg.Request{versions, meta} {
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := conn.Write(f.AppendRequest(nil, req, int32(corr))); err != nil {
				t.Errorf("reuse connection %d: %v", i+1, err)
				break
			}
			var size [4]byte
			if _, err := io.ReadFull(conn, size[:]); err != nil {
				t.Errorf("reuse connection %d: %v", i+1, err)
				break
			}
			if _, err := io.CopyN(io.Discard, conn, int64(binary.BigEndian.Uint32(size[:]))); err != nil {
				t.Errorf("reuse connection %d: %v", i+1, err)
				break
			}
		}
		conn.Close() // the client closes first: its side of the 4-tuple goes to TIME_WAIT
		time.Sleep(1100 * time.Millisecond)
	}
}

// kcatTraffic: librdkafka's metadata, produce with every codec, and consume.
func kcatTraffic(ctx context.Context, t *testing.T, addr, version string) {
	run := func(stdin string, args ...string) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "kcat", append([]string{"-b", addr, "-X", "client.id=kcat"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		cmd.WaitDelay = 2 * time.Second
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("kcat %v: %v\n%s", args, err, out)
		}
	}
	run("", "-L")
	for _, codec := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
		run("a\nb\nc\n", "-P", "-t", "tshark-kcat", "-z", codec)
	}
	run("", "-C", "-t", "tshark-kcat", "-o", "beginning", "-e", "-q")
}

// javaTraffic runs Kafka's own clients (tests/java/clients) against the node.
func javaTraffic(ctx context.Context, t *testing.T, addr, version string) {
	cp := kafkadist.Classpath(t, "clients", version)
	cmd := exec.CommandContext(ctx, "java", "-cp", cp, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "io.kio.clients.Main", addr)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("Java clients: %v\n%s", err, out)
	}
}

// kioFrame is what the comparison reads of a kio decode line.
type kioFrame struct {
	Conn          string          `json:"conn"`
	Dir           string          `json:"dir"`
	Key           *int16          `json:"key"`
	Version       int16           `json:"version"`
	CorrelationID int32           `json:"correlationId"`
	ClientID      *string         `json:"clientId"`
	Error         string          `json:"error"`
	Notes         []string        `json:"notes"`
	Body          json.RawMessage `json:"body"`
}

// tsharkFrame is one Kafka PDU as tshark shows it.
type tsharkFrame struct {
	frame     string
	conn, dir string
	fields    map[string][]string // every kafka.* field in the PDU's tree, by name
	sequence  []string            // the same as "field=value", in the order tshark shows them
	undecoded string              // why tshark did not decode it; "" if it did
}

// compareWithTshark compares kio's and tshark's decoding of one capture; values
// counts the values that agreed per tshark field.
func compareWithTshark(t *testing.T, kio, pcap, port string) (agree, onlyKio int, only string, values map[string]int) {
	values = map[string]int{}
	out, err := exec.Command(kio, "decode", "-port", port, pcap).Output()
	if err != nil {
		t.Fatalf("kio decode: %v", err)
	}
	kioFrames := map[string][]kioFrame{}
	total := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var f kioFrame
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			t.Fatalf("kio decode line: %v", err)
		}
		k := fmt.Sprintf("%s %s %d", f.Conn, f.Dir, f.CorrelationID)
		kioFrames[k] = append(kioFrames[k], f)
		total++
	}
	js, err := exec.Command("tshark", "-r", pcap, "-T", "json", "-d", "tcp.port=="+port+",kafka").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	var packets []struct {
		Source struct {
			Layers map[string]json.RawMessage `json:"layers"`
		} `json:"_source"`
	}
	if err := json.Unmarshal(js, &packets); err != nil {
		t.Fatalf("tshark JSON: %v", err)
	}
	undecoded := map[string]int{}
	seen := 0
	for _, p := range packets {
		for _, tf := range tsharkFrames(p.Source.Layers, port) {
			seen++
			k := fmt.Sprintf("%s %s %s", tf.conn, tf.dir, first(tf.fields["kafka.correlation_id"]))
			queue := kioFrames[k]
			if len(queue) == 0 {
				t.Errorf("frame %s: tshark shows a %s (%s) kio did not print", tf.frame, tf.dir, k)
				continue
			}
			kf := queue[0]
			kioFrames[k] = queue[1:]
			if requestNotCaptured(kf.Notes) && tf.undecoded == "" {
				// tshark paired it with its request: kio must have too (a 4-tuple reused
				// by a new connection once made kio print its first responses unpaired).
				t.Errorf("frame %s: tshark pairs %s with its request, kio printed it without (%v)", tf.frame, k, kf.Notes)
				continue
			}
			if kf.Error != "" || kf.Body == nil {
				t.Errorf("frame %s: kio did not decode %s: %s %v", tf.frame, k, kf.Error, kf.Notes)
				continue
			}
			if why := tsharkMisreads(*kf.Key, kf.Version, tf.dir); why != "" && tf.undecoded == "" {
				tf.undecoded = why
			}
			if tf.undecoded != "" {
				onlyKio++
				undecoded[fmt.Sprintf("key %d v%d %s (%s)", *kf.Key, kf.Version, kf.Dir, tf.undecoded)]++
				continue
			}
			if diff := agreeOn(tf, kf, values); diff != "" {
				t.Errorf("frame %s (%s): %s", tf.frame, k, diff)
				continue
			}
			agree++
		}
	}
	if seen == 0 {
		t.Fatalf("tshark found no Kafka frame in %s", pcap)
	}
	// Frames tshark does not show at all: the ones after a malformed PDU in the same
	// TCP segment, which its dissector gives up on. kio must have decoded them.
	for _, rest := range kioFrames {
		for _, kf := range rest {
			if kf.Error != "" || kf.Body == nil || kf.Key == nil {
				t.Errorf("a frame tshark does not show, and kio did not decode: %+v", kf)
				continue
			}
			onlyKio++
			undecoded[fmt.Sprintf("key %d v%d %s (not shown: after a malformed PDU in its segment)", *kf.Key, kf.Version, kf.Dir)]++
		}
	}
	keys := make([]string, 0, len(undecoded))
	for k, n := range undecoded {
		keys = append(keys, fmt.Sprintf("%s x%d", k, n))
	}
	sort.Strings(keys)
	t.Logf("%s: %d kio lines, %d tshark PDUs; values that agree: %v; tshark did not decode: %s", pcap, total, seen, values, strings.Join(keys, ", "))
	return agree, onlyKio, strings.Join(keys, ", "), values
}

// requestNotCaptured reports whether kio's notes say a response's request was not seen.
func requestNotCaptured(notes []string) bool {
	for _, n := range notes {
		if strings.Contains(n, "request not captured") {
			return true
		}
	}
	return false
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// tsharkFrames reads the Kafka PDUs of one packet.
func tsharkFrames(layers map[string]json.RawMessage, port string) []tsharkFrame {
	raw, ok := layers["kafka"]
	if !ok {
		return nil
	}
	var tcp, ip, frame map[string]any
	json.Unmarshal(layers["tcp"], &tcp)
	json.Unmarshal(layers["ip"], &ip)
	json.Unmarshal(layers["frame"], &frame)
	src, dst := fmt.Sprint(tcp["tcp.srcport"]), fmt.Sprint(tcp["tcp.dstport"])
	srcIP, dstIP := fmt.Sprint(ip["ip.src"]), fmt.Sprint(ip["ip.dst"])
	dir, conn := "request", srcIP+":"+src+">"+dstIP+":"+dst
	if src == port {
		dir, conn = "response", dstIP+":"+dst+">"+srcIP+":"+src
	}
	var raws []json.RawMessage
	if raw[0] == '[' {
		json.Unmarshal(raw, &raws)
	} else {
		raws = []json.RawMessage{raw}
	}
	_, malformed := layers["_ws.malformed"]
	var out []tsharkFrame
	for _, r := range raws {
		var pdu map[string]any
		json.Unmarshal(r, &pdu)
		tf := tsharkFrame{frame: fmt.Sprint(frame["frame.number"]), conn: conn, dir: dir}
		tf.fields, tf.sequence = collect(r)
		switch {
		case malformed:
			tf.undecoded = "malformed"
		case pdu["_ws.expert"] != nil:
			tf.undecoded = expertMessage(pdu["_ws.expert"])
		case dir == "response" && pdu["kafka.response_key"] == nil:
			tf.undecoded = "request missing"
		}
		out = append(out, tf)
	}
	return out
}

// tsharkMisread lists the frames tshark 4.0's dissector decodes with a layout that is
// not Kafka's, without marking them malformed, and why; kio's decode of them is judged
// by the Java JSON oracle instead.
var tsharkMisread = []struct {
	key, from int16 // the API key, and the first version misread
	dir       string
	why       string
}{
	// Seen in CI: "kafka.error=-9798" for a topic whose id starts 0xD9 0xBA.
	{19, 7, "response", "tshark 4.0 has no CreateTopics TopicId (v7+, KIP-516): it reads the id's first two bytes as the error code"},
}

// tsharkMisreads says why tshark misreads frames of the key and version, or "".
func tsharkMisreads(key, version int16, dir string) string {
	for _, m := range tsharkMisread {
		if m.key == key && version >= m.from && m.dir == dir {
			return m.why
		}
	}
	return ""
}

func expertMessage(v any) string {
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["_ws.expert.message"].(string); ok {
			return s
		}
	}
	return "expert note"
}

// collect gathers every kafka.* leaf value of a tshark PDU by field name, in the
// order tshark shows them. It reads the JSON as tokens because tshark repeats a key
// for each element of a Kafka array ("Group": {...}, "Group": {...}), which decoding
// into a map would collapse to the last one. Expert notes are skipped.
func collect(raw json.RawMessage) (fields map[string][]string, sequence []string) {
	type level struct {
		object  bool
		key     string // the member being read (object), or the array's own key
		haveKey bool
	}
	fields = map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	stack := []level{{key: ""}}
	expert := 0 // depth inside an _ws.expert subtree
	for {
		tok, err := dec.Token()
		if err != nil {
			return fields, sequence
		}
		top := &stack[len(stack)-1]
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if expert > 0 {
				expert--
			}
			stack[len(stack)-1].haveKey = false
			continue
		}
		if top.object && !top.haveKey {
			top.key, top.haveKey = tok.(string), true
			continue
		}
		switch tok := tok.(type) {
		case json.Delim: // '{' or '['
			if expert > 0 || top.key == "_ws.expert" {
				expert++
			}
			stack = append(stack, level{object: tok == '{', key: top.key})
			continue
		case string:
			if strings.HasPrefix(top.key, "kafka.") && expert == 0 {
				fields[top.key] = append(fields[top.key], tok)
				sequence = append(sequence, top.key+"="+tok)
			}
		}
		top.haveKey = false
	}
}

// agreeOn compares a frame tshark decoded with kio's line for it.
func agreeOn(tf tsharkFrame, kf kioFrame, values map[string]int) string {
	if k := first(tf.fields["kafka.api_key"]); k != strconv.Itoa(int(*kf.Key)) {
		return fmt.Sprintf("API key: tshark %s, kio %d", k, *kf.Key)
	}
	ver := first(tf.fields["kafka.request.version"])
	if tf.dir == "response" {
		ver = first(tf.fields["kafka.response.version"])
	}
	if ver != strconv.Itoa(int(kf.Version)) {
		return fmt.Sprintf("version: tshark %s, kio %d", ver, kf.Version)
	}
	if tf.dir == "request" {
		cid := first(tf.fields["kafka.client_id"])
		if kf.ClientID == nil && cid != "" && cid != "[ Null ]" || kf.ClientID != nil && cid != *kf.ClientID {
			return fmt.Sprintf("client id: tshark %q, kio %v", cid, kf.ClientID)
		}
	}
	body, err := orderedJSON(json.NewDecoder(bytes.NewReader(kf.Body)))
	if err != nil {
		return fmt.Sprintf("kio's body: %v", err)
	}
	kioSeq := bodyValues(*kf.Key, tf.dir, body)
	var tsharkSeq []string
	for _, fv := range tf.sequence {
		field, _, _ := strings.Cut(fv, "=")
		if slices.ContainsFunc(compared, func(c comparedField) bool { return c.tshark == field }) {
			tsharkSeq = append(tsharkSeq, fv)
		}
	}
	if !slices.Equal(tsharkSeq, kioSeq) {
		return fmt.Sprintf("key %d v%d %s: topic names, partition ids and error codes in wire order differ: tshark %v, kio %v; kio's body %s", *kf.Key, kf.Version, tf.dir, tsharkSeq, kioSeq, kf.Body)
	}
	for _, fv := range kioSeq {
		field, _, _ := strings.Cut(fv, "=")
		values[field]++
	}
	return ""
}

// comparedField is a tshark field and the members of kio's JSON that hold the same
// values (found by bodyValues).
type comparedField struct{ tshark, kio string }

// compared are the tshark fields whose values, in the order tshark shows them
// (the wire order), must equal the values bodyValues finds in kio's JSON of the same
// frame, in its order (also the wire order). The fields are compared interleaved, as
// one sequence of field=value, so a value under the wrong topic is caught too.
var compared = []comparedField{
	{"kafka.topic_name", "the topic names: the members typed common.TopicName (see topicMembers)"},
	{"kafka.partition_id", "the partition ids: partitionIndex, partition, partitionId, index inside a partition array, or the elements of an int array of partitions"},
	{"kafka.error", "every errorCode"},
	{"kafka.forgotten_topic_name", "topic inside forgottenTopicsData (Fetch)"},
	{"kafka.forgotten_topic_partition", "the partitions of forgottenTopicsData (Fetch)"},
}

// bodyValues walks kio's JSON body (read by orderedJSON) and lists the values of the
// members that hold topic names, partition ids and error codes, in order, each as
// "field=value" with the tshark field that shows it. path holds the names of the
// enclosing members, innermost last.
func bodyValues(key int16, dir string, body any) []string {
	topics := topicMembers(key, dir)
	var out []string
	add := func(field, value string) { out = append(out, field+"="+value) }
	var walk func(path []string, v any)
	walk = func(path []string, v any) {
		name, parent := "", ""
		if len(path) > 0 {
			name = path[len(path)-1]
		}
		if len(path) > 1 {
			parent = path[len(path)-2]
		}
		forgotten := slices.Contains(path, "forgottenTopicsData")
		switch v := v.(type) {
		case []member:
			for _, m := range v {
				walk(append(slices.Clip(path), m.name), m.value)
			}
			return
		case []any:
			for _, x := range v {
				walk(path, x)
			}
			return
		case nil:
			return
		}
		value := fmt.Sprint(v)
		switch {
		case name == "errorCode":
			add("kafka.error", value)
		case forgotten && name == "topic":
			add("kafka.forgotten_topic_name", value)
		case forgotten && name == "partitions":
			add("kafka.forgotten_topic_partition", value)
		case topics[parent+"/"+name]:
			add("kafka.topic_name", value)
		case name == "partitionIndex" || name == "partition" || name == "partitionId" ||
			name == "index" && isPartitionArray(parent) ||
			(name == "partitions" || name == "partitionIndexes") && isNumber(v):
			add("kafka.partition_id", value)
		}
	}
	walk(nil, body)
	return out
}

// topicMembers lists, per API key and direction, the members of kio's JSON that
// hold topic names, as "enclosing member/member" (the enclosing member "" at the top):
// the fields of kio's structs typed common.TopicName or []common.TopicName, which are
// the fields Kafka's specs mark with entityType topicName. JSON member names are the
// Go field names with the first letter in lower case.
func topicMembers(key int16, dir string) map[string]bool {
	api, ok := schema.Lookup(key)
	if !ok {
		return nil
	}
	t := api.Request
	if dir == "response" {
		t = api.Response
	}
	topicName := reflect.TypeFor[common.TopicName]()
	out := map[string]bool{}
	var walk func(parent string, t reflect.Type)
	walk = func(parent string, t reflect.Type) {
		for f := range t.Fields() {
			if !f.IsExported() {
				continue
			}
			name := strings.ToLower(f.Name[:1]) + f.Name[1:]
			ft := f.Type
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			switch {
			case ft == topicName:
				out[parent+"/"+name] = true
			case ft.Kind() == reflect.Struct:
				walk(name, ft)
			}
		}
	}
	walk("", t)
	return out
}

func isPartitionArray(name string) bool {
	return strings.Contains(strings.ToLower(name), "partition")
}

func isNumber(v any) bool { _, ok := v.(json.Number); return ok }

// member is one member of a JSON object read by orderedJSON.
type member struct {
	name  string
	value any
}

// orderedJSON reads one JSON value keeping the order of object members ([]member),
// so that kio's values come out in wire order; numbers stay json.Number.
func orderedJSON(dec *json.Decoder) (any, error) {
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		obj := []member{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := orderedJSON(dec)
			if err != nil {
				return nil, err
			}
			obj = append(obj, member{k.(string), v})
		}
		_, err := dec.Token()
		return obj, err
	case json.Delim('['):
		arr := []any{}
		for dec.More() {
			v, err := orderedJSON(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	return tok, nil
}
