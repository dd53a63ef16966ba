package realclients

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/proxy"
)

// seedsPerKind bounds the captured seeds per direction, API and version.
const seedsPerKind = 2

// captureRealClientSeeds, with KIO_CAPTURE_SEEDS=1, writes frames that real clients and
// kfake exchanged through the proxy into the fuzz seed corpora of tests/robustness:
// request frames for FuzzRequestFrame, response bodies (behind the three bytes that
// choose message and version, as FuzzBody reads them) for FuzzBody.
func captureRealClientSeeds(t *testing.T, p *proxy.Proxy) {
	if os.Getenv("KIO_CAPTURE_SEEDS") != "1" {
		return
	}
	messages := schema.Messages()
	index := map[string]int{}
	for i, m := range messages {
		index[m.Name] = i
	}
	var mu sync.Mutex
	written := map[string]int{}
	p.OnFrame(func(d proxy.Direction, key, version int16, raw []byte) {
		kind := fmt.Sprintf("%v/%d/%d", d, key, version)
		mu.Lock()
		defer mu.Unlock()
		if written[kind] >= seedsPerKind {
			return
		}
		target, data := "FuzzRequestFrame", raw
		if d == proxy.ToClient {
			api, _ := schema.Lookup(key)
			resp, err := frame.Framer{}.ParseResponse(raw, key, version)
			if err != nil {
				return
			}
			header, err := serial.Marshal(&resp.Header, api.ResponseHeaderVersion(version))
			if err != nil {
				return
			}
			i := index[api.Name+"Response"]
			m := messages[i]
			target = "FuzzBody"
			data = append([]byte{byte(i >> 8), byte(i), byte(version - m.Versions.Lo)}, raw[4+len(header):]...)
		}
		dir := filepath.Join("..", "robustness", "testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Error(err)
			return
		}
		name := fmt.Sprintf("client-%x", sha256.Sum256(data))[:23]
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Error(err)
			return
		}
		written[kind]++
	})
}
