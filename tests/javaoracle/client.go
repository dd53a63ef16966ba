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
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// Kind says what a message is, numbered as the Java side numbers it.
type Kind byte

// The kinds of message.
const (
	Request  Kind = 0
	Response Kind = 1
	Header   Kind = 2 // RequestHeader or ResponseHeader, by name
	Data     Kind = 3 // a data schema, by class name (LeaderChangeMessage)
)

// String returns the kind's name.
func (k Kind) String() string {
	return [...]string{"request", "response", "header", "data"}[k]
}

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

	mu  sync.Mutex
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// Start builds the oracle module against Kafka release version (once per process) and
// starts its JVM; t's cleanup stops it. It ends the test through kafkadist.Unavailable
// where Java or Maven is missing.
func Start(t testing.TB, version string) *JVM {
	t.Helper()
	cp := kafkadist.Classpath(t, "oracle", version)
	cmd := exec.Command("java", "-Xss4m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", cp, "io.kio.oracle.Main")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr tailBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		kafkadist.Unavailable(t, fmt.Sprintf("starting java: %v", err))
	}
	j := &JVM{Version: version, cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<16)}
	t.Cleanup(func() {
		in.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if s := stderr.String(); s != "" {
			t.Logf("Java oracle %s stderr: %s", version, s)
		}
	})
	info, err := j.info()
	if err != nil {
		t.Fatalf("Java oracle %s: %v (stderr: %s)", version, err, stderr.String())
	}
	j.Info = info
	return j
}

// tailBuffer keeps the last few KiB written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > 8192 {
		b.buf = b.buf[len(b.buf)-8192:]
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// call sends one request frame and returns the reply's reader.
func (j *JVM) call(req []byte) (*reader, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	frame := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(req)), uint32(len(req)))
	if _, err := j.in.Write(append(frame, req...)); err != nil {
		return nil, fmt.Errorf("java oracle %s: write: %w", j.Version, err)
	}
	var size [4]byte
	if _, err := io.ReadFull(j.out, size[:]); err != nil {
		return nil, fmt.Errorf("java oracle %s: read: %w (the JVM died? see its stderr)", j.Version, err)
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(j.out, body); err != nil {
		return nil, fmt.Errorf("java oracle %s: read: %w", j.Version, err)
	}
	return &reader{b: body}, nil
}

func (j *JVM) info() (Info, error) {
	r, err := j.call([]byte{'I'})
	if err != nil {
		return Info{}, err
	}
	info := Info{Release: r.string(), APIs: map[int16]Range{}, Headers: map[string]Range{}, Data: map[string]Range{}}
	for n := r.int32(); n > 0 && r.err == nil; n-- {
		key := r.int16()
		info.APIs[key] = Range{r.int16(), r.int16()}
	}
	for _, h := range []string{"RequestHeader", "ResponseHeader"} {
		info.Headers[h] = Range{r.int16(), r.int16()}
	}
	for n := r.int32(); n > 0 && r.err == nil; n-- {
		name := r.string()
		info.Data[name] = Range{r.int16(), r.int16()}
	}
	return info, r.err
}

// message appends the fields that name a message: kind, API key, name, version.
func message(op byte, kind Kind, key int16, name string, version int16) []byte {
	b := []byte{op, byte(kind)}
	b = binary.BigEndian.AppendUint16(b, uint16(key))
	b = appendBlob(b, []byte(name))
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
	r, err := j.call(appendBlobs(req, inputs))
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(inputs))
	for i := range out {
		out[i] = r.result()
	}
	return out, r.err
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
	r, err := j.call(req)
	if err != nil {
		return nil, Reached{}, err
	}
	if res := r.result(); res.Err != "" {
		return nil, Reached{}, errors.New(res.Err)
	}
	out := make([][]byte, n)
	for i := range out {
		out[i] = r.blob()
	}
	reached := Reached{int(r.int32()), int(r.int32()), int(r.int32())}
	return out, reached, r.err
}

// BrokerParse runs each request payload (header and body, without the size prefix)
// through the calls Kafka's broker makes on its request path: RequestHeader.parse and
// RequestContext.parseRequest.
func (j *JVM) BrokerParse(payloads [][]byte) ([]BrokerResult, error) {
	r, err := j.call(appendBlobs([]byte{'B'}, payloads))
	if err != nil {
		return nil, err
	}
	out := make([]BrokerResult, len(payloads))
	for i := range out {
		if r.byte() == 0 {
			out[i].APIKey, out[i].APIVersion, out[i].HeaderSize = r.int16(), r.int16(), int(r.int32())
			out[i].Result = r.result()
		} else {
			out[i].Err = r.string()
		}
	}
	return out, r.err
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
	r, err := j.call(req)
	if err != nil {
		return nil, err
	}
	out := make([]BuiltBatches, n)
	for i := range out {
		out[i] = BuiltBatches{Bytes: r.blob(), Description: r.string()}
	}
	return out, r.err
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
		b = appendBlob(b, blob)
	}
	return b
}

func appendBlob(b, blob []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(blob)))
	return append(b, blob...)
}

// reader reads a reply; the first error sticks and later reads return zeros.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		if r.err == nil {
			r.err = errors.New("java oracle: short reply")
		}
		return make([]byte, max(n, 0))
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) byte() byte     { return r.take(1)[0] }
func (r *reader) int16() int16   { return int16(binary.BigEndian.Uint16(r.take(2))) }
func (r *reader) int32() int32   { return int32(binary.BigEndian.Uint32(r.take(4))) }
func (r *reader) blob() []byte   { return r.take(int(r.int32())) }
func (r *reader) string() string { return string(r.blob()) }

func (r *reader) result() Result {
	switch r.byte() {
	case 0:
		return Result{Trailing: int(r.int32()), Rewritten: r.blob()}
	case 2:
		return Result{Trailing: int(r.int32()), WriteErr: r.string()}
	default:
		return Result{Err: r.string()}
	}
}
