package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/google/gopacket/tcpassembly"
)

// This file reads packet captures: pcap and pcapng through gopacket's pure-Go pcapgo,
// TCP streams put back in order by gopacket's tcpassembly, each direction of a
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

// captureStats counts what the capture held besides Kafka frames.
type captureStats struct {
	packets, otherPackets int // otherPackets: not TCP to or from the Kafka port
	conns                 int
	tlsHalves             int // directions that start with a TLS record
	silentHalves          int // directions with bytes but no Kafka frame found
}

// streams builds a half per TCP direction and pairs the two halves of a connection.
type streams struct {
	p      *printer
	port   uint16
	conns  map[string]*conn
	stats  *captureStats
	halves []*halfStream
}

// halfStream adapts a half to tcpassembly.Stream.
type halfStream struct {
	h     half
	bytes int64
	tls   bool
	s     *streams
}

func (s *streams) New(netFlow, tcpFlow gopacket.Flow) tcpassembly.Stream {
	src, dst := netFlow.Src().String()+":"+tcpFlow.Src().String(), netFlow.Dst().String()+":"+tcpFlow.Dst().String()
	request := tcpFlow.Dst().String() == strconv.Itoa(int(s.port))
	client, server := src, dst
	if !request {
		client, server = dst, src
	}
	name := client + ">" + server
	c, ok := s.conns[name]
	if !ok {
		c = newConn(name)
		s.conns[name] = c
		s.stats.conns++
	}
	hs := &halfStream{h: half{c: c, request: request}, s: s}
	s.halves = append(s.halves, hs)
	return hs
}

func (hs *halfStream) Reassembled(rs []tcpassembly.Reassembly) {
	for _, r := range rs {
		if r.Start {
			hs.h.synced = true // a SYN: the first byte starts a frame
		}
		if r.Skip > 0 {
			hs.h.gap(r.Skip)
		}
		if len(r.Bytes) == 0 {
			continue
		}
		if hs.bytes == 0 && len(r.Bytes) >= 3 && r.Bytes[0] == 0x16 && r.Bytes[1] == 0x03 && r.Bytes[2] <= 0x04 {
			hs.tls = true // a TLS handshake record: not Kafka's framing in the clear
		}
		hs.bytes += int64(len(r.Bytes))
		if hs.tls {
			continue
		}
		hs.h.feed(hs.s.p, r.Bytes, r.Seen)
	}
}

func (hs *halfStream) ReassemblyComplete() {}

// decodeCapture decodes every Kafka frame of a capture read from r, whose first
// bytes br has buffered.
func decodeCapture(br *bufio.Reader, p *printer, port uint16) (*captureStats, error) {
	head, _ := br.Peek(4)
	var src packetSource
	var err error
	if binary.BigEndian.Uint32(head) == 0x0a0d0d0a {
		src, err = pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
	} else {
		src, err = pcapgo.NewReader(br)
	}
	if err != nil {
		return nil, &CaptureError{Err: err}
	}
	stats := &captureStats{}
	ss := &streams{p: p, port: port, conns: map[string]*conn{}, stats: stats}
	asm := tcpassembly.NewAssembler(tcpassembly.NewStreamPool(ss))
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
		if !isTCP || (uint16(tcp.SrcPort) != port && uint16(tcp.DstPort) != port) {
			stats.otherPackets++
			continue
		}
		asm.AssembleWithTimestamp(flow, &tcp, ci.Timestamp)
		if ci.Timestamp.Sub(last) > time.Minute {
			asm.FlushOlderThan(ci.Timestamp.Add(-2 * time.Minute))
			last = ci.Timestamp
		}
	}
	asm.FlushAll()
	for _, hs := range ss.halves {
		switch {
		case hs.tls:
			stats.tlsHalves++
		case hs.bytes > 0 && !hs.h.synced:
			stats.silentHalves++
		}
	}
	return stats, nil
}
