package main

import (
	"bytes"
	"fmt"
	"math/rand"
	"net"
	"os"
	"strings"
	"testing"
)

// A 4-tuple used by one connection after another: Linux reuses a TIME_WAIT 4-tuple
// for a new connection on loopback (net.ipv4.tcp_tw_reuse=2, its default), with an
// ISN 65537 past the old connection's last sequence number, and loopback captures
// often record the closing side's last ACK after the other side's FIN. Each new
// connection must be decoded from its SYN, every response paired with its request.

// closeFromClient writes the client's FIN, the server's ACK and FIN, then the
// client's last ACK: the order tcpdump records on lo when the client closes first.
func (c *tcpConn) closeFromClient() {
	c.b.segment(c.client, c.server, c.cseq, tcpFlags{ack: true, fin: true}, nil)
	c.cseq++
	c.b.segment(c.server, c.client, c.sseq, tcpFlags{ack: true}, nil)
	c.b.segment(c.server, c.client, c.sseq, tcpFlags{ack: true, fin: true}, nil)
	c.sseq++
	c.b.segment(c.client, c.server, c.cseq, tcpFlags{ack: true}, nil)
}

// closeFromServer is closeFromClient with the sides swapped.
func (c *tcpConn) closeFromServer() {
	c.b.segment(c.server, c.client, c.sseq, tcpFlags{ack: true, fin: true}, nil)
	c.sseq++
	c.b.segment(c.client, c.server, c.cseq, tcpFlags{ack: true, fin: true}, nil)
	c.cseq++
	c.b.segment(c.server, c.client, c.sseq, tcpFlags{ack: true}, nil)
}

// checkInOrder checks that every exchange shows up as its request, then its response,
// paired (no notes), and that the summary counts conns connections.
func checkInOrder(t *testing.T, lines []decodedLine, summary string, exs []exchange, conns int) {
	t.Helper()
	if got := check(t, lines, exs); got != 2*len(exs) || len(lines) != got {
		t.Errorf("%d of %d frames decoded right, %d lines; %s", got, 2*len(exs), len(lines), summary)
	}
	seen := map[int32]bool{}
	for _, l := range lines {
		if len(l.Notes) > 0 || l.SkippedBytes > 0 {
			t.Errorf("%s %d: notes %v, %d bytes skipped", l.Dir, l.CorrelationID, l.Notes, l.SkippedBytes)
		}
		switch l.Dir {
		case "request":
			seen[l.CorrelationID] = true
		case "response":
			if !seen[l.CorrelationID] {
				t.Errorf("response %d printed before its request", l.CorrelationID)
			}
		}
	}
	for _, want := range []string{fmt.Sprintf(" %d connections to port", conns), "0 without their request", " 0 bytes skipped"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary does not say %q: %s", want, summary)
		}
	}
}

// TestDecodeReusedFourTuple: two connections, one after the other on the same
// 4-tuple, the first one ended in the ways a capture shows; all frames of both are
// paired, and the summary counts two connections.
func TestDecodeReusedFourTuple(t *testing.T) {
	client, server := endpoint{net.IPv4(10, 0, 0, 1), 40000}, endpoint{net.IPv4(10, 0, 1, 1), 9092}
	cases := []struct {
		name string
		end  func(c *tcpConn)
		isn  func(old *tcpConn) uint32 // the new connection's client ISN
	}{
		// The client's last ACK comes after both FINs, when reassembly has already
		// forgotten the connection: it must not start a stream the new one would find.
		{"client closes, last ACK after both FINs", (*tcpConn).closeFromClient, linuxReuseISN},
		{"server closes, last ACK after both FINs", (*tcpConn).closeFromServer, linuxReuseISN},
		// The client resets: reassembly closes the client's side only and keeps the
		// connection, whose closed side would drop the new connection's requests.
		{"client resets", func(c *tcpConn) { c.b.segment(c.client, c.server, c.cseq, tcpFlags{rst: true}, nil) }, linuxReuseISN},
		{"server resets", func(c *tcpConn) { c.b.segment(c.server, c.client, c.sseq, tcpFlags{rst: true}, nil) }, linuxReuseISN},
		// No close captured; the new ISN behind the old stream's (another host's
		// choice): the old stream would take the new bytes for ones it already had.
		{"no close, ISN behind", func(*tcpConn) {}, func(old *tcpConn) uint32 { return old.cseq - 50000 }},
		{"no close, ISN ahead", func(*tcpConn) {}, linuxReuseISN},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewSource(int64(10 + i)))
			exs := genExchanges(t, r, connNames(1), 6)
			var buf bytes.Buffer
			b := newPcap(&buf, 1400)
			old := b.connectISN(client, server, 1000, 5000)
			for _, e := range exs[:3] {
				old.send(true, e.reqFrame)
				old.send(false, e.respFrame)
			}
			tc.end(old)
			c := b.connectISN(client, server, tc.isn(old), 2000000)
			for _, e := range exs[3:] {
				c.send(true, e.reqFrame)
				c.send(false, e.respFrame)
			}
			c.closeFromClient()
			lines, summary := runDecodeOn(t, buf.Bytes())
			checkInOrder(t, lines, summary, exs, 2)
		})
	}
}

// linuxReuseISN is the ISN Linux gives a connection reusing a TIME_WAIT 4-tuple: the
// old connection's next sequence number plus 65535 + 2 (tcp_twsk_unique).
func linuxReuseISN(old *tcpConn) uint32 { return old.cseq + 65537 }

// TestDecodeRetransmittedSYN: a SYN and a SYN-ACK captured twice (retransmitted,
// same ISN), the SYN-ACK's copy after the first request, are one connection.
func TestDecodeRetransmittedSYN(t *testing.T) {
	client, server := endpoint{net.IPv4(10, 0, 0, 1), 40000}, endpoint{net.IPv4(10, 0, 1, 1), 9092}
	r := rand.New(rand.NewSource(20))
	exs := genExchanges(t, r, connNames(1), 4)
	var buf bytes.Buffer
	b := newPcap(&buf, 1400)
	b.packet(client, server, 1000, true, false, nil)
	c := b.connectISN(client, server, 1000, 5000)
	c.send(true, exs[0].reqFrame)
	b.packet(server, client, 5000, true, true, nil)
	c.send(false, exs[0].respFrame)
	for _, e := range exs[1:] {
		c.send(true, e.reqFrame)
		c.send(false, e.respFrame)
	}
	c.closeFromClient()
	lines, summary := runDecodeOn(t, buf.Bytes())
	checkInOrder(t, lines, summary, exs, 1)
}

// TestDecodeReusedFourTupleCapture: a capture taken with tcpdump on lo while kgo
// clients hammered a kfake broker, cut to one 4-tuple that two connections used in
// turn (the second's ISN 65537 past the first's FIN, the first's last ACK recorded
// after both FINs): both connections' ApiVersions, Metadata and
// GetTelemetrySubscriptions, each response after its request.
func TestDecodeReusedFourTupleCapture(t *testing.T) {
	data, err := os.ReadFile("testdata/reused-4tuple.pcap")
	if err != nil {
		t.Fatal(err)
	}
	lines, summary := runDecodeOn(t, data, "-port", "39556")
	want := []string{"ApiVersions", "ApiVersions", "Metadata", "Metadata", "GetTelemetrySubscriptions", "GetTelemetrySubscriptions"}
	if len(lines) != 2*len(want) {
		t.Fatalf("%d lines, want %d; %s", len(lines), 2*len(want), summary)
	}
	for i, l := range lines {
		conn, exchange := i/len(want), (i%len(want))/2
		dir := []string{"request", "response"}[i%2]
		if l.Dir != dir || l.API != want[2*exchange] || l.CorrelationID != int32(exchange) || l.Body == nil || len(l.Notes) > 0 || l.SkippedBytes > 0 {
			t.Errorf("line %d (connection %d): %s %s corr %d notes %v skipped %d; want the %s of %s corr %d",
				i, conn+1, l.Dir, l.API, l.CorrelationID, l.Notes, l.SkippedBytes, dir, want[2*exchange], exchange)
		}
	}
	for _, w := range []string{" 2 connections to port", "0 without their request", " 0 bytes skipped"} {
		if !strings.Contains(summary, w) {
			t.Errorf("summary does not say %q: %s", w, summary)
		}
	}
}
