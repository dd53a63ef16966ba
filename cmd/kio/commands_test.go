package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"strings"
	"testing"
)

// TestEncodeDecodeLine: a line as decode prints it, given to encode, gives back the
// frame it was decoded from (requests and responses; values without unknown tagged
// fields, which Kafka's form leaves out).
func TestEncodeDecodeLine(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	exs := genExchanges(t, r, connNames(1), 60)
	var raw bytes.Buffer
	for _, e := range exs {
		raw.Write(e.reqFrame)
		raw.Write(e.respFrame)
	}
	var out, errOut bytes.Buffer
	if err := runDecode([]string{"-records"}, &raw, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 16<<20)
	same, i := 0, 0
	for ; sc.Scan(); i++ {
		var frame bytes.Buffer
		if err := runEncode(nil, strings.NewReader(sc.Text()), &frame); err != nil {
			t.Fatalf("line %d: %v\n%s", i, err, sc.Text())
		}
		want := exs[i/2].reqFrame
		if i%2 == 1 {
			want = exs[i/2].respFrame
		}
		if bytes.Equal(frame.Bytes(), want) {
			same++
		}
	}
	// Values holding unknown tagged fields come back without them (the lossless form
	// keeps them only where -records is given, as here), so all must match.
	if i != 2*len(exs) || same != i {
		t.Fatalf("%d of %d lines encoded back to their frames", same, i)
	}
	// A body with -api and -version, written as a body alone.
	var body bytes.Buffer
	if err := runEncode([]string{"-api", "Metadata", "-version", "12", "-body", "-hex"}, strings.NewReader(`{"topics":null,"allowAutoTopicCreation":true,"includeTopicAuthorizedOperations":false}`), &body); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(body.String()); got != "00010000" {
		t.Errorf("Metadata v12 body with null topics: %s", got)
	}
	if err := runEncode([]string{"-api", "Metadata", "-version", "12"}, strings.NewReader(`{"topics":7}`), &body); err == nil {
		t.Error("a mistyped field was encoded")
	}
}

// TestResponseWithoutRequest: a response whose request was not seen is reported as
// such and decoded only at a version said by -assume or by the connection's one API.
func TestResponseWithoutRequest(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	exs := genExchanges(t, r, connNames(1), 40)
	var e, other exchange
	for _, x := range exs {
		if x.api.Name == "Metadata" && e.api == nil {
			e = x
		} else if x.api.Name != "Metadata" && other.api == nil {
			other = x
		}
	}
	if e.api == nil || other.api == nil {
		t.Fatal("no Metadata exchange generated")
	}
	lines, _ := runDecodeOn(t, e.respFrame)
	if len(lines) != 1 || lines[0].Body != nil || !strings.Contains(fmt.Sprint(lines[0].Notes), "request not captured") {
		t.Fatalf("got %+v", lines)
	}
	lines, _ = runDecodeOn(t, e.respFrame, "-assume", fmt.Sprintf("Metadata:%d", e.version))
	if len(lines) != 1 || !sameJSON(lines[0].Body, e.respBdy) || !strings.Contains(fmt.Sprint(lines[0].Notes), "assumed") {
		t.Fatalf("with -assume: %+v", lines)
	}
	// The connection's other request was Metadata too: its version is taken, and said.
	req2 := append([]byte(nil), e.reqFrame...)
	req2[8] ^= 0x40 // another correlation id
	in := append(append([]byte(nil), req2...), e.respFrame...)
	lines, _ = runDecodeOn(t, in)
	if len(lines) != 2 || !sameJSON(lines[1].Body, e.respBdy) || !strings.Contains(fmt.Sprint(lines[1].Notes), "the only API it used") {
		t.Fatalf("from the connection's API: %+v", lines)
	}
	if _, err := parseAssume("NoSuchAPI"); err == nil {
		t.Error("-assume NoSuchAPI accepted")
	}
}

// TestBadInput: input that is not frames is a typed error with its position.
func TestBadInput(t *testing.T) {
	var out, errOut bytes.Buffer
	err := runDecode(nil, bytes.NewReader([]byte{0x7f, 0xff, 0xff, 0xff, 1, 2}), &out, &errOut)
	var fe *FrameError
	if !errors.As(err, &fe) || fe.Offset != 0 {
		t.Errorf("a 2 GiB size prefix: %v", err)
	}
	err = runDecode(nil, bytes.NewReader([]byte("000000040\n")), &out, &errOut)
	if !errors.As(err, &fe) || !fe.Line || fe.Offset != 1 {
		t.Errorf("bad hex: %v", err)
	}
	pcapHeader := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0}
	packet := []byte{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f}
	err = runDecode(nil, bytes.NewReader(append(pcapHeader, packet...)), &out, &errOut)
	var ce *CaptureError
	if !errors.As(err, &ce) || ce.Packet != 1 {
		t.Errorf("a packet claiming 2 GiB: %v", err)
	}
}

// TestSeveralPorts: -port takes a cluster's ports; the others' traffic is counted apart.
func TestSeveralPorts(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	exs := genExchanges(t, r, []string{"a"}, 6)
	var buf bytes.Buffer
	b := newPcap(&buf, 1400)
	for i, port := range []uint16{9092, 9093} {
		c := b.connect(endpoint{net.IPv4(10, 0, 0, byte(i+1)), 40000}, endpoint{net.IPv4(10, 0, 1, 1), port})
		for _, e := range exs[i*3 : i*3+3] {
			c.send(true, e.reqFrame)
			c.send(false, e.respFrame)
		}
	}
	lines, summary := runDecodeOn(t, buf.Bytes(), "-port", "9092,9093")
	if len(lines) != 12 || !strings.Contains(summary, "0 packets of other traffic") {
		t.Errorf("-port 9092,9093: %d lines; %s", len(lines), summary)
	}
	lines, summary = runDecodeOn(t, buf.Bytes())
	if len(lines) != 6 || strings.Contains(summary, " 0 packets of other traffic") {
		t.Errorf("-port 9092: %d lines; %s", len(lines), summary)
	}
	var out, errOut bytes.Buffer
	if err := runDecode([]string{"-port", "9092,x"}, bytes.NewReader(buf.Bytes()), &out, &errOut); err == nil {
		t.Error("-port 9092,x accepted")
	}
}
