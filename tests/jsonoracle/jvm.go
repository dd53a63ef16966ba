// Package jsonoracle runs the JsonConverter classes of Apache Kafka's kafka-clients
// (tests/java/jsonoracle, built by tests/kafkadist against each pinned release) as the
// oracle of kio's JSON form, kio/kafkajson. The protocol is documented in
// tests/java/jsonoracle/.../Main.java.
package jsonoracle

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os/exec"
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
	Data     Kind = 3 // a data schema, by class name
)

// Verdict is Java's answer on one value kio wrote.
type Verdict struct {
	// Err is set where Java could not read kio's bytes or write its JSON.
	Err string
	// JSONRecords and JSONSize are Java's JSON of the value, written with
	// serializeRecords true and false.
	JSONRecords, JSONSize string
	// Rewritten is kio's JSON read by Java's converter and written as bytes by Java;
	// ReadErr says why Java could not read it.
	Rewritten []byte
	ReadErr   string
	// Variants are Java's verdicts on the variants of kio's JSON, in order.
	Variants []Read
}

// Read is what Java made of one JSON text: the bytes it wrote, or why it could not
// read the JSON or write the message.
type Read struct {
	Bytes []byte
	Err   string
}

// JVM is one running oracle process.
type JVM struct {
	Release string
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Reader
}

// Start builds the module against Kafka release version and starts its JVM; t's
// cleanup stops it. Without Java or Maven it ends t through kafkadist.Unavailable.
func Start(t testing.TB, version string) *JVM {
	t.Helper()
	cp := kafkadist.Classpath(t, "jsonoracle", version)
	cmd := exec.Command("java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", cp, "io.kio.jsonoracle.Main")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		kafkadist.Unavailable(t, fmt.Sprintf("starting java: %v", err))
	}
	j := &JVM{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<16)}
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
	})
	r, err := j.call(nil)
	if err != nil {
		t.Fatalf("json oracle %s: %v", version, err)
	}
	j.Release = r.string()
	if j.Release != version {
		t.Fatalf("json oracle built for %s reports kafka-clients %s", version, j.Release)
	}
	return j
}

func (j *JVM) call(req []byte) (*reader, error) {
	frame := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(req)), uint32(len(req)))
	if _, err := j.in.Write(append(frame, req...)); err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	var size [4]byte
	if _, err := io.ReadFull(j.out, size[:]); err != nil {
		return nil, fmt.Errorf("read: %w (the JVM died?)", err)
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(j.out, body); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return &reader{b: body}, nil
}

// Compare sends values (kio's bytes and kio's JSON of each, records as base64, and
// variants of that JSON) of one message version and returns Java's verdicts.
func (j *JVM) Compare(kind Kind, key int16, name string, version int16, bin, js [][]byte, variants [][][]byte) ([]Verdict, error) {
	req := []byte{byte(kind)}
	req = binary.BigEndian.AppendUint16(req, uint16(key))
	req = appendBlob(req, []byte(name))
	req = binary.BigEndian.AppendUint16(req, uint16(version))
	req = binary.BigEndian.AppendUint32(req, uint32(len(bin)))
	for i := range bin {
		req = appendBlob(req, bin[i])
		req = appendBlob(req, js[i])
		req = binary.BigEndian.AppendUint32(req, uint32(len(variants[i])))
		for _, v := range variants[i] {
			req = appendBlob(req, v)
		}
	}
	r, err := j.call(req)
	if err != nil {
		return nil, err
	}
	out := make([]Verdict, len(bin))
	for i := range out {
		if r.byte() != 0 {
			out[i].Err = r.string()
			continue
		}
		out[i].JSONRecords, out[i].JSONSize = r.string(), r.string()
		if r.byte() == 0 {
			out[i].Rewritten = r.blob()
		} else {
			out[i].ReadErr = r.string()
		}
		for range variants[i] {
			var rd Read
			if r.byte() == 0 {
				rd.Bytes = r.blob()
			} else {
				rd.Err = r.string()
			}
			out[i].Variants = append(out[i].Variants, rd)
		}
	}
	return out, r.err
}

func appendBlob(b, blob []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(blob)))
	return append(b, blob...)
}

// reader reads a reply; the first error sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		if r.err == nil {
			r.err = errors.New("json oracle: short reply")
		}
		return make([]byte, max(n, 0))
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) byte() byte     { return r.take(1)[0] }
func (r *reader) blob() []byte   { return r.take(int(binary.BigEndian.Uint32(r.take(4)))) }
func (r *reader) string() string { return string(r.blob()) }
