// Package robustness holds the fuzz targets and the hostile-input tests: decoding must
// fail with a typed error or succeed stably, never panic, hang or over-allocate.
package robustness

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// The robustness suite: hostile bytes must give a typed error or a value that survives
// a second round trip, never a panic, and decoding must never allocate much more than
// the input it was given.

// bodyTarget is what a fuzz input decodes into: the first bytes choose the message
// (every request, response, header and data schema) and its version.
type bodyTarget struct {
	msg     *schema.Message
	version int16
}

var allMessages = schema.Messages()

// sampleEvery calls f with a random value (kio/kiotest, drawn from rnd) of every
// message at every version.
func sampleEvery(t *testing.T, rnd *rand.Rand, f func(m *schema.Message, version int16, v any)) {
	t.Helper()
	for _, m := range allMessages {
		for version := m.Versions.Lo; version <= m.Versions.Hi; version++ {
			g, err := kiotest.NewGen(m.Type, version)
			if err != nil {
				t.Fatal(err)
			}
			f(m, version, kiotest.Sample(g, rnd))
		}
	}
}

func chooseBody(data []byte) (bodyTarget, []byte, bool) {
	if len(data) < 3 {
		return bodyTarget{}, nil, false
	}
	m := allMessages[(int(data[0])<<8|int(data[1]))%len(allMessages)]
	span := int(m.Versions.Hi) - int(m.Versions.Lo) + 1
	return bodyTarget{m, m.Versions.Lo + int16(int(data[2])%span)}, data[3:], true
}

// selector returns the first three fuzz bytes that choose msg at version.
func selector(msg *schema.Message, version int16) []byte {
	for i, m := range allMessages {
		if m == msg {
			return []byte{byte(i >> 8), byte(i), byte(version - m.Versions.Lo)}
		}
	}
	panic("unknown message " + msg.Name)
}

var roundTripOpts = cmp.Options{cmpopts.EquateNaNs(), cmp.Exporter(func(reflect.Type) bool { return true })}

// checkBody is the invariant every input must keep.
func checkBody(t *testing.T, target bodyTarget, body []byte) {
	v := target.msg.New()
	if err := serial.Unmarshal(body, v, target.version); err != nil {
		var e *serial.Error
		if !errors.As(err, &e) {
			t.Fatalf("%s v%d: untyped error %T: %v", target.msg.Name, target.version, err, err)
		}
		return
	}
	again, err := serial.Marshal(v, target.version)
	if err != nil {
		t.Fatalf("%s v%d: a decoded value does not encode: %v", target.msg.Name, target.version, err)
	}
	v2 := target.msg.New()
	if err := serial.Unmarshal(again, v2, target.version); err != nil {
		t.Fatalf("%s v%d: re-encoded bytes do not decode: %v", target.msg.Name, target.version, err)
	}
	if d := cmp.Diff(v, v2, roundTripOpts); d != "" {
		t.Fatalf("%s v%d: second round trip differs:\n%s", target.msg.Name, target.version, d)
	}
	third, err := serial.Marshal(v2, target.version)
	if err != nil || string(third) != string(again) {
		t.Fatalf("%s v%d: encoding is not stable: %v", target.msg.Name, target.version, err)
	}
}

// FuzzBody decodes any bytes as any message body at any version.
func FuzzBody(f *testing.F) {
	for _, m := range allMessages {
		f.Add(append(selector(m, m.Versions.Lo), 0, 0, 0, 0))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		target, body, ok := chooseBody(data)
		if !ok {
			return
		}
		checkBody(t, target, body)
	})
}

// hostileBodies are inputs built to make a decoder allocate by what a length prefix
// claims: each is tried as every message at every version.
func hostileBodies() [][]byte {
	maxArray := []byte{0x7f, 0xff, 0xff, 0xff} // int32 count 2^31-1
	compactMax := []byte{0xff, 0xff, 0xff, 0xff, 0x07}
	var out [][]byte
	for _, prefix := range [][]byte{nil, {0}, {0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0}} {
		out = append(out,
			append(append(append([]byte{}, prefix...), maxArray...), make([]byte, 12)...), // a 20-byte frame claiming 2^31-1 elements
			append(append(append([]byte{}, prefix...), compactMax...), make([]byte, 12)...),
			append(append(append([]byte{}, prefix...), 0x7f, 0xff), make([]byte, 16)...),                          // a string of 32,767 bytes, mostly missing
			append(append([]byte{}, prefix...), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), // 10 continuation bytes
		)
	}
	return out
}

// TestDecodeAllocationIsBoundedByInput decodes hostile inputs as every message at every
// version and checks that no decode allocates more than a small multiple of its input.
func TestDecodeAllocationIsBoundedByInput(t *testing.T) {
	const perByte, constant = 64, 64 << 10
	var worst float64
	var worstName string
	inputs := hostileBodies()
	// Valid messages too: the bound must hold where decoding succeeds.
	for _, m := range allMessages {
		v := m.New()
		if err := serial.SetDefaults(v); err != nil {
			t.Fatal(err)
		}
		b, err := serial.Marshal(v, m.Versions.Hi)
		if err == nil {
			inputs = append(inputs, b)
		}
	}
	var before, after runtime.MemStats
	checked := 0
	for _, m := range allMessages {
		for version := m.Versions.Lo; version <= m.Versions.Hi; version++ {
			for _, in := range inputs {
				v := m.New()
				runtime.ReadMemStats(&before)
				_ = serial.Unmarshal(in, v, version)
				runtime.ReadMemStats(&after)
				allocated := after.TotalAlloc - before.TotalAlloc
				limit := uint64(perByte*len(in) + constant)
				if allocated > limit {
					t.Errorf("%s v%d: %d input bytes allocated %d bytes (limit %d)", m.Name, version, len(in), allocated, limit)
				}
				if r := float64(allocated) / float64(len(in)+1); r > worst {
					worst, worstName = r, m.Name
				}
				checked++
			}
		}
	}
	t.Logf("allocation bound: %d decodes checked; worst %.1f bytes allocated per input byte (%s); limit %d per byte + %d", checked, worst, worstName, perByte, constant)
}

// TestHostileInputsGiveTypedErrors runs the fuzz invariant over the hostile inputs.
func TestHostileInputsGiveTypedErrors(t *testing.T) {
	for _, m := range allMessages {
		for version := m.Versions.Lo; version <= m.Versions.Hi; version++ {
			for _, in := range hostileBodies() {
				checkBody(t, bodyTarget{m, version}, in)
			}
		}
	}
}

// freshProcessEnv marks the child process in which TestConcurrentFirstUseOfEveryMessage
// runs its race.
const freshProcessEnv = "KIO_ROBUSTNESS_FRESH_PROCESS"

// TestConcurrentFirstUseOfEveryMessage encodes and decodes every message at every
// version from many goroutines at once while their plans are first compiled. Run it
// with -race.
//
// Tests that ran before it in this binary have compiled plans already, and the codec's
// caches are process-wide: so the race runs in a child process of the test binary that
// runs this test alone, where no plan exists when the goroutines start.
func TestConcurrentFirstUseOfEveryMessage(t *testing.T) {
	if os.Getenv(freshProcessEnv) != "1" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestConcurrentFirstUseOfEveryMessage$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), freshProcessEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("--- PASS: TestConcurrentFirstUseOfEveryMessage")) {
			t.Fatalf("the race in a fresh process failed: %v\n%s", err, out)
		}
		for _, line := range bytes.Split(out, []byte("\n")) {
			if bytes.Contains(line, []byte("from a fresh process")) {
				t.Logf("child: %s", bytes.TrimSpace(line))
			}
		}
		return
	}
	workers := 8
	// Valid values at every version, made before the race starts.
	rnd := rand.New(rand.NewSource(1))
	type sample struct {
		m       *schema.Message
		version int16
		v       any
	}
	var samples []sample
	sampleEvery(t, rnd, func(m *schema.Message, version int16, v any) {
		samples = append(samples, sample{m, version, v})
	})
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := make(chan struct{})
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start // all at once, so first compilations meet
			// Each worker walks the messages from a different start, so different
			// types are compiled at the same moment.
			for i := range samples {
				s := samples[(i+w*len(samples)/workers)%len(samples)]
				b, err := serial.Marshal(s.v, s.version)
				if err != nil {
					errs <- err
					return
				}
				if err := serial.Unmarshal(b, s.m.New(), s.version); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d goroutines encoded and decoded %d message versions from a fresh process", workers, len(samples))
}
