package robustness

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/javaoracle"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// Differential parsing: the fuzz corpora (bodies, and request frames, among them the
// frames real clients sent through the proxy) and random mutations of them are given
// to kio and to Kafka's Java classes (release 3.9, kio's schema), and their verdicts
// compared: both refuse, or both accept and re-encode to the same bytes. Bodies go to
// the generated message classes; request frames go through the calls Kafka's broker
// makes on its request path (RequestHeader.parse, RequestContext.parseRequest), and
// are parsed by kio's Framer in its default (strict) mode and in BrokerCompatible mode.

// diffBodies is how many bodies are compared in a default run, plus a tenth as many
// request frames; KIO_DIFF_BODIES raises it.
const diffBodies = 100_000

// readCorpus reads the inputs of a Go fuzz corpus folder (one []byte argument each).
func readCorpus(t *testing.T, name string) [][]byte {
	dir := filepath.Join("testdata", "fuzz", name)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[1], "[]byte(") {
			t.Fatalf("%s: not a one-argument corpus entry", e.Name())
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		out = append(out, []byte(s))
	}
	return out
}

// mutate changes b in one to three places the way hostile or sloppy peers do: a byte
// replaced (by a random value or one of 0x02, 0x80, 0xff: a bool other than 0/1, a
// varint continuation, a negative length), a byte inserted or deleted, the end cut off,
// bytes appended, a slice repeated.
func mutate(b []byte, r *rand.Rand) []byte {
	out := bytes.Clone(b)
	for n := 1 + r.Intn(3); n > 0; n-- {
		i := 0
		if len(out) > 0 {
			i = r.Intn(len(out))
		}
		switch op := r.Intn(8); {
		case op <= 1 && len(out) > 0:
			out[i] = byte(r.Intn(256))
		case op == 2 && len(out) > 0:
			out[i] = []byte{0x02, 0x80, 0xff}[r.Intn(3)]
		case op == 3:
			out = append(out[:i], append([]byte{byte(r.Intn(256))}, out[i:]...)...)
		case op == 4 && len(out) > 0:
			out = append(out[:i], out[i+1:]...)
		case op == 5 && len(out) > 0:
			out = out[:i]
		case op == 6:
			out = append(out, make([]byte, 1+r.Intn(3))...)
		default:
			j := i + r.Intn(8)
			if j <= len(out) {
				out = append(out[:j], append(bytes.Clone(out[i:j]), out[j:]...)...)
			}
		}
	}
	return out
}

// verdict is one side's answer on one input: refused (with a class of error), or
// accepted with its re-encoding, possibly leaving bytes unread (Java's classes do not
// check that the input ends with the message).
type verdict struct {
	refused    string
	trailing   int
	reencoded  []byte
	unwritable string // Java read the input but could not write the value back
}

// javaVerdict turns a Java result into a verdict.
func javaVerdict(res javaoracle.Result) verdict {
	v := verdict{trailing: res.Trailing, reencoded: res.Rewritten}
	if res.Err != "" {
		v.refused = javaErrorClass(res.Err)
	}
	if res.WriteErr != "" {
		v.unwritable = javaErrorClass(res.WriteErr)
	}
	return v
}

// kioErrorClass names the sentinel a kio error wraps.
func kioErrorClass(err error) string {
	for _, s := range []struct {
		err  error
		name string
	}{{serial.ErrTrailing, "trailing bytes"}, {serial.ErrShortBuffer, "truncated"}, {serial.ErrNull, "null where not nullable"},
		{serial.ErrRange, "value out of range"}, {serial.ErrTag, "bad tagged field"}, {serial.ErrVersion, "version"},
		{serial.ErrSchema, "schema"}, {frame.ErrUnknownAPI, "unknown API key"}, {frame.ErrUnsupportedVersion, "unsupported version"}} {
		if errors.Is(err, s.err) {
			if os.Getenv("KIO_DIFF_DEBUG") != "" {
				return s.name + ": " + javaNoise.ReplaceAllString(err.Error(), "_")
			}
			return s.name
		}
	}
	return "other: " + err.Error()
}

var javaNoise = regexp.MustCompile(`-?[0-9]+|'[^']*'|"[^"]*"|field [A-Za-z]+|for apiKey: [A-Z_]+`)

// javaErrorClass shortens a Java exception to its class and message, numbers and
// names removed.
func javaErrorClass(msg string) string {
	msg = javaNoise.ReplaceAllString(msg, "_")
	// The broker path wraps the cause: keep the outer class and the cause.
	if i := strings.Index(msg, "(caused by "); i >= 0 && strings.HasPrefix(msg, "InvalidRequestException") {
		msg = "InvalidRequestException " + msg[i:]
	}
	if len(msg) > 160 {
		msg = msg[:160]
	}
	return msg
}

// disagreement classes and their counts, with one example each.
type classes struct {
	count   map[string]int
	example map[string]string
}

func (c *classes) add(class, example string) {
	if c.count[class] == 0 {
		c.example[class] = example
	}
	c.count[class]++
}

func (c *classes) sorted() []string {
	keys := make([]string, 0, len(c.count))
	for k := range c.count {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return c.count[keys[i]] > c.count[keys[j]] })
	return keys
}

// compare returns "" when the verdicts agree, else the class of disagreement.
func compare(kio, java verdict) string {
	switch {
	case kio.refused != "" && java.refused != "":
		return ""
	case java.unwritable != "" && kio.refused == "":
		return "both accept, Java cannot write back what it read: " + java.unwritable
	case java.unwritable != "":
		return "kio refuses (" + kio.refused + "), Java reads but cannot write back: " + java.unwritable
	case kio.refused == "" && java.refused == "" && java.trailing == 0:
		if bytes.Equal(kio.reencoded, java.reencoded) {
			return ""
		}
		if bytes.Contains(java.reencoded, []byte("\uFFFD")) && !bytes.Contains(kio.reencoded, []byte("\uFFFD")) {
			return "both accept, Java re-encodes invalid UTF-8 as U+FFFD"
		}
		return "both accept, re-encodings differ"
	case kio.refused != "" && java.refused == "" && java.trailing > 0:
		return "kio refuses (" + kio.refused + "), Java accepts leaving bytes unread"
	case kio.refused != "":
		return "kio refuses (" + kio.refused + "), Java accepts"
	case java.refused != "":
		return "kio accepts, Java refuses: " + java.refused
	default:
		return "kio accepts, Java accepts leaving bytes unread"
	}
}

// TestDifferentialJava gives kio and Kafka's Java classes the same inputs, mutated from
// the fuzz corpora: message bodies against Kafka's message classes (each version judged
// by the newest release defining it), and request frames against a broker's request
// path, with kio's Framer strict and BrokerCompatible. Every disagreement must be a
// listed class.
func TestDifferentialJava(t *testing.T) {
	start := time.Now()
	jvm := javaoracle.Start(t, kafkadist.Kafka39)
	jvm4 := javaoracle.Start(t, kafkadist.Kafka4)
	r := rand.New(rand.NewSource(11))
	total := kafkadist.CountFromEnv("KIO_DIFF_BODIES", diffBodies)
	frames := readCorpus(t, "FuzzRequestFrame")
	groups := mutatedBodies(bodySeeds(t, frames), total, r)
	payloads := mutatedFrames(frames, total/10, r)

	bodies := compareBodies(t, groups, jvm, jvm4)
	strict, broker, servedButRefused := compareFrames(t, payloads, jvm)

	bodies.log(t, "bodies vs Kafka's message classes")
	strict.log(t, "request frames vs the broker's request path, Framer strict")
	broker.log(t, "request frames vs the broker's request path, Framer BrokerCompatible")
	line := fmt.Sprintf("differential: %d bodies, %d agree with the message classes of Kafka %s and %s (each version judged by the newest release defining it; %.2f%%); %d request frames vs Kafka %s's broker "+
		"request path: %d agree with Framer strict (%.2f%%), %d with Framer BrokerCompatible (%.2f%%), which refuses %d "+
		"the broker serves; every other disagreement is a listed class; %v",
		bodies.n, bodies.agreed, jvm.Info.Release, jvm4.Info.Release, bodies.percent(), len(payloads), jvm.Info.Release,
		strict.agreed, strict.percent(), broker.agreed, broker.percent(),
		servedButRefused, time.Since(start).Round(time.Millisecond))
	kafkadist.Report(t, line)
	complete := total == diffBodies
	checkExplained(t, "bodies", bodies.diff, explainedBodies, complete)
	checkExplained(t, "frames, BrokerCompatible", broker.diff, explainedFrames, complete)
}

// body is one input for a message body: the message and version it is read as, and
// its bytes.
type body struct {
	target bodyTarget
	data   []byte
}

// bodySeeds are the FuzzBody corpus (which chooses message and version from its first
// bytes) and the bodies of the request frames.
func bodySeeds(t *testing.T, frames [][]byte) []body {
	var seeds []body
	for _, in := range readCorpus(t, "FuzzBody") {
		if target, data, ok := chooseBody(in); ok {
			seeds = append(seeds, body{target, data})
		}
	}
	var framer frame.Framer
	for _, f := range frames {
		if req, err := framer.ParseRequest(f); err == nil {
			api, _ := schema.Lookup(req.Header.RequestApiKey)
			m, _ := schema.LookupMessage(api.Request.Name())
			payload := f[4:]
			n, err := serial.UnmarshalPrefix(payload, &req.Header, api.RequestHeaderVersion(req.Header.RequestApiVersion))
			if err == nil {
				seeds = append(seeds, body{bodyTarget{m, req.Header.RequestApiVersion}, payload[n:]})
			}
		}
	}
	if len(seeds) == 0 {
		t.Fatal("no seeds")
	}
	return seeds
}

// mutatedBodies makes total inputs from the seeds, each seed once as it is and then
// mutated, grouped by what they are read as.
func mutatedBodies(seeds []body, total int, r *rand.Rand) map[bodyTarget][][]byte {
	groups := map[bodyTarget][][]byte{}
	for i := 0; i < total; i++ {
		s := seeds[i%len(seeds)]
		data := s.data
		if i >= len(seeds) {
			data = mutate(s.data, r)
		}
		groups[s.target] = append(groups[s.target], data)
	}
	return groups
}

// mutatedFrames makes n request frame payloads (the frames without their length
// prefix), each frame once as it is and then mutated.
func mutatedFrames(frames [][]byte, n int, r *rand.Rand) [][]byte {
	var payloads [][]byte
	for i := 0; i < n; i++ {
		f := frames[i%len(frames)]
		if len(f) < 4 {
			continue
		}
		p := f[4:]
		if i >= len(frames) {
			p = mutate(p, r)
		}
		payloads = append(payloads, p)
	}
	return payloads
}

// tally counts the inputs compared, those both sides judged alike, and the classes of
// the others.
type tally struct {
	n, agreed int
	diff      *classes
}

func newTally() *tally { return &tally{diff: &classes{map[string]int{}, map[string]string{}}} }

// judge counts one comparison's class ("" where both sides agree).
func (y *tally) judge(class, example string) {
	y.n++
	if class == "" {
		y.agreed++
		return
	}
	y.diff.add(class, example)
}

func (y *tally) percent() float64 { return 100 * float64(y.agreed) / float64(max(y.n, 1)) }

func (y *tally) log(t *testing.T, what string) {
	t.Logf("%s: %d inputs, %d agree (%.2f%%)", what, y.n, y.agreed, y.percent())
	for _, k := range y.diff.sorted() {
		t.Logf("  %6d  %s  e.g. %.300s", y.diff.count[k], k, y.diff.example[k])
	}
}

// compareBodies reads every body with kio and with the Java classes of the newest
// release defining its version, in chunks of 2,000 a JVM call.
func compareBodies(t *testing.T, groups map[bodyTarget][][]byte, jvm, jvm4 *javaoracle.JVM) *tally {
	y := newTally()
	for target, inputs := range groups {
		kind, key, name := javaKind(target.msg)
		for start := 0; start < len(inputs); start += 2000 {
			chunk := inputs[start:min(start+2000, len(inputs))]
			results, err := jvmFor(target, jvm, jvm4).Parse(kind, key, name, target.version, chunk)
			if err != nil {
				t.Fatal(err)
			}
			for i, res := range results {
				y.judge(compare(kioVerdict(target, chunk[i]), javaVerdict(res)), fmt.Sprintf("%s v%d %x", target.msg.Name, target.version, chunk[i]))
			}
		}
	}
	return y
}

// compareFrames reads every request frame payload with the broker's request path and
// with kio's Framer, strict and BrokerCompatible; servedButRefused counts the requests
// the broker serves and BrokerCompatible refuses.
func compareFrames(t *testing.T, payloads [][]byte, jvm *javaoracle.JVM) (strict, broker *tally, servedButRefused int) {
	strict, broker = newTally(), newTally()
	for start := 0; start < len(payloads); start += 2000 {
		chunk := payloads[start:min(start+2000, len(payloads))]
		results, err := jvm.BrokerParse(chunk)
		if err != nil {
			t.Fatal(err)
		}
		for i, res := range results {
			j := javaVerdict(res.Result)
			strict.judge(compare(frameVerdict(frame.Framer{}, chunk[i]), j), fmt.Sprintf("%x", chunk[i]))
			k := frameVerdict(frame.Framer{BrokerCompatible: true}, chunk[i])
			// The broker's path reports the body alone; it never refuses trailing
			// bytes, so in broker mode they are part of what it accepts.
			if k.refused == "" {
				j.trailing = 0
			}
			if k.refused != "" && j.refused == "" {
				servedButRefused++
			}
			broker.judge(compare(k, j), fmt.Sprintf("%x", chunk[i]))
		}
	}
	return strict, broker, servedButRefused
}

// javaKind says how the Java side names msg: requests and responses by API key, the
// rest by name.
func javaKind(m *schema.Message) (javaoracle.Kind, int16, string) {
	k := kafkadist.KindOf(m.Kind)
	if k == kafkadist.Request || k == kafkadist.Response {
		return k, m.APIKey, m.Name
	}
	return k, -1, m.Name
}

func kioVerdict(target bodyTarget, data []byte) verdict {
	v := target.msg.New()
	if err := serial.Unmarshal(data, v, target.version); err != nil {
		return verdict{refused: kioErrorClass(err)}
	}
	out, err := serial.Marshal(v, target.version)
	if err != nil {
		return verdict{refused: "re-encode: " + kioErrorClass(err)}
	}
	return verdict{reencoded: out}
}

// frameVerdict parses a request payload with framer; the re-encoding is the body's.
func frameVerdict(framer frame.Framer, payload []byte) verdict {
	frame := append([]byte{byte(len(payload) >> 24), byte(len(payload) >> 16), byte(len(payload) >> 8), byte(len(payload))}, payload...)
	req, err := framer.ParseRequest(frame)
	if err != nil {
		return verdict{refused: kioErrorClass(err)}
	}
	out, err := serial.Marshal(req.Body, req.Header.RequestApiVersion)
	if err != nil {
		return verdict{refused: "re-encode: " + kioErrorClass(err)}
	}
	return verdict{reencoded: out}
}

// explained lists the classes of disagreement that are understood, each with its
// reason; checkExplained fails on any other class.
type explained map[string]string

// Disagreements shared by bodies and frames.
const (
	reasonUTF8 = "Java decodes strings with new String(bytes, UTF_8), which replaces invalid UTF-8 by U+FFFD, and so " +
		"re-encodes other bytes; kio keeps a string's bytes as they came, which a proxy must do"
	reasonRawTagOrder = "Java reads unknown tagged fields in any order but its RawTaggedFieldWriter refuses to write them " +
		"back out of order; the read succeeded (the broker never writes a request back), kio writes them in order"
	reasonTaggedSize = "a known tagged field whose size prefix disagrees with its value: Java reads a known tag by its " +
		"type and never checks the size, so it reads on from the wrong place; kio decodes exactly size bytes and " +
		"refuses a mismatch (ErrTag)"
	reasonSignedCount = "a malformed tagged section that Java reads without reaching its end, two cases traced: a " +
		"tagged-field count of 2^31 or more (a 5-byte varint), which Java's readUnsignedVarint returns as a negative " +
		"int so that the generated loop (for i < count) reads no tagged field (a ListOffsets v8 frame); a known tagged " +
		"field whose size prefix runs past the end of the input, which Java ignores, reading the value by its type " +
		"(FetchSnapshotRequest v0, ClusterId of size 11 holding a 2-byte string). kio reads the count as unsigned and " +
		"takes exactly size bytes, so it runs out of input"
	reasonVarintOverflow = "a 5-byte unsigned varint whose value needs more than 32 bits: Java's " +
		"ByteUtils.readUnsignedVarint shifts the fifth byte into an int and keeps the low 32 bits, kio refuses the " +
		"overflow (ErrRange). Malformed by the spec; no client writes it"
)

var explainedBodies = explained{
	"kio refuses (trailing bytes), Java accepts leaving bytes unread": "Java's generated read() stops where the " +
		"message ends and leaves the rest to its caller; serial.Unmarshal refuses bytes after the message " +
		"(serial.UnmarshalPrefix returns their offset). The broker ignores them: see the frames and Framer.BrokerCompatible",
	"both accept, Java re-encodes invalid UTF-8 as U+FFFD":                                reasonUTF8,
	"both accept, Java cannot write back what it read: RuntimeException: Invalid raw tag": reasonRawTagOrder,
	"kio refuses (trailing bytes), Java reads but cannot write back: RuntimeException: Invalid raw tag": "the two above at once: " +
		"bytes after the message (kio refuses) and unknown tags out of order (Java cannot write back)",
	"kio refuses (bad tagged field), Java reads but cannot write back":       reasonTaggedSize,
	"kio accepts, Java refuses: RuntimeException: Tag _ is not valid for ve": reasonOtherVersionTag,
	"kio refuses (truncated), Java accepts":                                  reasonSignedCount,
	"kio refuses (bad tagged field), Java accepts":                           reasonTaggedSize,
	"kio refuses (value out of range), Java accepts":                         reasonVarintOverflow,
}

const reasonOtherVersionTag = "Java refuses a tag its class knows from another version; kio reads it as an unknown tag and keeps it"

// rareClasses are explained classes seen only a few times in 100,000 inputs: which of
// them occur depends on the corpora and the mutations, so they are exempt from the
// stale-entry check.
var rareClasses = []string{
	"kio accepts, Java refuses: RuntimeException: Tag _ is not valid",
	"kio accepts, Java refuses: InvalidRequestException (caused by",
	"kio refuses (truncated)", "kio refuses (bad tagged field)", "kio refuses (value out of range)",
	"kio refuses (unsupported version)",
}

var explainedFrames = explained{
	"both accept, Java re-encodes invalid UTF-8 as U+FFFD":                                reasonUTF8,
	"both accept, Java cannot write back what it read: RuntimeException: Invalid raw tag": reasonRawTagOrder,
	"kio accepts, Java refuses: InvalidRequestException (caused by NullPointerException": "the broker's " +
		"UpdateMetadataRequest constructor dereferences a null that the wire format allows; kio accepts it (more " +
		"lenient than the broker: nothing the broker serves is refused)",
	"kio accepts, Java refuses: InvalidRequestException (caused by IllegalArgumentException: DescribeAclsRequest contains UNKNOWN": "" +
		"the broker checks the ACL filter's enum codes while building the request object: a semantic check, not the wire format",
	"kio refuses (unsupported version), Java accepts": "KIP-511: the broker answers an ApiVersions request of a version " +
		"it does not know (RequestContext.isUnsupportedApiVersionsRequest) with a v0 response instead of parsing it; " +
		"Framer's ApiVersions handling for this comes with the KIP-511 work on frame.go. Also 3.9's unstable " +
		"share-group v0s, which kio leaves out (Kafka 4 redefined or dropped them) and a 3.9 broker does not enable by default",
	"kio refuses (unsupported version), Java reads but cannot write back": "3.9's unstable share-group v0s, which kio " +
		"leaves out (Kafka 4 redefined or dropped them) and a 3.9 broker does not enable by default",
	"kio refuses (truncated), Java accepts": reasonSignedCount,
	"kio accepts, Java refuses: InvalidRequestException (caused by RuntimeException: Tag _ is not valid": reasonOtherVersionTag,
	"kio refuses (bad tagged field), Java accepts":                                                       reasonTaggedSize,
}

// In a default run (complete) every entry but the rare ones must also match some
// disagreement, so the tables cannot go stale.
func checkExplained(t *testing.T, what string, c *classes, known explained, complete bool) {
	used := map[string]bool{}
	for _, k := range c.sorted() {
		matched := false
		for prefix := range known {
			if strings.HasPrefix(k, prefix) {
				matched, used[prefix] = true, true
			}
		}
		if !matched {
			t.Errorf("%s: unexplained disagreement (%d inputs): %s, e.g. %.400s", what, c.count[k], k, c.example[k])
		}
	}
	for prefix := range known {
		rare := false
		for _, r := range rareClasses {
			rare = rare || strings.HasPrefix(prefix, r)
		}
		if complete && !rare && !used[prefix] {
			t.Errorf("%s: the explained class %q no longer occurs: remove it", what, prefix)
		}
	}
}

// jvmFor picks the Java release whose layout kio holds for target: the newest release
// that defines the version decides it (the generator's merge rule), so 4.4.0 where it
// defines the version and 3.9.2 for the versions Kafka 4 removed.
func jvmFor(target bodyTarget, jvm39, jvm4 *javaoracle.JVM) *javaoracle.JVM {
	rels := target.msg.Releases()
	if len(rels) > 0 && rels[len(rels)-1].Versions.Contains(target.version) {
		return jvm4
	}
	return jvm39
}
