package records

import (
	"encoding/binary"
	"hash/crc32"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

// DefaultMaxSize is the default limit on a batch's claimed length and on its size
// after decompression: 100 MiB, Kafka's largest frame.
const DefaultMaxSize = 100 << 20

// ReadOption tunes decoding.
type ReadOption func(*readConfig)

type readConfig struct {
	maxSize int
	copy    bool
}

// WithMaxSize sets the largest batch, compressed or inflated, that decoding accepts
// before it stops with ErrTooLarge. n <= 0 means DefaultMaxSize.
func WithMaxSize(n int) ReadOption {
	return func(c *readConfig) {
		if n > 0 {
			c.maxSize = n
		}
	}
}

// WithCopy makes decoded keys, values and header values of uncompressed batches point
// into a private copy of the records (one allocation per batch) instead of the input,
// so the input buffer may be reused. Compressed batches always decode into a private
// buffer.
func WithCopy() ReadOption { return func(c *readConfig) { c.copy = true } }

func newReadConfig(opts []ReadOption) readConfig {
	if len(opts) == 0 {
		return readConfig{maxSize: DefaultMaxSize} // stays on the stack
	}
	c := &readConfig{maxSize: DefaultMaxSize}
	for _, o := range opts {
		o(c)
	}
	return *c
}

// Byte layout of a magic 2 batch header.
const (
	v2OffLength          = 8
	v2OffLeaderEpoch     = 12
	v2OffMagic           = 16
	v2OffCRC             = 17
	v2OffAttributes      = 21
	v2OffLastOffsetDelta = 23
	v2OffBaseTimestamp   = 27
	v2OffMaxTimestamp    = 35
	v2OffProducerID      = 43
	v2OffProducerEpoch   = 51
	v2OffBaseSequence    = 53
	v2OffRecordCount     = 57
	v2HeaderSize         = 61

	// logOverhead is the offset and length (size) prefix every batch and message has.
	logOverhead = 12
	// minRecordSize is the smallest encoded record: a one-byte length, attributes,
	// timestamp delta, offset delta, key length, value length and header count.
	minRecordSize = 7
	// minHeaderSize is the smallest encoded header: key length and value length.
	minHeaderSize = 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// DecodeBatch decodes the batch (or, for magic 0 and 1, the message) that starts data
// into b and returns its length in bytes. b.Records is reused when it has room. Data
// shorter than the batch claims is ErrTruncated; use a Scanner to walk a Fetch
// response's records, whose last batch may be cut short.
//
// Keys, values and header values alias data for uncompressed batches (see Record). On
// error the contents of b are unspecified (but hold no record aliasing data) and the
// error is a *BatchError.
func DecodeBatch(data []byte, b *Batch, opts ...ReadOption) (int, error) {
	cfg := newReadConfig(opts)
	n, partial, err := decodeOne(data, b, &cfg)
	if err != nil {
		return 0, decodeErrorAt(err, 0)
	}
	if partial {
		return 0, decodeErrorAt(truncatedErr(data), 0)
	}
	return n, nil
}

// truncatedErr describes data that ends before the batch it starts.
func truncatedErr(data []byte) *BatchError {
	e := &BatchError{BaseOffset: -1, Magic: -1, Err: ErrTruncated}
	if len(data) >= 8 {
		e.BaseOffset = int64(binary.BigEndian.Uint64(data))
	}
	if len(data) > v2OffMagic {
		e.Magic = int8(data[v2OffMagic])
	}
	if len(data) >= logOverhead {
		e.Detail = "batch claims " + itoa(int(int32(binary.BigEndian.Uint32(data[v2OffLength:])))) +
			" bytes after its length field, " + itoa(len(data)-logOverhead) + " present"
	} else {
		e.Detail = itoa(len(data)) + " bytes, too few for an offset and a length"
	}
	return e
}

// decodeOne decodes the batch at the start of data. partial reports data that ends
// before the batch does (with a plausible length), which a Fetch response may hold.
func decodeOne(data []byte, b *Batch, cfg *readConfig) (n int, partial bool, err error) {
	if len(data) < logOverhead {
		return 0, true, nil
	}
	base := int64(binary.BigEndian.Uint64(data))
	size := int32(binary.BigEndian.Uint32(data[v2OffLength:]))
	if size < legacyMinSize[0] {
		return 0, false, batchErr(base, -1, ErrMalformed, "length %d is below the smallest message", size)
	}
	if int64(size) > int64(cfg.maxSize) {
		return 0, false, batchErr(base, -1, ErrTooLarge, "length %d is above the limit %d", size, cfg.maxSize)
	}
	total := logOverhead + int(size)
	if len(data) < total {
		return 0, true, nil
	}
	data = data[:total]
	var be *BatchError
	switch magic := int8(data[v2OffMagic]); magic {
	case MagicV2:
		be = decodeV2(data, b, cfg)
	case MagicV0, MagicV1:
		be = decodeLegacy(data, b, cfg)
	default:
		be = batchErr(base, magic, ErrMagic, "magic %d", magic)
	}
	if be != nil {
		return 0, false, be
	}
	return total, false, nil
}

// decodeV2 decodes one complete magic 2 batch; data is exactly the batch.
func decodeV2(data []byte, b *Batch, cfg *readConfig) *BatchError {
	base := int64(binary.BigEndian.Uint64(data))
	if len(data) < v2HeaderSize {
		return batchErr(base, MagicV2, ErrMalformed, "length %d is below the batch header size", len(data)-logOverhead)
	}
	if want, got := binary.BigEndian.Uint32(data[v2OffCRC:]), crc32.Checksum(data[v2OffAttributes:], castagnoli); want != got {
		return batchErr(base, MagicV2, ErrCRC, "stored CRC-32C %08x, computed %08x", want, got)
	}
	attrs := binary.BigEndian.Uint16(data[v2OffAttributes:])
	codec := Compression(attrs & attrCompressionMask)
	if codec > CompressionZstd {
		return batchErr(base, MagicV2, ErrCompression, "unknown codec %d", codec)
	}
	count := int32(binary.BigEndian.Uint32(data[v2OffRecordCount:]))
	if count < 0 {
		return batchErr(base, MagicV2, ErrMalformed, "record count %d", count)
	}
	*b = Batch{
		BaseOffset:           base,
		PartitionLeaderEpoch: int32(binary.BigEndian.Uint32(data[v2OffLeaderEpoch:])),
		Magic:                MagicV2,
		Compression:          codec,
		Transactional:        attrs&attrTransactional != 0,
		Control:              attrs&attrControl != 0,
		DeleteHorizon:        attrs&attrDeleteHorizon != 0,
		LastOffsetDelta:      int32(binary.BigEndian.Uint32(data[v2OffLastOffsetDelta:])),
		BaseTimestamp:        int64(binary.BigEndian.Uint64(data[v2OffBaseTimestamp:])),
		MaxTimestamp:         int64(binary.BigEndian.Uint64(data[v2OffMaxTimestamp:])),
		ProducerID:           int64(binary.BigEndian.Uint64(data[v2OffProducerID:])),
		ProducerEpoch:        int16(binary.BigEndian.Uint16(data[v2OffProducerEpoch:])),
		BaseSequence:         int32(binary.BigEndian.Uint32(data[v2OffBaseSequence:])),
		Records:              b.Records[:0],
	}
	if attrs&attrLogAppendTime != 0 {
		b.TimestampType = LogAppendTime
	}

	body := data[v2HeaderSize:]
	owned := false
	if codec != CompressionNone {
		var err *BatchError
		body, err = decompress(body, codec, cfg.maxSize, false)
		if err != nil {
			err.BaseOffset, err.Magic = base, MagicV2
			return err
		}
		owned = true
	} else if cfg.copy {
		body = append([]byte(nil), body...)
		owned = true
	}
	// Checked before anything is sized by count: a count the bytes cannot hold is a lie.
	if int64(count) > int64(len(body)/minRecordSize) {
		return batchErr(base, MagicV2, ErrMalformed, "record count %d does not fit in %d bytes of records", count, len(body))
	}
	if be := parseRecords(body, int(count), owned, b); be != nil {
		// Drop what was decoded: header keys may still alias body.
		clear(b.Records)
		b.Records = b.Records[:0]
		be.BaseOffset, be.Magic = base, MagicV2
		return be
	}
	return nil
}

// parseRecords decodes exactly count records that must fill body, appending them to
// b.Records (whose length is 0). It returns what was wrong as an ErrMalformed
// *BatchError naming the record (the caller adds the batch's base offset and magic), or
// nil.
//
// Hand-written for speed rather than described with kafka tags and decoded by
// kio/serial: one []Record per batch, one []Header backing array per batch, all
// header keys in one string per batch, keys and values sliced from body. On 1,024
// records of 1 KiB (BenchmarkRecordsHandVsSerial) this takes about 19 µs against
// 57 µs for the same layout as tagged structs through serial.UnmarshalPrefix. owned
// says body belongs to the batch alone (decompressed or copied), so header keys may
// alias it too.
func parseRecords(body []byte, count int, owned bool, b *Batch) *BatchError {
	recs := b.Records[:0]
	if cap(recs) < count {
		recs = make([]Record, count)
	} else {
		recs = recs[:count]
	}
	b.Records = recs
	var (
		hdrs     []Header
		keyBytes int
		ok       bool
	)
	p := 0
	for i := range recs {
		var l int32
		l, p, ok = readVarint(body, p)
		if !ok {
			return malformedRecord(i, "bad length varint")
		}
		if l < 0 || int(l) > len(body)-p {
			return malformedRecord(i, "length "+itoa(int(l))+" with "+itoa(len(body)-p)+" bytes left")
		}
		end := p + int(l)
		rec := body[:end]
		r := &recs[i]
		if p >= end {
			return malformedRecord(i, "empty")
		}
		r.Attributes = int8(rec[p])
		p++
		var tsDelta int64
		if tsDelta, p, ok = readVarlong(rec, p); !ok {
			return malformedRecord(i, "bad timestamp delta")
		}
		r.Timestamp = b.BaseTimestamp + tsDelta
		var offDelta int32
		if offDelta, p, ok = readVarint(rec, p); !ok {
			return malformedRecord(i, "bad offset delta")
		}
		r.Offset = b.BaseOffset + int64(offDelta)
		if r.Key, p, ok = readVarbytes(rec, p); !ok {
			return malformedRecord(i, "bad key")
		}
		if r.Value, p, ok = readVarbytes(rec, p); !ok {
			return malformedRecord(i, "bad value")
		}
		var nh int32
		if nh, p, ok = readVarint(rec, p); !ok || nh < 0 || int(nh) > (end-p)/minHeaderSize {
			return malformedRecord(i, "bad header count")
		}
		r.Headers = nil
		if nh > 0 {
			if hdrs == nil {
				// Guess that later records carry as many headers as the first one that
				// has any, never more than the bytes left could hold.
				hdrs = make([]Header, 0, min((count-i)*int(nh), (len(body)-p)/minHeaderSize))
			}
			start := len(hdrs)
			for h := 0; h < int(nh); h++ {
				var kl int32
				if kl, p, ok = readVarint(rec, p); !ok || kl < 0 || int(kl) > end-p {
					return malformedRecord(i, "bad header key")
				}
				var key string
				if kl > 0 {
					// Temporarily aliases body; fixHeaders replaces it unless body is owned.
					key = unsafe.String(&rec[p], int(kl))
					p += int(kl)
				}
				keyBytes += int(kl)
				var v []byte
				if v, p, ok = readVarbytes(rec, p); !ok {
					return malformedRecord(i, "bad header value")
				}
				hdrs = append(hdrs, Header{Key: key, Value: v})
			}
			r.Headers = hdrs[start:len(hdrs):len(hdrs)]
		}
		if p != end {
			return malformedRecord(i, itoa(end-p)+" bytes left inside the record")
		}
	}
	if p != len(body) {
		return &BatchError{Err: ErrMalformed, Detail: itoa(len(body)-p) + " bytes after the last of " + itoa(count) + " records"}
	}
	if len(hdrs) > 0 {
		fixHeaders(recs, hdrs, keyBytes, owned)
	}
	return nil
}

// malformedRecord says what is wrong with record i of a batch.
func malformedRecord(i int, what string) *BatchError {
	return &BatchError{Err: ErrMalformed, Detail: "record " + itoa(i) + ": " + what}
}

// fixHeaders points every record's headers into the final hdrs array (append may have
// moved it) and makes header keys safe strings: when body is the caller's, all keys are
// copied into one new string; when it is owned, nothing can change the key bytes (every
// slice handed out is capacity-limited and none covers a key), so they stay as they are.
func fixHeaders(recs []Record, hdrs []Header, keyBytes int, owned bool) {
	pos := 0
	for i := range recs {
		if n := len(recs[i].Headers); n > 0 {
			recs[i].Headers = hdrs[pos : pos+n : pos+n]
			pos += n
		}
	}
	if owned || keyBytes == 0 {
		return
	}
	buf := make([]byte, 0, keyBytes)
	for i := range hdrs {
		buf = append(buf, hdrs[i].Key...)
	}
	all := unsafe.String(unsafe.SliceData(buf), len(buf))
	pos = 0
	for i := range hdrs {
		n := len(hdrs[i].Key)
		hdrs[i].Key = all[pos : pos+n]
		pos += n
	}
}

// readVarint and readVarlong read the record format's zig-zag varints at b[i:] (the rule
// itself is kio/internal/wire's) and return the index after them.
func readVarint(b []byte, i int) (int32, int, bool) {
	v, n := wire.Varint(b[i:])
	return v, i + n, n > 0
}

func readVarlong(b []byte, i int) (int64, int, bool) {
	v, n := wire.Varlong(b[i:])
	return v, i + n, n > 0
}

// readVarbytes reads a varint length (-1 is null) and that many bytes, capacity-limited.
func readVarbytes(b []byte, i int) ([]byte, int, bool) {
	l, i, ok := readVarint(b, i)
	if !ok || l < -1 || int(l) > len(b)-i {
		return nil, i, false
	}
	if l == -1 {
		return nil, i, true
	}
	j := i + int(l)
	return b[i:j:j], j, true
}

// itoa formats small diagnostics without pulling fmt into the hot path's error returns.
func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	for u > 0 {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}
