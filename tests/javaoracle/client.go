// Package javaoracle runs Apache Kafka's own Java message classes as an oracle for
// kio: a JVM per Kafka release (tests/java/oracle, built by tests/kafkadist) answers
// parse, rewrite, generate and record-batch requests over its stdin and stdout.
//
// The protocol, documented on the Java side in tests/java/oracle/.../Main.java: every
// request and reply is an int32 big-endian length and that many bytes; integers inside
// are big-endian, a blob is an int32 length and its bytes, a string a blob of UTF-8.
// The first byte of a request names the op ('I' info, 'P' parse and rewrite, 'G'
// generate, 'B' the broker's request path, 'R' build record batches, 'D' describe
// record batches). A result is status 0, int32 trailing (bytes left unread), blob
// (rewritten bytes); status 1 and a string (the Java exception); or status 2, int32
// trailing and a string (read, but writing the value back failed).
package javaoracle

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// Kind says what a message is; the numbering is the oracles' own (kafkadist.Kind),
// named here too for this package's callers.
type Kind = kafkadist.Kind

// The kinds of message.
const (
	Request  = kafkadist.Request
	Response = kafkadist.Response
	Header   = kafkadist.Header
	Data     = kafkadist.Data
)

// Result is Java's verdict on one input: Err is the Java exception's class and
// message, or empty when Java read the bytes; then Trailing is how many bytes it left
// unread and Rewritten what it wrote back (or WriteErr why it could not).
type Result struct {
	Err       string
	Trailing  int
	Rewritten []byte
	// WriteErr is set where Java read the bytes but could not write the value back.
	WriteErr string
}

// BrokerResult is the verdict of the broker's request path on a request payload.
type BrokerResult struct {
	Result
	APIKey, APIVersion int16
	HeaderSize         int
}

// Range is a version range as Java reports it.
type Range struct{ Lo, Hi int16 }

// Info is what one Java release defines.
type Info struct {
	Release string
	APIs    map[int16]Range  // by API key, the highest version including an unstable one
	Headers map[string]Range // "RequestHeader", "ResponseHeader"
	Data    map[string]Range // data schemas by class name
}

// JVM is a running oracle process for one Kafka release. Its methods are safe for
// concurrent use: calls are serialised.
type JVM struct {
	Version string
	Info    Info

	jvm *kafkadist.JVM
}

// Start builds the oracle module against Kafka release version (once per process) and
// starts its JVM; t's cleanup stops it. It ends the test through kafkadist.Unavailable
// where Java or Maven is missing.
func Start(t testing.TB, version string) *JVM {
	t.Helper()
	j := &JVM{Version: version, jvm: kafkadist.StartJVM(t, "java oracle "+version, "oracle", version, "io.kio.oracle.Main",
		"-Xss4m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")}
	info, err := j.info()
	if err != nil {
		t.Fatalf("Java oracle %s: %v (stderr: %s)", version, err, j.jvm.Stderr())
	}
	j.Info = info
	return j
}

func (j *JVM) info() (Info, error) {
	r, err := j.jvm.Call([]byte{'I'})
	if err != nil {
		return Info{}, err
	}
	info := Info{Release: r.Text(), APIs: map[int16]Range{}, Headers: map[string]Range{}, Data: map[string]Range{}}
	for n := r.Int32(); n > 0 && r.Err() == nil; n-- {
		key := r.Int16()
		info.APIs[key] = Range{r.Int16(), r.Int16()}
	}
	for _, h := range []string{"RequestHeader", "ResponseHeader"} {
		info.Headers[h] = Range{r.Int16(), r.Int16()}
	}
	for n := r.Int32(); n > 0 && r.Err() == nil; n-- {
		name := r.Text()
		info.Data[name] = Range{r.Int16(), r.Int16()}
	}
	return info, r.Err()
}

// message appends the fields that name a message: kind, API key, name, version.
func message(op byte, kind Kind, key int16, name string, version int16) []byte {
	b := []byte{op, byte(kind)}
	b = binary.BigEndian.AppendUint16(b, uint16(key))
	b = kafkadist.AppendBlob(b, []byte(name))
	return binary.BigEndian.AppendUint16(b, uint16(version))
}

// Parse has Java read each input as the message (kind; key for requests and
// responses, name for headers and data schemas) at version and write it back.
func (j *JVM) Parse(kind Kind, key int16, name string, version int16, inputs [][]byte) ([]Result, error) {
	return j.results(message('P', kind, key, name, version), inputs)
}

// results sends req followed by the inputs as a counted list of blobs and reads one
// Result per input.
func (j *JVM) results(req []byte, inputs [][]byte) ([]Result, error) {
	r, err := j.jvm.Call(appendBlobs(req, inputs))
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(inputs))
	for i := range out {
		out[i] = readResult(r)
	}
	return out, r.Err()
}

// Reached counts what Java's generated values hold: fields set to null, tagged fields
// set, unknown tagged fields.
type Reached struct{ Nulls, Tagged, UnknownTags int }

// Generate has Java build n random values of the message at version, from seed, and
// returns their bytes as Java writes them, and what they reached.
func (j *JVM) Generate(kind Kind, key int16, name string, version int16, n int, seed int64) ([][]byte, Reached, error) {
	req := message('G', kind, key, name, version)
	req = binary.BigEndian.AppendUint32(req, uint32(n))
	req = binary.BigEndian.AppendUint64(req, uint64(seed))
	r, err := j.jvm.Call(req)
	if err != nil {
		return nil, Reached{}, err
	}
	if res := readResult(r); res.Err != "" {
		return nil, Reached{}, errors.New(res.Err)
	}
	out := make([][]byte, n)
	for i := range out {
		out[i] = r.Blob()
	}
	reached := Reached{int(r.Int32()), int(r.Int32()), int(r.Int32())}
	return out, reached, r.Err()
}

// BrokerParse runs each request payload (header and body, without the size prefix)
// through the calls Kafka's broker makes on its request path: RequestHeader.parse and
// RequestContext.parseRequest.
func (j *JVM) BrokerParse(payloads [][]byte) ([]BrokerResult, error) {
	r, err := j.jvm.Call(appendBlobs([]byte{'B'}, payloads))
	if err != nil {
		return nil, err
	}
	out := make([]BrokerResult, len(payloads))
	for i := range out {
		if r.Byte() == 0 {
			out[i].APIKey, out[i].APIVersion, out[i].HeaderSize = r.Int16(), r.Int16(), int(r.Int32())
			out[i].Result = readResult(r)
		} else {
			out[i].Err = r.Text()
		}
	}
	return out, r.Err()
}

// BuiltBatches is a run of record batches built by Java and Java's description of
// them (see Records.java), or Err where Java could not build them.
type BuiltBatches struct {
	Bytes       []byte
	Description string
}

// BuildRecords has Java build n runs of one or two record batches from seed.
func (j *JVM) BuildRecords(n int, seed int64) ([]BuiltBatches, error) {
	req := binary.BigEndian.AppendUint32([]byte{'R'}, uint32(n))
	req = binary.BigEndian.AppendUint64(req, uint64(seed))
	r, err := j.jvm.Call(req)
	if err != nil {
		return nil, err
	}
	out := make([]BuiltBatches, n)
	for i := range out {
		out[i] = BuiltBatches{Bytes: r.Blob(), Description: r.Text()}
	}
	return out, r.Err()
}

// DescribeRecords has Java read each input as record batches, checking every CRC,
// and describe them; Result.Rewritten holds the description.
func (j *JVM) DescribeRecords(inputs [][]byte) ([]Result, error) {
	return j.results([]byte{'D'}, inputs)
}

// appendBlobs appends blobs as a count and then each blob.
func appendBlobs(b []byte, blobs [][]byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(blobs)))
	for _, blob := range blobs {
		b = kafkadist.AppendBlob(b, blob)
	}
	return b
}

// readResult reads a result: status 0, int32 trailing and the rewritten bytes; 1 and the
// Java exception; 2, int32 trailing and why writing the value back failed.
func readResult(r *kafkadist.Reply) Result {
	switch r.Byte() {
	case 0:
		return Result{Trailing: int(r.Int32()), Rewritten: r.Blob()}
	case 2:
		return Result{Trailing: int(r.Int32()), WriteErr: r.Text()}
	default:
		return Result{Err: r.Text()}
	}
}
