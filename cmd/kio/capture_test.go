package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/kio-go/kafka-protocol/kio/kafkajson"
	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/schema/responseheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// Captures for the tests are written here with gopacket's pcapgo and layers: TCP
// connections to port 9092 carrying request and response frames of generated values
// (kio/kiotest), so every frame's expected JSON is known.

type endpoint struct {
	ip   net.IP
	port uint16
}

// pcapBuilder writes Ethernet/IPv4/TCP packets to a pcap.
type pcapBuilder struct {
	w interface {
		WritePacket(gopacket.CaptureInfo, []byte) error
	}
	at    time.Time
	mss   int
	bytes int64
	// keep, when set, decides whether a packet is written (to cut a capture), from the
	// payload bytes written before it and its own.
	keep func(before int64, size int) bool
	n    int
}

func newPcap(w io.Writer, mss int) *pcapBuilder {
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(262144, layers.LinkTypeEthernet); err != nil {
		panic(err)
	}
	return &pcapBuilder{w: pw, at: time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC), mss: mss}
}

// newPcapng is newPcap writing pcapng; flush it at the end.
func newPcapng(w io.Writer, mss int) (*pcapBuilder, *pcapgo.NgWriter) {
	nw, err := pcapgo.NewNgWriter(w, layers.LinkTypeEthernet)
	if err != nil {
		panic(err)
	}
	return &pcapBuilder{w: nw, at: time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC), mss: mss}, nw
}

func (b *pcapBuilder) packet(src, dst endpoint, seq uint32, syn, ack bool, payload []byte) {
	b.segment(src, dst, seq, tcpFlags{syn: syn, ack: ack}, payload)
}

// tcpFlags are the flags of a segment the tests write.
type tcpFlags struct{ syn, ack, fin, rst bool }

func (b *pcapBuilder) segment(src, dst endpoint, seq uint32, f tcpFlags, payload []byte) {
	b.n++
	b.at = b.at.Add(50 * time.Microsecond)
	before := b.bytes
	b.bytes += int64(len(payload))
	if b.keep != nil && !b.keep(before, len(payload)) {
		return
	}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.ip, DstIP: dst.ip}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.port), DstPort: layers.TCPPort(dst.port), Seq: seq, SYN: f.syn, ACK: f.ack, FIN: f.fin, RST: f.rst, Window: 65535}
	tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
		panic(err)
	}
	data := buf.Bytes()
	if err := b.w.WritePacket(gopacket.CaptureInfo{Timestamp: b.at, CaptureLength: len(data), Length: len(data)}, data); err != nil {
		panic(err)
	}
}

// tcpConn is one connection's two sequence numbers.
type tcpConn struct {
	b              *pcapBuilder
	client, server endpoint
	cseq, sseq     uint32
}

func (b *pcapBuilder) connect(client, server endpoint) *tcpConn {
	return b.connectISN(client, server, 1000, 5000)
}

// connectISN writes a connection's SYN and SYN-ACK with the given initial sequence
// numbers.
func (b *pcapBuilder) connectISN(client, server endpoint, cisn, sisn uint32) *tcpConn {
	c := &tcpConn{b: b, client: client, server: server, cseq: cisn, sseq: sisn}
	b.packet(client, server, c.cseq, true, false, nil)
	b.packet(server, client, c.sseq, true, true, nil)
	c.cseq++
	c.sseq++
	return c
}

// send writes data from the client (or the server) in segments of at most mss bytes.
func (c *tcpConn) send(fromClient bool, data []byte) {
	for len(data) > 0 {
		n := min(len(data), c.b.mss)
		if fromClient {
			c.b.packet(c.client, c.server, c.cseq, false, true, data[:n])
			c.cseq += uint32(n)
		} else {
			c.b.packet(c.server, c.client, c.sseq, false, true, data[:n])
			c.sseq += uint32(n)
		}
		data = data[n:]
	}
}

// exchange is one request and its response, as sent and as decode must print them.
type exchange struct {
	conn             string
	api              *schema.API
	version          int16
	corr             int32
	reqFrame         []byte
	respFrame        []byte
	reqBody, respBdy []byte // kafkajson of the bodies
}

var traffic = []struct {
	key      int16
	versions []int16
}{
	{3, []int16{1, 9, 12}},  // Metadata
	{0, []int16{3, 9, 11}},  // Produce
	{1, []int16{4, 11, 16}}, // Fetch
	{18, []int16{0, 3}},     // ApiVersions
	{10, []int16{1, 4}},     // FindCoordinator
	{8, []int16{2, 8}},      // OffsetCommit
}

// genExchanges builds n exchanges of generated values on the given connections.
func genExchanges(t testing.TB, r *rand.Rand, conns []string, n int) []exchange {
	out := make([]exchange, 0, n)
	for i := range n {
		tr := traffic[r.Intn(len(traffic))]
		api, _ := schema.Lookup(tr.key)
		v := tr.versions[r.Intn(len(tr.versions))]
		req := sample(t, api.Request, v, r)
		if pr, ok := req.(*produce.ProduceRequest); ok {
			pr.Acks = -1 // acks=0 has no response
		}
		resp := sample(t, api.Response, v, r)
		id := fmt.Sprintf("client-%d", i%len(conns))
		hdr, err := serial.Marshal(&requestheader.RequestHeader{RequestApiKey: api.Key, RequestApiVersion: v, CorrelationId: int32(i), ClientId: &id}, api.RequestHeaderVersion(v))
		if err != nil {
			t.Fatal(err)
		}
		rh, err := serial.Marshal(&responseheader.ResponseHeader{CorrelationId: int32(i)}, api.ResponseHeaderVersion(v))
		if err != nil {
			t.Fatal(err)
		}
		e := exchange{conn: conns[i%len(conns)], api: api, version: v, corr: int32(i)}
		e.reqFrame = frameOf(hdr, mustMarshal(t, req, v))
		e.respFrame = frameOf(rh, mustMarshal(t, resp, v))
		e.reqBody, _ = kafkajson.Marshal(req, v)
		e.respBdy, _ = kafkajson.Marshal(resp, v)
		out = append(out, e)
	}
	return out
}

func sample(t testing.TB, typ reflect.Type, v int16, r *rand.Rand) any {
	g, err := kiotest.NewGen(typ, v, kiotest.WithRecords())
	if err != nil {
		t.Fatal(err)
	}
	p := reflect.New(typ)
	p.Elem().Set(reflect.ValueOf(kiotest.Sample(g, r)))
	return p.Interface()
}

func mustMarshal(t testing.TB, v any, version int16) []byte {
	b, err := serial.Marshal(v, version)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func frameOf(hdr, body []byte) []byte {
	f := binary.BigEndian.AppendUint32(nil, uint32(len(hdr)+len(body)))
	return append(append(f, hdr...), body...)
}

// writeCapture writes the exchanges, each connection opened with a SYN first.
func writeCapture(b *pcapBuilder, exs []exchange, conns []string) {
	byName := map[string]*tcpConn{}
	for i, name := range conns {
		byName[name] = b.connect(endpoint{net.IPv4(10, 0, 0, byte(i+1)), uint16(40000 + i)}, endpoint{net.IPv4(10, 0, 1, 1), 9092})
	}
	for _, e := range exs {
		c := byName[e.conn]
		c.send(true, e.reqFrame)
		c.send(false, e.respFrame)
	}
}

func connNames(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("10.0.0.%d:%d>10.0.1.1:9092", i+1, 40000+i))
	}
	return out
}

// decodedLine is what the tests read back of a line.
type decodedLine struct {
	Conn          string          `json:"conn"`
	Dir           string          `json:"dir"`
	API           string          `json:"api"`
	Key           int16           `json:"key"`
	Version       int16           `json:"version"`
	CorrelationID int32           `json:"correlationId"`
	ClientID      *string         `json:"clientId"`
	Notes         []string        `json:"notes"`
	Error         string          `json:"error"`
	Body          json.RawMessage `json:"body"`
	SkippedBytes  int64           `json:"skippedBytes"`
}

func runDecodeOn(t testing.TB, input []byte, args ...string) ([]decodedLine, string) {
	var out, errOut bytes.Buffer
	if err := runDecode(args, bytes.NewReader(input), &out, &errOut); err != nil {
		t.Fatalf("decode: %v (stderr %s)", err, errOut.String())
	}
	var lines []decodedLine
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var l decodedLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines, errOut.String()
}

func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// check compares lines with the exchanges they must show, by connection and
// correlation id; it returns how many frames matched.
func check(t *testing.T, lines []decodedLine, exs []exchange) int {
	t.Helper()
	type key struct {
		conn, dir string
		corr      int32
	}
	want := map[key]exchange{}
	for _, e := range exs {
		want[key{e.conn, "request", e.corr}] = e
		want[key{e.conn, "response", e.corr}] = e
	}
	matched := 0
	for _, l := range lines {
		if l.Error != "" {
			t.Errorf("line with an error: %+v", l)
			continue
		}
		e, ok := want[key{l.Conn, l.Dir, l.CorrelationID}]
		if !ok {
			t.Errorf("line for no frame sent: %+v", l)
			continue
		}
		body := e.reqBody
		if l.Dir == "response" {
			body = e.respBdy
		}
		if l.Body == nil && len(l.Notes) > 0 {
			continue // reported as not decodable, with the reason
		}
		if l.API != e.api.Name || l.Key != e.api.Key || l.Version != e.version || !sameJSON(l.Body, body) {
			t.Errorf("%s %s corr %d: got %s v%d %s\nwant %s v%d %s", l.Conn, l.Dir, l.CorrelationID, l.API, l.Version, l.Body, e.api.Name, e.version, body)
			continue
		}
		matched++
	}
	return matched
}

// TestDecodeCapture: every frame of a capture over three connections, decoded and
// paired, each body Kafka's JSON of the value sent.
func TestDecodeCapture(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	conns := connNames(3)
	exs := genExchanges(t, r, conns, 300)
	var buf bytes.Buffer
	writeCapture(newPcap(&buf, 1400), exs, conns)
	lines, summary := runDecodeOn(t, buf.Bytes())
	if got := check(t, lines, exs); got != 2*len(exs) || len(lines) != got {
		t.Fatalf("%d of %d frames decoded right, %d lines; %s", got, 2*len(exs), len(lines), summary)
	}
	for _, l := range lines {
		if len(l.Notes) > 0 || l.SkippedBytes > 0 {
			t.Errorf("unexpected notes in a whole capture: %+v", l)
		}
	}
	if !strings.Contains(summary, "600 frames (300 requests, 300 responses, 0 without their request, 0 not decoded)") {
		t.Errorf("summary: %s", summary)
	}
	// The same traffic as pcapng.
	var ng bytes.Buffer
	nb, nw := newPcapng(&ng, 1400)
	writeCapture(nb, exs, conns)
	nw.Flush()
	if lines, summary := runDecodeOn(t, ng.Bytes()); check(t, lines, exs) != 2*len(exs) {
		t.Errorf("pcapng: %s", summary)
	}
	// The same bytes as raw frames and as hex lines.
	var raw, hexLines bytes.Buffer
	for _, e := range exs[:50] {
		raw.Write(e.reqFrame)
		raw.Write(e.respFrame)
		fmt.Fprintf(&hexLines, "%x\n%x\n", e.reqFrame, e.respFrame[4:]) // a response without its size prefix
	}
	for name, in := range map[string][]byte{"raw": raw.Bytes(), "hex": hexLines.Bytes()} {
		lines, _ := runDecodeOn(t, in)
		for i := range lines {
			lines[i].Conn = exs[i/2].conn // one stream: the test's names stand in
		}
		if got := check(t, lines, exs[:50]); got != 100 {
			t.Errorf("%s: %d of 100 frames", name, got)
		}
	}
	// -filter keeps only the APIs named.
	lines, _ = runDecodeOn(t, buf.Bytes(), "-filter", "metadata,Produce")
	for _, l := range lines {
		if l.API != "Metadata" && l.API != "Produce" {
			t.Errorf("-filter let %s through", l.API)
		}
	}
	if len(lines) == 0 {
		t.Error("-filter left nothing")
	}
}

// TestDecodeMidStream: a capture whose first 100 KB of traffic were not captured
// (the capture starts inside a frame, without the connections' SYNs) is resynchronised
// at the first frame that decodes; every frame after is decoded right, and responses
// whose requests were cut off are skipped while resynchronising or reported as such.
func TestDecodeMidStream(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	conns := connNames(2)
	exs := genExchanges(t, r, conns, 400)
	var whole, cut bytes.Buffer
	// Small segments, so that the capture's first packet is inside a frame.
	writeCapture(newPcap(&whole, 300), exs, conns)
	b := newPcap(&cut, 300)
	// The capture starts after the first full segment past 100 KB, so inside a frame
	// that goes on in the next segment.
	started := false
	b.keep = func(before int64, size int) bool {
		if started {
			return true
		}
		started = before >= 100<<10 && size == 300
		return false
	}
	writeCapture(b, exs, conns)
	lines, summary := runDecodeOn(t, cut.Bytes())
	matched := check(t, lines, exs)
	var total int
	for _, e := range exs {
		total += len(e.reqFrame) + len(e.respFrame)
	}
	if matched < 2*len(exs)*2/3 {
		t.Errorf("only %d of %d frames decoded after the cut; %s", matched, 2*len(exs), summary)
	}
	skipped := int64(0)
	for _, l := range lines {
		skipped += l.SkippedBytes
	}
	if skipped == 0 || strings.Contains(summary, " 0 bytes skipped") {
		t.Errorf("no bytes reported skipped: %s", summary)
	}
	t.Logf("cut capture: %d frames decoded right (%d bytes of traffic, first 100 KB cut); %s", matched, total, summary)
}

// TestDecodeSkipsTLSAndOtherTraffic: a TLS connection on the Kafka port, TCP to
// another port and UDP are counted and left out; the Kafka frames beside them decode.
func TestDecodeSkipsTLSAndOtherTraffic(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	conns := connNames(1)
	exs := genExchanges(t, r, conns, 10)
	var buf bytes.Buffer
	b := newPcap(&buf, 1400)
	writeCapture(b, exs, conns)
	tls := b.connect(endpoint{net.IPv4(10, 0, 0, 9), 50000}, endpoint{net.IPv4(10, 0, 1, 1), 9092})
	hello := append([]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03}, make([]byte, 500)...)
	r.Read(hello[11:])
	tls.send(true, hello)
	tls.send(false, append([]byte{0x16, 0x03, 0x03, 0x00, 0x7a}, make([]byte, 122)...))
	web := b.connect(endpoint{net.IPv4(10, 0, 0, 8), 50001}, endpoint{net.IPv4(10, 0, 1, 2), 443})
	web.send(true, []byte("GET / HTTP/1.1\r\n\r\n"))
	lines, summary := runDecodeOn(t, buf.Bytes())
	if got := check(t, lines, exs); got != 20 || len(lines) != 20 {
		t.Errorf("%d frames right, %d lines; %s", got, len(lines), summary)
	}
	if !strings.Contains(summary, "2 TLS directions") || !strings.Contains(summary, "packets of other traffic") || strings.Contains(summary, " 0 packets of other traffic") {
		t.Errorf("summary does not report the other traffic: %s", summary)
	}
}
