package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kio-go/kafka-protocol/kio/kafkajson"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/schema/responseheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// This file turns Kafka frames into JSON lines: a connection's two directions
// (halves), resynchronised at the first plausible frame where the capture starts
// mid-stream or loses bytes, responses paired with their requests by correlation id.

const (
	// maxFrame is the largest frame taken once a direction is in step (Kafka's
	// socket.request.max.bytes); maxResyncFrame the largest believed while looking for
	// a frame boundary, so a false candidate holds little memory.
	maxFrame       = 100 << 20
	maxResyncFrame = 16 << 20
	// maxInFlight bounds the requests remembered per connection.
	maxInFlight = 4096
	// maxWaiting bounds the candidates resync keeps waiting for their bytes.
	maxWaiting = 64
)

// printer writes one JSON line per frame and counts what it saw.
type printer struct {
	out     *bufio.Writer
	stderr  io.Writer
	pretty  bool
	body    kafkajson.Options
	filter  map[string]bool // API names, lower-case; nil: all
	assume  *assumption
	lineBuf []byte
	// counts
	frames, requests, responses, failed, unpaired int
	skippedBytes                                  int64
}

// assumption is -assume: the API (and version) of responses whose request was not
// captured.
type assumption struct {
	key     int16
	version int16 // -1: the connection's latest version of the key
}

func parseAssume(s string) (*assumption, error) {
	if s == "" {
		return nil, nil
	}
	name, ver, hasVer := strings.Cut(s, ":")
	api, ok := lookupAPI(name)
	if !ok {
		return nil, fmt.Errorf("-assume %q: no such API", s)
	}
	a := &assumption{key: api.Key, version: -1}
	if hasVer {
		v, err := strconv.ParseInt(ver, 10, 16)
		if err != nil || !api.Versions.Contains(int16(v)) {
			return nil, fmt.Errorf("-assume %q: %s has versions %v", s, api.Name, api.Versions)
		}
		a.version = int16(v)
	}
	return a, nil
}

// lookupAPI finds an API by name (any case) or key.
func lookupAPI(name string) (*schema.API, bool) {
	if k, err := strconv.Atoi(name); err == nil {
		return schema.Lookup(int16(k))
	}
	for _, a := range schema.APIs() {
		if strings.EqualFold(a.Name, name) {
			return a, true
		}
	}
	return nil, false
}

// conn is one TCP connection (or one raw stream) and what its requests left to pair.
type conn struct {
	name     string
	inflight map[int32]pending
	latest   map[int16]int16 // API key -> version of its latest request
	lastKey  int16
}

type pending struct {
	key, version int16
	at           time.Time
}

func newConn(name string) *conn {
	return &conn{name: name, inflight: map[int32]pending{}, latest: map[int16]int16{}, lastKey: -1}
}

// half is one direction of a connection.
type half struct {
	c       *conn
	request bool
	buf     []byte
	synced  bool
	at      time.Time // when the first buffered byte was seen
	skipped int64     // bytes dropped since the last frame while looking for one
	// While out of step: the next offset resync looks at, and candidates waiting for
	// their bytes (offsets into buf).
	scan    int
	waiting []int
}

// feed takes the next bytes of the direction, seen at time at.
func (h *half) feed(p *printer, data []byte, at time.Time) {
	if len(h.buf) == 0 {
		h.at = at
	}
	h.buf = append(h.buf, data...)
	for {
		if !h.synced && !h.resync(p) {
			return
		}
		if len(h.buf) < 4 {
			return
		}
		size := int32(binary.BigEndian.Uint32(h.buf))
		if size < 0 || size > maxFrame {
			h.synced, h.scan, h.waiting = false, 0, h.waiting[:0]
			h.drop(1)
			continue
		}
		if len(h.buf) < 4+int(size) {
			return
		}
		frame := h.buf[:4+size]
		p.frame(h, frame, h.at)
		h.skipped = 0
		h.drop(len(frame))
		h.at = at
	}
}

// gap says bytes of the direction were lost (a capture's missing segments): what is
// buffered cannot be trusted to start a frame any more.
func (h *half) gap(n int) {
	h.skipped += int64(len(h.buf)) + int64(max(n, 0))
	h.buf = h.buf[:0]
	h.synced, h.scan, h.waiting = false, 0, h.waiting[:0]
}

// drop removes n bytes from the front of the buffer, reusing its memory.
func (h *half) drop(n int) {
	if !h.synced {
		h.skipped += int64(n)
	}
	rest := copy(h.buf, h.buf[n:])
	h.buf = h.buf[:rest]
	if cap(h.buf) > 1<<20 && len(h.buf) < 1<<16 {
		h.buf = append([]byte(nil), h.buf...) // give a large frame's buffer back
	}
}

// resync looks for the first plausible frame in the buffer and drops what comes
// before it; it reports whether the buffer now starts with a frame. A candidate whose
// bytes have not all come yet does not stop the search: a later frame that decodes
// whole wins, so a false candidate inside another frame's bytes cannot stall it. Each
// offset is looked at once; only waiting candidates (at most maxWaiting) are looked
// at again as their bytes come.
func (h *half) resync(p *printer) bool {
	try := func(i int) (found, wait bool) {
		size := int(int32(binary.BigEndian.Uint32(h.buf[i:])))
		if size < 8 || size > maxResyncFrame || !h.plausibleHeader(h.buf[i+4:]) {
			return false, false
		}
		if i+4+size > len(h.buf) {
			return false, true
		}
		return h.decodes(h.buf[i:i+4+size]) && h.nextPlausible(h.buf[i+4+size:]), false
	}
	accept := func(i int) bool {
		h.drop(i)
		h.synced, h.scan, h.waiting = true, 0, h.waiting[:0]
		return true
	}
	still := h.waiting[:0]
	for _, i := range h.waiting {
		found, wait := try(i)
		if found {
			return accept(i)
		}
		if wait {
			still = append(still, i)
		}
	}
	h.waiting = still
	for ; h.scan+4 <= len(h.buf); h.scan++ {
		found, wait := try(h.scan)
		if found {
			return accept(h.scan)
		}
		if wait && len(h.waiting) < maxWaiting {
			h.waiting = append(h.waiting, h.scan)
		}
	}
	// Drop what can no longer start a frame: everything before the first waiting
	// candidate, or all but the last 3 bytes.
	cut := h.scan
	if len(h.waiting) > 0 {
		cut = h.waiting[0]
	}
	if cut > 0 {
		h.drop(cut)
		h.scan -= cut
		for k := range h.waiting {
			h.waiting[k] -= cut
		}
	}
	return false
}

// nextPlausible checks the start of what follows a candidate frame, where there is
// enough of it: a frame decoding by chance inside another's bytes is rarely followed
// by a plausible frame header too.
func (h *half) nextPlausible(rest []byte) bool {
	if len(rest) < 8 {
		return true
	}
	size := int(int32(binary.BigEndian.Uint32(rest)))
	if size < 4 || size > maxFrame {
		return false
	}
	return !h.request || knownVersion(int16(binary.BigEndian.Uint16(rest[4:])), int16(binary.BigEndian.Uint16(rest[6:])))
}

// plausibleHeader checks what the first bytes of a payload can say: a request's API
// key and version, a response's correlation id among the requests in flight.
func (h *half) plausibleHeader(b []byte) bool {
	if h.request {
		if len(b) < 8 {
			return len(b) >= 4 && knownVersion(int16(binary.BigEndian.Uint16(b)), int16(binary.BigEndian.Uint16(b[2:])))
		}
		return knownVersion(int16(binary.BigEndian.Uint16(b)), int16(binary.BigEndian.Uint16(b[2:])))
	}
	if len(b) < 4 {
		return false
	}
	_, ok := h.c.inflight[int32(binary.BigEndian.Uint32(b))]
	return ok
}

func knownVersion(key, version int16) bool {
	api, ok := schema.Lookup(key)
	return ok && api.Versions.Contains(version)
}

// decodes reports whether frame decodes whole as the direction's kind of frame.
func (h *half) decodes(frame []byte) bool {
	payload := frame[4:]
	if h.request {
		_, _, _, err := decodeRequest(payload)
		return err == nil
	}
	pend := h.c.inflight[int32(binary.BigEndian.Uint32(payload))]
	_, _, _, err := decodeResponse(payload, pend.key, pend.version)
	return err == nil
}

// decodeRequest decodes a request payload (header and body).
func decodeRequest(payload []byte) (*schema.API, *requestheader.RequestHeader, any, error) {
	if len(payload) < 4 {
		return nil, nil, nil, errors.New("request shorter than its API key and version")
	}
	key, version := int16(binary.BigEndian.Uint16(payload)), int16(binary.BigEndian.Uint16(payload[2:]))
	api, ok := schema.Lookup(key)
	if !ok {
		return nil, nil, nil, fmt.Errorf("unknown API key %d", key)
	}
	if !api.Versions.Contains(version) {
		return api, nil, nil, fmt.Errorf("%s v%d: kio knows versions %v", api.Name, version, api.Versions)
	}
	var hdr requestheader.RequestHeader
	n, err := serial.UnmarshalPrefix(payload, &hdr, api.RequestHeaderVersion(version))
	if err != nil {
		return api, nil, nil, err
	}
	body := api.NewRequestBody()
	if m, err := serial.UnmarshalPrefix(payload[n:], body, version); err != nil {
		return api, &hdr, nil, err
	} else if n+m != len(payload) {
		return api, &hdr, body, fmt.Errorf("%d bytes after the body", len(payload)-n-m)
	}
	return api, &hdr, body, nil
}

// decodeResponse decodes a response payload answering key at version. ApiVersions
// answers that do not decode at the version are read at version 0, as Kafka's
// clients do (KIP-511).
func decodeResponse(payload []byte, key, version int16) (*schema.API, int16, any, error) {
	api, ok := schema.Lookup(key)
	if !ok || !api.Versions.Contains(version) {
		return nil, version, nil, fmt.Errorf("no API %d v%d", key, version)
	}
	var hdr responseheader.ResponseHeader
	n, err := serial.UnmarshalPrefix(payload, &hdr, api.ResponseHeaderVersion(version))
	if err != nil {
		return api, version, nil, err
	}
	body := api.NewResponseBody()
	err = serial.Unmarshal(payload[n:], body, version)
	if err != nil && key == 18 && version != 0 {
		body = api.NewResponseBody()
		if serial.Unmarshal(payload[n:], body, 0) == nil {
			return api, 0, body, nil
		}
	}
	if err != nil {
		return api, version, nil, err
	}
	return api, version, body, nil
}

// line is what one JSON line says.
type line struct {
	conn, dir     string
	at            time.Time
	api           *schema.API
	version       int16
	correlationID int32
	clientID      *string
	hasClientID   bool
	size          int
	body          any
	notes         []string
	err           error
	skipped       int64
	latency       time.Duration
}

// frame decodes and prints one whole frame of half h.
func (p *printer) frame(h *half, frame []byte, at time.Time) {
	p.frames++
	payload := frame[4:]
	ln := line{conn: h.c.name, at: at, size: len(frame), skipped: h.skipped}
	p.skippedBytes += h.skipped
	if h.request {
		p.requests++
		ln.dir = "request"
		api, hdr, body, err := decodeRequest(payload)
		ln.api, ln.body, ln.err = api, body, err
		if hdr != nil {
			ln.version, ln.correlationID = hdr.RequestApiVersion, hdr.CorrelationId
			ln.clientID, ln.hasClientID = hdr.ClientId, true
			h.c.latest[api.Key] = hdr.RequestApiVersion
			h.c.lastKey = api.Key
			if pr, ok := body.(*produce.ProduceRequest); !ok || pr.Acks != 0 {
				if len(h.c.inflight) < maxInFlight {
					h.c.inflight[hdr.CorrelationId] = pending{api.Key, hdr.RequestApiVersion, at}
				}
			}
		} else if len(payload) >= 8 {
			ln.version, ln.correlationID = int16(binary.BigEndian.Uint16(payload[2:])), int32(binary.BigEndian.Uint32(payload[4:]))
		}
		if ln.err != nil {
			p.failed++
		}
		p.print(&ln)
		return
	}
	p.responses++
	ln.dir = "response"
	if len(payload) < 4 {
		ln.err = errors.New("response shorter than its correlation id")
		p.failed++
		p.print(&ln)
		return
	}
	ln.correlationID = int32(binary.BigEndian.Uint32(payload))
	pend, ok := h.c.inflight[ln.correlationID]
	if ok {
		delete(h.c.inflight, ln.correlationID)
		if !pend.at.IsZero() && !at.IsZero() {
			ln.latency = at.Sub(pend.at)
		}
	} else {
		p.unpaired++
		ln.notes = append(ln.notes, "request not captured")
		switch {
		case p.assume != nil:
			pend.key, pend.version = p.assume.key, p.assume.version
			if pend.version < 0 {
				pend.version = h.c.latest[pend.key]
			}
			ln.notes = append(ln.notes, "API and version assumed (-assume)")
		case h.c.lastKey >= 0 && len(h.c.latest) == 1:
			pend.key, pend.version = h.c.lastKey, h.c.latest[h.c.lastKey]
			ln.notes = append(ln.notes, "API and version assumed from the connection's other requests (the only API it used)")
		default:
			ln.notes = append(ln.notes, "not decoded: the API is unknown (use -assume API:VERSION)")
			p.print(&ln)
			return
		}
	}
	api, version, body, err := decodeResponse(payload, pend.key, pend.version)
	ln.api, ln.version, ln.body, ln.err = api, version, body, err
	if version != pend.version {
		ln.notes = append(ln.notes, fmt.Sprintf("read at version %d (KIP-511)", version))
	}
	if err != nil {
		p.failed++
	}
	p.print(&ln)
}

// print writes ln as one JSON line, unless the filter leaves its API out.
func (p *printer) print(ln *line) {
	if p.filter != nil && (ln.api == nil || !p.filter[strings.ToLower(ln.api.Name)]) {
		return
	}
	b := p.lineBuf[:0]
	b = append(b, `{"conn":`...)
	b = strconv.AppendQuote(b, ln.conn)
	b = append(b, `,"dir":"`...)
	b = append(b, ln.dir...)
	b = append(b, '"')
	if !ln.at.IsZero() {
		b = append(b, `,"time":"`...)
		b = ln.at.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z07:00")
		b = append(b, '"')
	}
	if ln.api != nil {
		b = append(b, `,"api":"`...)
		b = append(b, ln.api.Name...)
		b = append(b, `","key":`...)
		b = strconv.AppendInt(b, int64(ln.api.Key), 10)
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, int64(ln.version), 10)
	}
	b = append(b, `,"correlationId":`...)
	b = strconv.AppendInt(b, int64(ln.correlationID), 10)
	if ln.hasClientID {
		b = append(b, `,"clientId":`...)
		if ln.clientID == nil {
			b = append(b, "null"...)
		} else {
			b = appendJSONString(b, *ln.clientID)
		}
	}
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(ln.size), 10)
	if ln.latency > 0 {
		b = append(b, `,"latencyUs":`...)
		b = strconv.AppendInt(b, ln.latency.Microseconds(), 10)
	}
	if ln.skipped > 0 {
		b = append(b, `,"skippedBytes":`...)
		b = strconv.AppendInt(b, ln.skipped, 10)
	}
	for i, n := range ln.notes {
		if i == 0 {
			b = append(b, `,"notes":[`...)
		} else {
			b = append(b, ',')
		}
		b = appendJSONString(b, n)
		if i == len(ln.notes)-1 {
			b = append(b, ']')
		}
	}
	if ln.err != nil {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, ln.err.Error())
	}
	if ln.body != nil && ln.err == nil {
		b = append(b, `,"body":`...)
		var err error
		mark := len(b)
		if b, err = p.body.Append(b, ln.body, ln.version); err != nil {
			b = append(b[:mark], `null,"error":`...)
			b = appendJSONString(b, err.Error())
		}
	}
	b = append(b, '}')
	if p.pretty {
		var ind bytes.Buffer
		if json.Indent(&ind, b, "", "  ") == nil {
			b = append(b[:0], ind.Bytes()...)
		}
	}
	b = append(b, '\n')
	p.out.Write(b)
	p.lineBuf = b
}

func (p *printer) errOut() io.Writer { return p.stderr }

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}
