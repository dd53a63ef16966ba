package bench

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/heartbeat"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// The cross-language benchmark (go run ./tests/bench/report -xlang) hands the same
// fixture bytes to kio, kmsg, the Rust crates in ./rust and Kafka's Java classes in ./jmh.
// The Go side writes them: TestExportFixtures puts one file per message body into the
// directory named by -xlang.fixtures, named <Message>.key<API key>.v<version>.bin, which
// the other implementations read and must re-encode to the same bytes.

var xlangFixturesDir = flag.String("xlang.fixtures", "", "write the cross-language fixture files into this `directory` (TestExportFixtures)")

// xlangFixture is one fixture file: a message body at one version.
type xlangFixture struct {
	name    string // the message's name, ending in Request or Response
	apiKey  int16
	version int16
	wire    []byte
	newKio  func() any         // a new kio value to decode into
	newKmsg func() kmsgDecoder // a new kmsg value to decode into, its version set
}

// kmsgDecoder is a kmsg message that decodes and encodes itself.
type kmsgDecoder interface {
	ReadFrom([]byte) error
	AppendTo([]byte) []byte
}

// fileName is the fixture's file name: message, API key and version.
func (x xlangFixture) fileName() string {
	return fmt.Sprintf("%s.key%d.v%d.bin", x.name, x.apiKey, x.version)
}

// parseFixtureFileName is fileName's inverse.
func parseFixtureFileName(file string) (name string, apiKey, version int16, err error) {
	parts := strings.Split(file, ".")
	if len(parts) != 4 || parts[3] != "bin" || !strings.HasPrefix(parts[1], "key") || !strings.HasPrefix(parts[2], "v") {
		return "", 0, 0, fmt.Errorf("fixture file %q: want <Message>.key<N>.v<N>.bin", file)
	}
	k, err := strconv.ParseInt(parts[1][3:], 10, 16)
	if err != nil {
		return "", 0, 0, fmt.Errorf("fixture file %q: API key: %w", file, err)
	}
	v, err := strconv.ParseInt(parts[2][1:], 10, 16)
	if err != nil {
		return "", 0, 0, fmt.Errorf("fixture file %q: version: %w", file, err)
	}
	return parts[0], int16(k), int16(v), nil
}

// xlangFixtures lists the fixtures of the cross-language benchmark: the message bodies
// the Go benchmarks use, at kio's versions (kmsg's bytes, which TestFixturesIdentical
// checks kio writes too).
func xlangFixtures(f *fixtureSet) []xlangFixture {
	return []xlangFixture{
		{name: "MetadataResponse", apiKey: metadata.APIKey, version: metadataVersion, wire: f.metadataResponseWire,
			newKio:  func() any { return new(metadata.MetadataResponse) },
			newKmsg: func() kmsgDecoder { m := new(kmsg.MetadataResponse); m.Version = metadataVersion; return m }},
		{name: "MetadataRequest", apiKey: metadata.APIKey, version: metadataVersion, wire: f.metadataRequestWire,
			newKio:  func() any { return new(metadata.MetadataRequest) },
			newKmsg: func() kmsgDecoder { m := new(kmsg.MetadataRequest); m.Version = metadataVersion; return m }},
		{name: "HeartbeatRequest", apiKey: heartbeat.APIKey, version: heartbeatVersion, wire: f.heartbeatWire,
			newKio:  func() any { return new(heartbeat.HeartbeatRequest) },
			newKmsg: func() kmsgDecoder { m := new(kmsg.HeartbeatRequest); m.Version = heartbeatVersion; return m }},
		{name: "FetchResponse", apiKey: fetch.APIKey, version: fetchVersion, wire: f.fetchResponseWire,
			newKio:  func() any { return new(fetch.FetchResponse) },
			newKmsg: func() kmsgDecoder { m := new(kmsg.FetchResponse); m.Version = fetchVersion; return m }},
		{name: "ProduceRequest", apiKey: produce.APIKey, version: produceVersion, wire: f.produceRequestWire,
			newKio:  func() any { return new(produce.ProduceRequest) },
			newKmsg: func() kmsgDecoder { m := new(kmsg.ProduceRequest); m.Version = produceVersion; return m }},
	}
}

// TestExportFixtures writes the fixture files (into -xlang.fixtures, or a temporary
// directory) and checks what the other languages are held to: each file reads back as
// its bytes, and kio and kmsg each decode it and encode it again to the same bytes.
func TestExportFixtures(t *testing.T) {
	dir := *xlangFixturesDir
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, x := range xlangFixtures(fixtures()) {
		t.Run(x.name, func(t *testing.T) {
			path := filepath.Join(dir, x.fileName())
			if err := os.WriteFile(path, x.wire, 0o644); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			name, key, version, err := parseFixtureFileName(filepath.Base(path))
			if err != nil || name != x.name || key != x.apiKey || version != x.version {
				t.Fatalf("file name %s reads as %q key %d v%d (%v)", x.fileName(), name, key, version, err)
			}

			v := x.newKio()
			if err := serial.Unmarshal(data, v, x.version); err != nil {
				t.Fatalf("kio decode: %v", err)
			}
			assertSameBytes(t, kioMarshal(t, v, x.version), data)

			m := x.newKmsg()
			if err := m.ReadFrom(data); err != nil {
				t.Fatalf("kmsg decode: %v", err)
			}
			assertSameBytes(t, m.AppendTo(nil), data)
		})
	}
}

func TestParseFixtureFileName(t *testing.T) {
	name, key, version, err := parseFixtureFileName("FetchResponse.key1.v16.bin")
	if err != nil || name != "FetchResponse" || key != 1 || version != 16 {
		t.Fatalf("got %q %d %d %v", name, key, version, err)
	}
	for _, bad := range []string{"FetchResponse.bin", "FetchResponse.k1.v16.bin", "FetchResponse.key1.vX.bin", "FetchResponse.key1.v16.txt"} {
		if _, _, _, err := parseFixtureFileName(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
