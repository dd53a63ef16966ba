package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/schema/responseheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// TestDecodeLargeCaptureInBoundedMemory: a capture much larger than the heap allowed
// is generated into a pipe while decode reads it, so it is never held whole; decode
// must stream it: the live heap, sampled after a collection every 100 ms, stays under
// 64 MiB above where it started, whatever the capture's size (measured: 30-56 MiB with
// 128 MiB, 256 MiB and 1 GiB captures of 1 MiB frames; the direction buffers grow to 2 MiB, and
// kio/serial's pooled arenas keep a few decoded bodies, whose records alias old frame
// buffers, until the pool lets them go). 1 GiB by default
// (about 3 s here; KIO_DECODE_LARGE_MB changes it, -short makes it 32 MiB).
func TestDecodeLargeCaptureInBoundedMemory(t *testing.T) {
	mb := 1024
	if n, err := strconv.Atoi(os.Getenv("KIO_DECODE_LARGE_MB")); err == nil && n > 0 {
		mb = n
	}
	if testing.Short() {
		mb = 32
	}
	// One Produce v9 request of 1 MiB of records and its response, sent again and again
	// with new correlation ids.
	records := make([]byte, 1<<20)
	rand.New(rand.NewSource(4)).Read(records)
	req := serial.Default[produce.ProduceRequest]()
	req.Acks, req.TimeoutMs = -1, 5000
	req.TopicData = []produce.TopicProduceData{{Name: "big", PartitionData: []produce.PartitionProduceData{{Records: records}}}}
	id := "big-producer"
	hdr, _ := serial.Marshal(&requestheader.RequestHeader{RequestApiKey: 0, RequestApiVersion: 9, ClientId: &id}, 2)
	reqFrame := frameOf(hdr, mustMarshal(t, &req, 9))
	resp := serial.Default[produce.ProduceResponse]()
	resp.Responses = []produce.TopicProduceResponse{{Name: "big", PartitionResponses: []produce.PartitionProduceResponse{{BaseOffset: 1}}}}
	rh, _ := serial.Marshal(&responseheader.ResponseHeader{}, 1)
	respFrame := frameOf(rh, mustMarshal(t, &resp, 9))

	pr, pw := io.Pipe()
	var written atomic.Int64
	go func() {
		b := newPcap(&countingWriter{pw, &written}, 65000)
		c := b.connect(endpoint{net.IPv4(127, 0, 0, 1), 50000}, endpoint{net.IPv4(127, 0, 0, 1), 9092})
		for i := 0; written.Load() < int64(mb)<<20; i++ {
			binary.BigEndian.PutUint32(reqFrame[8:], uint32(i))
			binary.BigEndian.PutUint32(respFrame[4:], uint32(i))
			c.send(true, reqFrame)
			c.send(false, respFrame)
		}
		pw.Close()
	}()

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			// The live heap: garbage (of the generator above too) is not held memory.
			runtime.GC()
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	}()
	start := time.Now()
	var out countingWriter
	var n atomic.Int64
	out.n = &n
	var errOut bytes.Buffer
	err := runDecode(nil, pr, &out, &errOut)
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err, errOut.String())
	}
	elapsed := time.Since(start)
	frames := strings.Contains(errOut.String(), "0 not decoded") && strings.Contains(errOut.String(), "0 without their request")
	growth := int64(peak.Load()) - int64(base)
	t.Logf("%d MiB of capture decoded in %v (%.0f MB/s), %d bytes of JSON, heap peak %d MiB above the start; %s",
		written.Load()>>20, elapsed.Round(time.Millisecond), float64(written.Load())/1e6/elapsed.Seconds(), n.Load(), growth>>20, strings.TrimSpace(errOut.String()))
	if !frames {
		t.Errorf("frames lost or not decoded: %s", errOut.String())
	}
	if growth > 64<<20 {
		t.Errorf("heap grew by %d MiB while decoding %d MiB: decode does not stream", growth>>20, written.Load()>>20)
	}
}

// countingWriter counts what it writes, to w or nowhere.
type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	if c.w == nil {
		return len(p), nil
	}
	return c.w.Write(p)
}
