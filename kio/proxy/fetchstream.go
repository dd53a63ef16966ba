package proxy

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
)

// Fetch responses are relayed as they arrive, not read whole first: a consumer waits
// for each fetch, so a hop that holds a response of megabytes until its last byte
// delays every fetch by the time the response takes to cross it. The one thing that
// must be seen before a byte goes out is the frame's size prefix, and the one part a
// pass-through proxy may have to change, a Fetch response's NodeEndpoints (KIP-951,
// v16+), is its top-level tagged field, after all the records. So the relay walks the
// response as it streams (the fields before each partition's records, which it copies
// through without looking at them) and holds back only that tagged section, at most a
// few hundred bytes. When the section names endpoints, they are rewritten within the
// frame's announced size:
//
//   - the rewritten section is as long as the broker's (the proxy's host as long as
//     the broker's): written as it is;
//   - shorter by two bytes or more: an unknown tagged field of zeros fills the
//     difference (tag 127, or one above the highest tag), which clients skip as the
//     protocol says they must;
//   - otherwise NodeEndpoints is dropped, and the filler takes its place; the client
//     then finds the new leader through Metadata, which the proxy rewrites, as it does
//     with a broker older than KIP-951. Stats.EndpointsDropped counts these.
//
// Responses under 64 KiB, and all of them when a response filter asks for Fetch, are
// read whole and handled as any other.

// paddingTag is the tag of the filler: not a tag Fetch responses define, and one byte.
const paddingTag = 127

// WriteKafkaFrame writes the response to the client (kio/server's PendingStream): a
// Fetch response no filter asks for is relayed as it arrives (above); every other
// response is awaited whole, as by AwaitKafkaFrame.
func (pr *pending) WriteKafkaFrame(ctx context.Context, w io.Writer) error {
	c, s := pr.c, pr.s
	if pr.up == nil || s.raw || s.key != fetch.APIKey || s.version > fetchLayoutHi || c.p.Filters.wantsResponse(s.key) {
		f, err := pr.AwaitKafkaFrame(ctx)
		if err != nil {
			return err
		}
		_, err = w.Write(f)
		return err
	}
	wctx := pr.ctx
	if wctx == nil {
		wctx = ctx
	}
	rs, err := pr.up.WaitStream(wctx)
	if err != nil {
		pr.release()
		return c.connError("round trip", s.key, err)
	}
	err = c.relayFetch(s, rs, w)
	rs.Close() // a relay that stopped early leaves the rest for the connection to drop
	pr.release()
	if err != nil {
		return c.connError("response", s.key, err)
	}
	c.p.stats.responses.Add(1)
	return nil
}

// fetchLayoutHi is the newest Fetch response version whose layout fetchWalk and
// noEndpoints know; a newer one is read whole and decoded.
const fetchLayoutHi = 18

// relayFetch relays one Fetch response from rs to w.
func (c *conn) relayFetch(s *slot, rs *client.ResponseStream, w io.Writer) error {
	if int64(len(rs.Head)) == rs.Size { // it came whole: the path of every response
		out, err := c.response(s, rs.Head)
		if err != nil {
			return err
		}
		_, err = w.Write(out)
		return err
	}
	corr, err := frame.PeekCorrelationID(rs.Head)
	if err != nil {
		return err
	}
	if corr != s.corr {
		return fmt.Errorf("%w: got %d, want %d", ErrCorrelation, corr, s.corr)
	}
	c.p.stats.streamedResponses.Add(1)
	bp := relayBuffers.Get().(*[]byte)
	defer relayBuffers.Put(bp)
	t, err := streamFetch(s.version, rs.Head, rs, rs.Size, w, (*bp)[:0], c.p.mapEndpoint)
	if err != nil {
		return err
	}
	switch {
	case t.rewritten > 0:
		c.p.stats.decoded.Add(1)
		c.p.stats.rewritten.Add(int64(t.rewritten))
	case t.dropped > 0:
		c.p.stats.decoded.Add(1)
		c.p.stats.endpointsDropped.Add(int64(t.dropped))
	default:
		c.p.stats.relayed.Add(1)
	}
	return nil
}

// tailFit says what streamFetch did to a response's endpoints.
type tailFit struct{ rewritten, dropped int }

// streamFetch relays a Fetch response of size bytes at version, head its first bytes
// and r the rest, to w, using buf's room as its window; m maps the endpoints.
func streamFetch(version int16, head []byte, r io.Reader, size int64, w io.Writer, buf []byte, m Mapper) (tailFit, error) {
	fw := fetchWalk{r: r, w: w, buf: append(buf, head...), left: size - int64(len(head))}
	if !carriesEndpointsAt(fetch.APIKey, version) {
		fw.copyRest() // no endpoints before v16 (KIP-951): a plain copy
		return tailFit{}, fw.err
	}
	fw.walk()
	if fw.err != nil || fw.bad {
		return tailFit{}, fw.err
	}
	return fw.relayTail(version, m)
}

// relayBuffers recycles the relay's 64 KiB window.
var relayBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// fetchWalk walks a Fetch response (v16+) as it streams from r, writing to w what it
// has walked past; kbin's style: a flag set on the first field the frame cannot hold
// (bad: the rest is then copied as it is), an error on a failed read or write.
type fetchWalk struct {
	r    io.Reader
	w    io.Writer
	buf  []byte // read from r and not yet written: buf[:off] walked, buf[off:] not yet
	off  int
	left int64 // bytes of the frame still to read from r
	bad  bool
	err  error
}

// need makes sure n bytes past off are in buf, reading more of the frame.
func (f *fetchWalk) need(n int) bool {
	if f.bad || f.err != nil {
		return false
	}
	have := len(f.buf) - f.off
	if have >= n {
		return true
	}
	if int64(n-have) > f.left || n > cap(f.buf) {
		f.bad = true
		return false
	}
	if len(f.buf)+n-have > cap(f.buf) { // make room: write what was walked
		if !f.flush() {
			return false
		}
	}
	k, err := io.ReadAtLeast(f.r, f.buf[len(f.buf):len(f.buf)+int(min(f.left, int64(cap(f.buf)-len(f.buf))))], n-have)
	f.buf = f.buf[:len(f.buf)+k]
	f.left -= int64(k)
	if err != nil {
		f.err = err
		return false
	}
	return true
}

// flush writes what was walked and keeps the rest at the front of buf.
func (f *fetchWalk) flush() bool {
	if f.off > 0 {
		if _, err := f.w.Write(f.buf[:f.off]); err != nil {
			f.err = err
			return false
		}
		f.buf = f.buf[:copy(f.buf, f.buf[f.off:])]
		f.off = 0
	}
	return true
}

func (f *fetchWalk) uvarint() uint64 {
	var v uint64
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if !f.need(1) {
			return 0
		}
		b := f.buf[f.off]
		f.off++
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return v
		}
	}
	f.bad = true
	return 0
}

// skip walks past n bytes: those buffered, then the rest copied from r to w through
// buf, so a partition's records cross the proxy a window at a time.
func (f *fetchWalk) skip(n uint64) {
	if f.bad || f.err != nil {
		return
	}
	if have := uint64(len(f.buf) - f.off); n <= have {
		f.off += int(n)
		return
	}
	if n-uint64(len(f.buf)-f.off) > uint64(f.left) {
		f.bad = true
		return
	}
	n -= uint64(len(f.buf) - f.off)
	f.off = len(f.buf)
	if !f.flush() {
		return
	}
	f.copyN(int64(n))
}

// copyN copies n bytes from r to w: by r's own CopyN when it has one (kio/client's
// ResponseStream, which hands the copy to the client connection's writer: a splice(2)
// from socket to socket on Linux, the records never in user space), else through buf,
// which flush has emptied.
func (f *fetchWalk) copyN(n int64) {
	if cn, ok := f.r.(interface {
		CopyN(io.Writer, int64) (int64, error)
	}); ok && n > 0 {
		k, err := cn.CopyN(f.w, n)
		f.left -= k
		if err == nil && k < n {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			f.err = err
		}
		return
	}
	for n > 0 && f.err == nil {
		k, err := f.r.Read(f.buf[:min(n, int64(cap(f.buf)))])
		f.left -= int64(k)
		n -= int64(k)
		if k > 0 {
			if _, werr := f.w.Write(f.buf[:k]); werr != nil {
				err = werr
			}
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			f.err = err
		}
	}
}

// copyRest writes what is buffered and copies the rest of the frame.
func (f *fetchWalk) copyRest() {
	f.off = len(f.buf)
	if f.flush() {
		f.copyN(f.left)
	}
}

// count reads a compact array's length; a null is refused unless nullable. A count
// the rest of the frame cannot hold (an element takes a byte at least) is bad.
func (f *fetchWalk) count(nullable bool) uint64 {
	n := f.uvarint()
	if n == 0 {
		f.bad = f.bad || !nullable
		return 0
	}
	if n-1 > uint64(f.left)+uint64(len(f.buf)-f.off) {
		f.bad = true
		return 0
	}
	return n - 1
}

// tags walks past a tagged-field section.
func (f *fetchWalk) tags() {
	for n := f.uvarint(); n > 0 && !f.bad && f.err == nil; n-- {
		f.uvarint() // tag
		f.skip(f.uvarint())
	}
}

// walk walks the response up to its top-level tagged fields (the layout of v16-18;
// noEndpoints skims the same fields of a response held whole), writing all before them.
func (f *fetchWalk) walk() {
	f.skip(8)         // size, correlation id
	f.tags()          // the response header's tagged fields
	f.skip(4 + 2 + 4) // ThrottleTimeMs, ErrorCode, SessionId
	for t := f.count(false); t > 0 && !f.bad && f.err == nil; t-- {
		f.skip(16) // TopicId
		for p := f.count(false); p > 0 && !f.bad && f.err == nil; p-- {
			f.skip(4 + 2 + 8 + 8 + 8) // PartitionIndex, ErrorCode, HighWatermark, LastStableOffset, LogStartOffset
			for a := f.count(true); a > 0 && !f.bad && f.err == nil; a-- {
				f.skip(8 + 8) // ProducerId, FirstOffset
				f.tags()
			}
			f.skip(4) // PreferredReadReplica
			if n := f.uvarint(); n > 1 {
				f.skip(n - 1) // Records, copied through
			}
			f.tags()
		}
		f.tags()
	}
	switch {
	case f.err != nil:
	case f.bad: // a frame that does not walk is relayed as it is: the client judges it
		f.copyRest()
	default:
		f.flush() // all before the tagged fields
	}
}

// relayTail reads the rest of the frame (the top-level tagged fields), rewrites the
// endpoints in it within its length, and writes it.
func (f *fetchWalk) relayTail(version int16, m Mapper) (tailFit, error) {
	tail := bytes.NewBuffer(f.buf[f.off:len(f.buf):len(f.buf)]) // grows with the bytes that come
	if _, err := io.CopyN(tail, f.r, f.left); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return tailFit{}, err
	}
	out, t, err := fitTail(version, tail.Bytes(), m)
	if err != nil {
		return tailFit{}, err
	}
	_, err = f.w.Write(out)
	return t, err
}

// fetchSkeleton is a Fetch response (v16+) without topics, in front of which a tail's
// tagged fields decode as a whole response: header tagged fields, ThrottleTimeMs,
// ErrorCode, SessionId, an empty Responses.
var fetchSkeleton = []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}

// fitTail returns the top-level tagged section tail with its endpoints rewritten and
// of tail's length (above), with the number of endpoints rewritten or dropped.
func fitTail(version int16, tail []byte, m Mapper) (out []byte, t tailFit, err error) {
	rest, hasTag0, ok := withoutTag0(tail)
	if !ok || !hasTag0 {
		// No tag 0 anywhere (Kafka writes tags in order, but kio and Kafka read them in
		// any order): no endpoints. A section that does not parse: the client judges it.
		return tail, tailFit{}, nil
	}
	whole := make([]byte, 8, 8+len(fetchSkeleton)+len(tail))
	whole = append(append(whole, fetchSkeleton...), tail...)
	binary.BigEndian.PutUint32(whole, uint32(len(whole)-4))
	resp, _, err := framer.ParseResponseVersion(whole, fetch.APIKey, version)
	if err != nil {
		return nil, tailFit{}, fmt.Errorf("%w: its tagged fields: %w", ErrUpstreamResponse, err)
	}
	n, err := RewriteEndpoints(resp.Body, m)
	if err != nil {
		return nil, tailFit{}, err
	}
	enc, err := framer.AppendResponse(nil, fetch.APIKey, version, resp)
	if err != nil {
		return nil, tailFit{}, err
	}
	if !bytes.Equal(enc[8:8+len(fetchSkeleton)], fetchSkeleton) {
		return nil, tailFit{}, fmt.Errorf("%w: its tagged fields re-encode with a different skeleton", ErrUpstreamResponse)
	}
	if fitted, ok := padTags(enc[8+len(fetchSkeleton):], len(tail)); ok {
		return fitted, tailFit{rewritten: n}, nil
	}
	// Too long to fit: without NodeEndpoints (every tag 0), and filled.
	fitted, ok := padTags(rest, len(tail))
	if !ok {
		return nil, tailFit{}, fmt.Errorf("%w: no room in its tagged fields for a filler", ErrUpstreamResponse)
	}
	return fitted, tailFit{dropped: len(resp.Body.(*fetch.FetchResponse).NodeEndpoints)}, nil
}

// withoutTag0 returns the tagged section sec without its tag 0 fields (NodeEndpoints,
// wherever and however often it appears), whether it had one, and false if sec does
// not parse as a tagged section.
func withoutTag0(sec []byte) (rest []byte, hadTag0, ok bool) {
	sk := skimmer{b: sec}
	n := sk.uvarint()
	if sk.bad || n > uint64(len(sk.b)) {
		return nil, false, false
	}
	var kept [][]byte
	for i := uint64(0); i < n; i++ {
		field := sk.b
		tag := sk.uvarint()
		sk.skip(sk.uvarint())
		if sk.bad {
			return nil, false, false
		}
		if tag == 0 {
			hadTag0 = true
			continue
		}
		kept = append(kept, field[:len(field)-len(sk.b)])
	}
	if len(sk.b) != 0 {
		return nil, false, false
	}
	if !hadTag0 {
		return sec, false, true
	}
	rest = binary.AppendUvarint(make([]byte, 0, len(sec)), uint64(len(kept)))
	for _, f := range kept {
		rest = append(rest, f...)
	}
	return rest, true, true
}

// padTags returns the tagged section sec made exactly size bytes long by a filler
// field (paddingTag, or one above the highest tag): false if sec is longer, or shorter by
// less than the smallest filler (its tag, its length, no data: two bytes).
func padTags(sec []byte, size int) ([]byte, bool) {
	if len(sec) == size {
		return sec, true
	}
	sk := skimmer{b: sec}
	n := sk.uvarint()
	entries := sk.b
	var top uint64 // the highest tag: a section read may hold them in any order
	for i := uint64(0); i < n && !sk.bad; i++ {
		top = max(top, sk.uvarint())
		sk.skip(sk.uvarint())
	}
	if sk.bad || len(sk.b) != 0 || top >= 1<<31 {
		return nil, false
	}
	tag := max(uint64(paddingTag), top+1)
	head := binary.AppendUvarint(nil, n+1)
	head = append(head, entries...)
	head = binary.AppendUvarint(head, tag)
	for lenSize := 1; lenSize <= 3; lenSize++ {
		data := size - len(head) - lenSize
		if data < 0 {
			return nil, false
		}
		if l := binary.AppendUvarint(nil, uint64(data)); len(l) == lenSize {
			out := append(append(head, l...), make([]byte, data)...)
			return out, true
		}
	}
	return nil, false
}
