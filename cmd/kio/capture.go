package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/google/gopacket/reassembly"
)

// This file reads packet captures: pcap and pcapng through gopacket's pure-Go pcapgo,
// TCP streams put back in order by gopacket's reassembly, each direction of a
// connection to the Kafka port fed to its half (frames.go).

// CaptureError is a capture that cannot be read: which packet, and why.
type CaptureError struct {
	Packet int // 1-based number of the packet being read; 0 for the file header
	Err    error
}

// Error names the packet and the cause.
func (e *CaptureError) Error() string {
	if e.Packet == 0 {
		return "capture header: " + e.Err.Error()
	}
	return "capture packet " + strconv.Itoa(e.Packet) + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *CaptureError) Unwrap() error { return e.Err }

// packetSource is what pcapgo's two readers share.
type packetSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	LinkType() layers.LinkType
}

// maxSnaplen bounds the snap length a pcap header may ask for.
const maxSnaplen = 1 << 20

// ngPackets reads pcapng packets with ReadPacketData, which sizes each buffer by the
// packet (checked by ngGuard) rather than by the interface's snap length (not checked).
type ngPackets struct{ *pcapgo.NgReader }

func (n ngPackets) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	return n.ReadPacketData()
}

// isCapture reports whether the first bytes are a pcap or pcapng file header.
func isCapture(head []byte) bool {
	if len(head) < 4 {
		return false
	}
	switch binary.BigEndian.Uint32(head) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a:
		return true
	}
	return false
}

// portSet holds the Kafka ports (brokers and controllers) of a capture: a connection
// to one of them is Kafka's, its client the other side.
type portSet map[uint16]bool

// parsePorts reads -port: one port or several, comma-separated.
func parsePorts(s string) (portSet, error) {
	ports := portSet{}
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 16)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("-port %q: not a list of TCP ports", s)
		}
		ports[uint16(n)] = true
	}
	return ports, nil
}

// captureStats counts what the capture held besides Kafka frames.
type captureStats struct {
	packets, otherPackets int // otherPackets: not TCP to or from the Kafka port
	conns                 int
	tlsHalves             int // directions that start with a TLS record
	silentHalves          int // directions with bytes but no Kafka frame found
}

// streams builds a stream per TCP connection, with its two halves.
type streams struct {
	p       *printer
	ports   portSet
	stats   *captureStats
	streams []*kafkaStream
	// reused is set by Accept when a SYN shows that a new connection took the 4-tuple
	// of the stream it was given (see Accept); closing is set while decodeCapture ends
	// that stream with synthetic RSTs.
	reused    *kafkaStream
	reusedDir int // the half of reused the SYN came to
	closing   bool
}

// kafkaStream is one TCP connection as gopacket's reassembly sees it: halves[0] is the
// direction reassembly calls TCPDirClientToServer (that of the packet that made it
// create the stream), whichever side sent it.
type kafkaStream struct {
	s       *streams
	halves  [2]halfState
	started bool // a half took its first packet: the stream counts as a connection
	done    bool // reassembly has forgotten it (ReassemblyComplete)
}

type halfState struct {
	h       half
	started bool   // reassembly took a SYN or a payload of the direction
	sawSYN  bool   // the direction's SYN was captured: its first byte starts a frame
	isn     uint32 // the SYN's sequence number, when sawSYN
	resetAt uint32 // a sequence number at or before reassembly's next expected one
	bytes   int64
	tls     bool
}

func dirIndex(d reassembly.TCPFlowDirection) int {
	if d == reassembly.TCPDirServerToClient {
		return 1
	}
	return 0
}

func (s *streams) New(netFlow, tcpFlow gopacket.Flow, _ *layers.TCP, _ reassembly.AssemblerContext) reassembly.Stream {
	src, dst := netFlow.Src().String()+":"+tcpFlow.Src().String(), netFlow.Dst().String()+":"+tcpFlow.Dst().String()
	dstPort, _ := strconv.Atoi(tcpFlow.Dst().String())
	firstIsRequest := s.ports[uint16(dstPort)]
	client, server := src, dst
	if !firstIsRequest {
		client, server = dst, src
	}
	c := newConn(client + ">" + server)
	ks := &kafkaStream{s: s}
	ks.halves[0].h = half{c: c, request: firstIsRequest}
	ks.halves[1].h = half{c: c, request: !firstIsRequest}
	s.streams = append(s.streams, ks)
	return ks
}

// invalidSequence is what reassembly passes to Accept as the next sequence number of
// a direction it has not started (its unexported invalidSequence).
const invalidSequence = reassembly.Sequence(-1)

// Accept decides which packets reassembly takes, for three cases its defaults do not
// cover:
//
//   - A direction whose SYN was not captured (a capture begun mid-stream) starts at its
//     first packet carrying bytes, so that it is decoded from there (resync finds the
//     first frame).
//   - A packet carrying neither a SYN nor bytes (a bare ACK, FIN or RST) does not start
//     a direction. Reassembly forgets a connection once both its FINs are through, and
//     the closing side's last ACK, which loopback captures often record after the
//     other side's FIN, then makes it create a new stream for the same 4-tuple. Started
//     at that ACK's sequence number, such a stream would queue everything of the next
//     connection to reuse the 4-tuple (Linux reuses a TIME_WAIT 4-tuple on loopback,
//     its ISN 65537 past the old one) until the capture's end: its responses came out
//     first, without their requests. Unstarted, it serves the next connection from its
//     SYN.
//   - A SYN other than the one a direction started with is a new connection on the
//     4-tuple of one reassembly has not forgotten (a side that ended with a RST is
//     never closed by the other): the packet is refused and decodeCapture ends the
//     old stream, then hands the packet in again.
func (ks *kafkaStream) Accept(tcp *layers.TCP, _ gopacket.CaptureInfo, dir reassembly.TCPFlowDirection, nextSeq reassembly.Sequence, start *bool, _ reassembly.AssemblerContext) bool {
	hs := &ks.halves[dirIndex(dir)]
	if ks.s.closing {
		*start = true
		return true
	}
	if tcp.SYN && hs.started && (!hs.sawSYN || tcp.Seq != hs.isn) {
		ks.s.reused, ks.s.reusedDir = ks, dirIndex(dir)
		return false
	}
	if !hs.started {
		if !tcp.SYN && len(tcp.Payload) == 0 {
			return false
		}
		hs.started = true
		hs.resetAt = tcp.Seq
		if tcp.SYN {
			hs.sawSYN, hs.isn = true, tcp.Seq
		}
		if !ks.started {
			ks.started = true
			ks.s.stats.conns++
		}
	} else if nextSeq != invalidSequence {
		hs.resetAt = uint32(nextSeq)
	}
	*start = true
	return true
}

func (ks *kafkaStream) ReassembledSG(sg reassembly.ScatterGather, _ reassembly.AssemblerContext) {
	dir, _, _, skip := sg.Info()
	hs := &ks.halves[dirIndex(dir)]
	n, _ := sg.Lengths()
	if skip > 0 {
		hs.h.gap(skip)
	}
	if n == 0 {
		return
	}
	data := sg.Fetch(n)
	if hs.bytes == 0 {
		hs.h.synced = hs.sawSYN && skip == 0
		if len(data) >= 3 && data[0] == 0x16 && data[1] == 0x03 && data[2] <= 0x04 {
			hs.tls = true // a TLS handshake record: not Kafka's framing in the clear
		}
	}
	hs.bytes += int64(n)
	if hs.tls {
		return
	}
	hs.h.feed(ks.s.p, data, sg.CaptureInfo(0).Timestamp)
}

func (ks *kafkaStream) ReassemblyComplete(_ reassembly.AssemblerContext) bool {
	ks.done = true
	return true
}

// resetOf makes a RST on the connection of tcp, in its direction or the reverse one,
// at sequence number seq: decoded from bytes, as reassembly keys a packet by the ports
// its decoding recorded.
func resetOf(tcp *layers.TCP, reverse bool, seq uint32) *layers.TCP {
	src, dst := tcp.SrcPort, tcp.DstPort
	if reverse {
		src, dst = dst, src
	}
	var hdr [20]byte
	binary.BigEndian.PutUint16(hdr[0:], uint16(src))
	binary.BigEndian.PutUint16(hdr[2:], uint16(dst))
	binary.BigEndian.PutUint32(hdr[4:], seq)
	hdr[12] = 5 << 4 // header length: 5 words
	hdr[13] = 0x04   // RST
	rst := &layers.TCP{}
	if err := rst.DecodeFromBytes(hdr[:], gopacket.NilDecodeFeedback); err != nil {
		panic("kio: a 20-byte TCP header does not decode: " + err.Error())
	}
	return rst
}

// captureContext hands a packet's capture info to the assembler.
type captureContext gopacket.CaptureInfo

func (c *captureContext) GetCaptureInfo() gopacket.CaptureInfo { return gopacket.CaptureInfo(*c) }

// decodeCapture decodes every Kafka frame of a capture read from r, whose first
// bytes br has buffered.
func decodeCapture(br *bufio.Reader, p *printer, ports portSet) (*captureStats, error) {
	head, _ := br.Peek(4)
	var src packetSource
	var err error
	if binary.BigEndian.Uint32(head) == 0x0a0d0d0a {
		var ng *pcapgo.NgReader
		ng, err = pcapgo.NewNgReader(&ngGuard{r: br}, pcapgo.DefaultNgReaderOptions)
		src = ngPackets{ng}
	} else {
		var pr *pcapgo.Reader
		if pr, err = pcapgo.NewReader(br); err == nil {
			// pcapgo sizes its packet buffer by the header's snap length: a hostile
			// header could ask for 4 GiB. Real captures use up to 256 KiB.
			if s := pr.Snaplen(); s == 0 || s > maxSnaplen {
				pr.SetSnaplen(maxSnaplen)
			}
		}
		src = pr
	}
	if err != nil {
		return nil, &CaptureError{Err: err}
	}
	stats := &captureStats{}
	ss := &streams{p: p, ports: ports, stats: stats}
	asm := reassembly.NewAssembler(reassembly.NewStreamPool(ss))
	// Bound what out-of-order segments may hold: 4096 pages of 1900 bytes in all.
	asm.MaxBufferedPagesTotal = 4096
	asm.MaxBufferedPagesPerConnection = 512
	var eth layers.Ethernet
	var lo layers.Loopback
	var sll layers.LinuxSLL
	var ip4 layers.IPv4
	var ip6 layers.IPv6
	var tcp layers.TCP
	var payload gopacket.Payload
	first := layers.LayerTypeEthernet
	switch src.LinkType() {
	case layers.LinkTypeEthernet:
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		first = layers.LayerTypeLoopback
	case layers.LinkTypeLinuxSLL:
		first = layers.LayerTypeLinuxSLL
	case layers.LinkTypeRaw, layers.LinkTypeIPv4:
		first = layers.LayerTypeIPv4
	case layers.LinkTypeIPv6:
		first = layers.LayerTypeIPv6
	default:
		return nil, &CaptureError{Err: fmt.Errorf("link type %v is not one kio decodes", src.LinkType())}
	}
	parser := gopacket.NewDecodingLayerParser(first, &eth, &lo, &sll, &ip4, &ip6, &tcp, &payload)
	parser.IgnoreUnsupported = true
	decoded := make([]gopacket.LayerType, 0, 8)
	var last time.Time
	for n := 1; ; n++ {
		data, ci, err := src.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				// A capture cut while being written: decode what came before.
				fmt.Fprintf(p.errOut(), "kio: %v\n", &CaptureError{Packet: n, Err: err})
				break
			}
			return stats, &CaptureError{Packet: n, Err: err}
		}
		stats.packets++
		if err := parser.DecodeLayers(data, &decoded); err != nil {
			stats.otherPackets++
			continue
		}
		var flow gopacket.Flow
		isTCP := false
		for _, t := range decoded {
			switch t {
			case layers.LayerTypeIPv4:
				flow = ip4.NetworkFlow()
			case layers.LayerTypeIPv6:
				flow = ip6.NetworkFlow()
			case layers.LayerTypeTCP:
				isTCP = true
			}
		}
		if !isTCP || (!ports[uint16(tcp.SrcPort)] && !ports[uint16(tcp.DstPort)]) {
			stats.otherPackets++
			continue
		}
		ctx := captureContext(ci)
		asm.AssembleWithContext(flow, &tcp, &ctx)
		if old := ss.reused; old != nil {
			// A new connection on the 4-tuple of a stream reassembly still holds: end
			// that stream (both its directions reset, so that reassembly forgets it),
			// then hand the SYN in again to start the new one.
			ss.reused, ss.closing = nil, true
			same, other := &old.halves[ss.reusedDir], &old.halves[1-ss.reusedDir]
			asm.AssembleWithContext(flow, resetOf(&tcp, false, same.resetAt), &ctx)
			if !old.done { // else the other direction was closed already
				asm.AssembleWithContext(flow.Reverse(), resetOf(&tcp, true, other.resetAt), &ctx)
			}
			ss.closing = false
			if old.done {
				asm.AssembleWithContext(flow, &tcp, &ctx)
			}
			ss.reused = nil // a SYN the old stream still refused is left out
		}
		if ci.Timestamp.Sub(last) > time.Minute {
			asm.FlushCloseOlderThan(ci.Timestamp.Add(-2 * time.Minute))
			last = ci.Timestamp
		}
	}
	asm.FlushAll()
	for _, ks := range ss.streams {
		for i := range ks.halves {
			switch hs := &ks.halves[i]; {
			case hs.tls:
				stats.tlsHalves++
			case hs.bytes > 0 && !hs.h.synced:
				stats.silentHalves++
			}
		}
	}
	return stats, nil
}
