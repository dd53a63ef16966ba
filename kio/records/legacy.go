package records

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
)

// Legacy message sets (magic 0 and 1). A message is
//
//	offset int64, message size int32, CRC-32 (IEEE) of the rest uint32, magic int8,
//	attributes int8, timestamp int64 (magic 1 only), key bytes, value bytes
//
// where bytes are an int32 length (-1 for null) and the data. A compressed message (a
// "wrapper") holds in its value a compressed message set of uncompressed messages. In
// magic 1 the inner offsets count from 0 and the wrapper carries the absolute offset of
// the last inner message; in magic 0 inner offsets are absolute.

// legacyMinSize is the smallest message size field for magic 0 and 1: CRC, magic,
// attributes, (timestamp,) key length and value length.
var legacyMinSize = [2]int32{14, 22}

const (
	legacyOffCRC        = 12
	legacyOffMagic      = 16
	legacyOffAttributes = 17
	legacyOffTimestamp  = 18
	// legacyLogAppendTime is attributes bit 3 in magic 1.
	legacyLogAppendTime = 0x08
)

type legacyMessage struct {
	offset     int64
	attributes int8
	timestamp  int64
	key, value []byte
}

// parseLegacyMessage checks and splits one complete message (offset and size
// included); m is exactly the message. It returns the sentinel and detail on failure.
func parseLegacyMessage(m []byte) (msg legacyMessage, detail string, sentinel error) {
	msg = legacyMessage{offset: int64(binary.BigEndian.Uint64(m)), timestamp: -1}
	magic := int8(m[legacyOffMagic])
	if int32(len(m)-logOverhead) < legacyMinSize[magic] {
		return msg, "message size " + itoa(len(m)-logOverhead) + " is below the smallest magic " + itoa(int(magic)) + " message", ErrMalformed
	}
	if want, got := binary.BigEndian.Uint32(m[legacyOffCRC:]), crc32.ChecksumIEEE(m[legacyOffMagic:]); want != got {
		return msg, fmt.Sprintf("stored CRC-32 %08x, computed %08x", want, got), ErrCRC
	}
	msg.attributes = int8(m[legacyOffAttributes])
	p := legacyOffTimestamp
	if magic == MagicV1 {
		msg.timestamp = int64(binary.BigEndian.Uint64(m[p:]))
		p += 8
	}
	var ok bool
	if msg.key, p, ok = readLegacyBytes(m, p); !ok {
		return msg, "bad key length", ErrMalformed
	}
	if msg.value, p, ok = readLegacyBytes(m, p); !ok {
		return msg, "bad value length", ErrMalformed
	}
	if p != len(m) {
		return msg, itoa(len(m)-p) + " bytes after the value", ErrMalformed
	}
	return msg, "", nil
}

// readLegacyBytes reads an int32 length (-1 is null) and that many bytes, capacity-limited.
func readLegacyBytes(m []byte, p int) ([]byte, int, bool) {
	if len(m)-p < 4 {
		return nil, p, false
	}
	l := int32(binary.BigEndian.Uint32(m[p:]))
	p += 4
	if l == -1 {
		return nil, p, true
	}
	if l < 0 || int(l) > len(m)-p {
		return nil, p, false
	}
	end := p + int(l)
	return m[p:end:end], end, true
}

// decodeLegacy decodes one complete message; an uncompressed one becomes a batch of one
// record, a wrapper a batch of its inner messages.
func decodeLegacy(data []byte, b *Batch, cfg *readConfig) *BatchError {
	base := int64(binary.BigEndian.Uint64(data))
	magic := int8(data[legacyOffMagic])
	msg, detail, sentinel := parseLegacyMessage(data)
	if sentinel != nil {
		return batchErr(base, magic, sentinel, "%s", detail)
	}
	codec := Compression(msg.attributes & attrCompressionMask)
	*b = Batch{
		BaseOffset:           base,
		PartitionLeaderEpoch: -1,
		Magic:                magic,
		Compression:          codec,
		BaseTimestamp:        msg.timestamp,
		MaxTimestamp:         msg.timestamp,
		ProducerID:           -1,
		ProducerEpoch:        -1,
		BaseSequence:         -1,
		Records:              b.Records[:0],
	}
	if magic == MagicV1 && msg.attributes&legacyLogAppendTime != 0 {
		b.TimestampType = LogAppendTime
	}
	if codec == CompressionNone {
		if cfg.copy {
			msg.key, msg.value = copyKeyValue(msg.key, msg.value)
		}
		b.Records = append(b.Records, Record{
			Offset: base, Timestamp: msg.timestamp, Key: msg.key, Value: msg.value, Attributes: msg.attributes,
		})
		return nil
	}
	if msg.value == nil {
		return batchErr(base, magic, ErrMalformed, "compressed message with a null value")
	}
	inner, be := decompress(msg.value, codec, cfg.maxSize, magic == MagicV0)
	if be != nil {
		be.BaseOffset, be.Magic = base, magic
		return be
	}
	recs := b.Records[:0]
	// Sized by what the bytes can hold, never by a claimed count.
	if want := len(inner) / (logOverhead + int(legacyMinSize[magic])); cap(recs) < want {
		recs = make([]Record, 0, want)
	}
	for p := 0; p < len(inner); {
		rest := inner[p:]
		if len(rest) < logOverhead+int(legacyMinSize[0]) {
			return batchErr(base, magic, ErrMalformed, "inner message set ends inside a message at byte %d", p)
		}
		size := int32(binary.BigEndian.Uint32(rest[v2OffLength:]))
		if size < legacyMinSize[0] || int64(size) > int64(len(rest)-logOverhead) {
			return batchErr(base, magic, ErrMalformed, "inner message at byte %d claims %d bytes", p, size)
		}
		m := rest[:logOverhead+int(size)]
		if im := int8(m[legacyOffMagic]); im != magic {
			return batchErr(base, magic, ErrMalformed, "inner message at byte %d has magic %d", p, im)
		}
		in, detail, sentinel := parseLegacyMessage(m)
		if sentinel != nil {
			return batchErr(base, magic, sentinel, "inner message at byte %d: %s", p, detail)
		}
		if in.attributes&attrCompressionMask != 0 {
			return batchErr(base, magic, ErrMalformed, "inner message at byte %d is compressed again", p)
		}
		recs = append(recs, Record{
			Offset: in.offset, Timestamp: in.timestamp, Key: in.key, Value: in.value, Attributes: in.attributes,
		})
		p += len(m)
	}
	if len(recs) == 0 {
		return batchErr(base, magic, ErrMalformed, "compressed message without inner messages")
	}
	if magic == MagicV1 {
		// Inner offsets are relative; the wrapper holds the last one's absolute offset.
		shift := base - recs[len(recs)-1].Offset
		for i := range recs {
			recs[i].Offset += shift
		}
	}
	delta := recs[len(recs)-1].Offset - recs[0].Offset
	if delta < math.MinInt32 || delta > math.MaxInt32 {
		return batchErr(base, magic, ErrMalformed, "inner offsets span %d", delta)
	}
	b.Records = recs
	b.BaseOffset = recs[0].Offset
	b.LastOffsetDelta = int32(delta)
	b.BaseTimestamp = recs[0].Timestamp
	return nil
}

// copyKeyValue copies key and value into one new buffer, keeping nil as nil.
func copyKeyValue(key, value []byte) ([]byte, []byte) {
	buf := make([]byte, 0, len(key)+len(value))
	if key != nil {
		buf = append(buf, key...)
		key = buf[:len(key):len(key)]
	}
	if value != nil {
		start := len(buf)
		buf = append(buf, value...)
		value = buf[start:len(buf):len(buf)]
	}
	return key, value
}

// AppendMessageSet appends b to dst as a legacy message set of the given magic (0 or
// 1). Uncompressed, every record becomes one message at offset r.Offset. Compressed,
// the records become the inner messages of one wrapper message: inner offsets are
// r.Offset - b.BaseOffset in magic 1 (the wrapper gets the last record's absolute
// offset) and r.Offset in magic 0. Message attributes are the codec (none for inner
// messages), the timestamp type bit in magic 1, and bits 4-7 of r.Attributes. A magic 1
// wrapper's timestamp is b.MaxTimestamp, raised to the largest record timestamp under
// CreateTime. Legacy messages have no headers, no zstd and no producer fields.
func AppendMessageSet(dst []byte, b *Batch, magic int8, opts ...WriteOption) ([]byte, error) {
	cfg := newWriteConfig(opts)
	if magic != MagicV0 && magic != MagicV1 {
		return dst, fmt.Errorf("%w: message set magic %d", ErrInvalidBatch, magic)
	}
	switch b.Compression {
	case CompressionNone, CompressionGzip, CompressionSnappy, CompressionLZ4:
	default:
		return dst, fmt.Errorf("%w: codec %v with magic %d", ErrInvalidBatch, b.Compression, magic)
	}
	for i := range b.Records {
		if len(b.Records[i].Headers) > 0 {
			return dst, fmt.Errorf("%w: record %d has headers, which magic %d cannot carry", ErrInvalidBatch, i, magic)
		}
	}
	var tsBit int8
	if magic == MagicV1 && b.TimestampType == LogAppendTime {
		tsBit = legacyLogAppendTime
	}
	innerAttrs := func(r *Record) int8 { return r.Attributes&^0x0f | tsBit }
	if b.Compression == CompressionNone {
		for i := range b.Records {
			r := &b.Records[i]
			dst = appendLegacyMessage(dst, magic, r.Offset, innerAttrs(r), r.Timestamp, r.Key, r.Value)
		}
		return dst, nil
	}
	if len(b.Records) == 0 {
		return dst, fmt.Errorf("%w: a compressed message set needs at least one record", ErrInvalidBatch)
	}
	scratch := scratchPool.Get().(*[]byte)
	inner := (*scratch)[:0]
	wrapperTS := b.MaxTimestamp
	for i := range b.Records {
		r := &b.Records[i]
		offset := r.Offset
		if magic == MagicV1 {
			offset -= b.BaseOffset
		}
		if b.TimestampType == CreateTime {
			wrapperTS = max(wrapperTS, r.Timestamp)
		}
		inner = appendLegacyMessage(inner, magic, offset, innerAttrs(r), r.Timestamp, r.Key, r.Value)
	}
	value, err := compress(nil, inner, b.Compression, &cfg)
	if cap(inner) <= maxPooledScratch {
		*scratch = inner[:0]
		scratchPool.Put(scratch)
	}
	if err != nil {
		if errors.Is(err, ErrInvalidBatch) {
			return dst, err
		}
		return dst, fmt.Errorf("records: compressing with %v: %w", b.Compression, err)
	}
	last := b.Records[len(b.Records)-1].Offset
	return appendLegacyMessage(dst, magic, last, int8(b.Compression)|tsBit, wrapperTS, nil, value), nil
}

// appendLegacyMessage appends one message.
func appendLegacyMessage(dst []byte, magic int8, offset int64, attrs int8, ts int64, key, value []byte) []byte {
	size := int(legacyMinSize[magic]) + len(key) + len(value)
	start := len(dst)
	dst = slices.Grow(dst, logOverhead+size)
	dst = binary.BigEndian.AppendUint64(dst, uint64(offset))
	dst = binary.BigEndian.AppendUint32(dst, uint32(size))
	dst = append(dst, 0, 0, 0, 0, byte(magic), byte(attrs)) // CRC filled in below
	if magic == MagicV1 {
		dst = binary.BigEndian.AppendUint64(dst, uint64(ts))
	}
	dst = appendLegacyBytes(dst, key)
	dst = appendLegacyBytes(dst, value)
	binary.BigEndian.PutUint32(dst[start+legacyOffCRC:], crc32.ChecksumIEEE(dst[start+legacyOffMagic:]))
	return dst
}

func appendLegacyBytes(dst, v []byte) []byte {
	if v == nil {
		return binary.BigEndian.AppendUint32(dst, math.MaxUint32) // -1
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
	return append(dst, v...)
}
