package kafkadist

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
)

// JVM is a Java helper of tests/java (an oracle) running as a child process that
// answers length-prefixed frames: each request is a 4-byte big-endian size and that
// many bytes on its stdin, each reply the same on its stdout.
type JVM struct {
	name string // for errors: "java oracle 3.9.2"

	mu     sync.Mutex
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr tailBuffer
}

// StartJVM builds module against Kafka release version (once per process) and starts
// mainClass with the given JVM flags; t's cleanup stops it, logging the end of its
// stderr, if any. name labels its errors. Where Java or Maven is missing it ends t
// through Unavailable.
func StartJVM(t testing.TB, name, module, version, mainClass string, flags ...string) *JVM {
	t.Helper()
	cp := Classpath(t, module, version)
	args := append(append([]string{}, flags...), "-cp", cp, mainClass)
	cmd := exec.Command("java", args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	j := &JVM{name: name, cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<16)}
	cmd.Stderr = &j.stderr
	if err := cmd.Start(); err != nil {
		Unavailable(t, fmt.Sprintf("starting java: %v", err))
	}
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
		if s := j.Stderr(); s != "" {
			t.Logf("%s stderr: %s", name, s)
		}
	})
	return j
}

// Stderr returns the last few KiB the process wrote to its stderr.
func (j *JVM) Stderr() string { return j.stderr.String() }

// Call sends one request frame and returns a reader of the reply. Calls are serialized.
func (j *JVM) Call(req []byte) (*Reply, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	frame := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(req)), uint32(len(req)))
	if _, err := j.in.Write(append(frame, req...)); err != nil {
		return nil, fmt.Errorf("%s: write: %w", j.name, err)
	}
	var size [4]byte
	if _, err := io.ReadFull(j.out, size[:]); err != nil {
		return nil, fmt.Errorf("%s: read: %w (the JVM died? see its stderr)", j.name, err)
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(j.out, body); err != nil {
		return nil, fmt.Errorf("%s: read: %w", j.name, err)
	}
	return &Reply{b: body, name: j.name}, nil
}

// AppendBlob appends blob as a 4-byte big-endian size and its bytes.
func AppendBlob(b, blob []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(blob)))
	return append(b, blob...)
}

// Reply reads a reply's fields in order; the first error sticks, and later reads
// return zeros (Err tells).
type Reply struct {
	b    []byte
	name string
	err  error
}

func (r *Reply) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		if r.err == nil {
			r.err = errors.New(r.name + ": short reply")
		}
		return make([]byte, max(n, 0))
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

// Err returns the first error of a read past the reply's end.
func (r *Reply) Err() error { return r.err }

// Byte reads one byte.
func (r *Reply) Byte() byte { return r.take(1)[0] }

// Int16 reads a big-endian int16.
func (r *Reply) Int16() int16 { return int16(binary.BigEndian.Uint16(r.take(2))) }

// Int32 reads a big-endian int32.
func (r *Reply) Int32() int32 { return int32(binary.BigEndian.Uint32(r.take(4))) }

// Blob reads a blob AppendBlob's way.
func (r *Reply) Blob() []byte { return r.take(int(r.Int32())) }

// Text reads a blob as a string.
func (r *Reply) Text() string { return string(r.Blob()) }

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
