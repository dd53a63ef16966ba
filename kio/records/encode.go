package records

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"sync"

	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

// WriteOption tunes encoding.
type WriteOption func(*writeConfig)

type writeConfig struct {
	rawSnappy bool
	level     int
}

// WithRawSnappy writes snappy batches as one plain snappy block, as librdkafka and
// franz-go do, instead of the xerial framing of Kafka's Java client. Both are read by
// every Kafka client and broker.
func WithRawSnappy() WriteOption { return func(c *writeConfig) { c.rawSnappy = true } }

// WithCompressionLevel sets the codec's level, as Kafka's compression.<codec>.level
// does: gzip 1 (fastest) to 9 (smallest), lz4 1 to 9 (pierrec/lz4's levels; Kafka's
// run to 17), zstd any zstd level, mapped to the nearest of klauspost/compress's four
// speeds. Snappy has no levels. 0, the default, is each codec's own default. A level
// out of range makes AppendBatch fail with ErrInvalidBatch.
func WithCompressionLevel(level int) WriteOption { return func(c *writeConfig) { c.level = level } }

func newWriteConfig(opts []WriteOption) writeConfig {
	if len(opts) == 0 {
		return writeConfig{} // stays on the stack
	}
	c := new(writeConfig)
	for _, o := range opts {
		o(c)
	}
	return *c
}

// scratchPool holds buffers for the uncompressed records of a batch being compressed.
var scratchPool = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledScratch keeps one huge batch from pinning its buffer in the pool.
const maxPooledScratch = 4 << 20

// AppendBatch appends b as a magic 2 record batch to dst and returns the extended
// slice. b.Magic is ignored (use AppendMessageSet for magic 0 and 1). The batch length,
// CRC-32C, record count and attributes are computed. Each record's offset delta is
// r.Offset - b.BaseOffset and its timestamp delta r.Timestamp - b.BaseTimestamp.
// LastOffsetDelta is written as b.LastOffsetDelta raised to the largest offset delta,
// and with CreateTime MaxTimestamp as b.MaxTimestamp raised to the largest record
// timestamp, so a decoded batch writes back unchanged and a zero field is filled in.
// NewBatch sets up a batch as a producer sends it.
//
// On error dst is returned unchanged (its spare capacity may have been written).
func AppendBatch(dst []byte, b *Batch, opts ...WriteOption) ([]byte, error) {
	cfg := newWriteConfig(opts)
	if b.Compression < CompressionNone || b.Compression > CompressionZstd {
		return dst, fmt.Errorf("%w: unknown codec %d", ErrInvalidBatch, b.Compression)
	}
	if len(b.Records) > math.MaxInt32 {
		return dst, fmt.Errorf("%w: %d records", ErrInvalidBatch, len(b.Records))
	}
	lastDelta, maxTS := b.LastOffsetDelta, b.MaxTimestamp
	bodySize := 0
	for i := range b.Records {
		r := &b.Records[i]
		delta := r.Offset - b.BaseOffset
		if delta < math.MinInt32 || delta > math.MaxInt32 {
			return dst, fmt.Errorf("%w: record %d: offset %d is too far from base offset %d", ErrInvalidBatch, i, r.Offset, b.BaseOffset)
		}
		lastDelta = max(lastDelta, int32(delta))
		if b.TimestampType == CreateTime {
			maxTS = max(maxTS, r.Timestamp)
		}
		size := recordSize(r, b)
		bodySize += wire.VarlongSize(int64(size)) + size
	}

	start := len(dst)
	dst = slices.Grow(dst, v2HeaderSize+bodySize)
	dst = dst[:start+v2HeaderSize]
	if b.Compression == CompressionNone {
		dst = appendRecords(dst, b)
	} else {
		scratch := scratchPool.Get().(*[]byte)
		body := appendRecords(slices.Grow((*scratch)[:0], bodySize), b)
		var err error
		dst, err = compress(dst, body, b.Compression, &cfg)
		if cap(body) <= maxPooledScratch {
			*scratch = body[:0]
			scratchPool.Put(scratch)
		}
		if err != nil {
			if errors.Is(err, ErrInvalidBatch) {
				return dst[:start], err
			}
			return dst[:start], fmt.Errorf("records: compressing with %v: %w", b.Compression, err)
		}
	}
	length := len(dst) - start - logOverhead
	if length > math.MaxInt32 {
		return dst[:start], fmt.Errorf("%w: batch of %d bytes", ErrInvalidBatch, length)
	}

	h := dst[start:]
	binary.BigEndian.PutUint64(h, uint64(b.BaseOffset))
	binary.BigEndian.PutUint32(h[v2OffLength:], uint32(length))
	binary.BigEndian.PutUint32(h[v2OffLeaderEpoch:], uint32(b.PartitionLeaderEpoch))
	h[v2OffMagic] = byte(MagicV2)
	binary.BigEndian.PutUint16(h[v2OffAttributes:], uint16(b.Attributes()))
	binary.BigEndian.PutUint32(h[v2OffLastOffsetDelta:], uint32(lastDelta))
	binary.BigEndian.PutUint64(h[v2OffBaseTimestamp:], uint64(b.BaseTimestamp))
	binary.BigEndian.PutUint64(h[v2OffMaxTimestamp:], uint64(maxTS))
	binary.BigEndian.PutUint64(h[v2OffProducerID:], uint64(b.ProducerID))
	binary.BigEndian.PutUint16(h[v2OffProducerEpoch:], uint16(b.ProducerEpoch))
	binary.BigEndian.PutUint32(h[v2OffBaseSequence:], uint32(b.BaseSequence))
	binary.BigEndian.PutUint32(h[v2OffRecordCount:], uint32(len(b.Records)))
	binary.BigEndian.PutUint32(h[v2OffCRC:], crc32.Checksum(h[v2OffAttributes:], castagnoli))
	return dst, nil
}

// recordSize is the encoded size of r after its length varint.
func recordSize(r *Record, b *Batch) int {
	n := 1 + wire.VarlongSize(r.Timestamp-b.BaseTimestamp) + wire.VarlongSize(r.Offset-b.BaseOffset) +
		sizeVarbytes(r.Key) + sizeVarbytes(r.Value) + wire.VarlongSize(int64(len(r.Headers)))
	for i := range r.Headers {
		h := &r.Headers[i]
		n += wire.VarlongSize(int64(len(h.Key))) + len(h.Key) + sizeVarbytes(h.Value)
	}
	return n
}

func sizeVarbytes(v []byte) int {
	if v == nil {
		return 1
	}
	return wire.VarlongSize(int64(len(v))) + len(v)
}

// appendRecords appends every record of b in the magic 2 record format.
func appendRecords(dst []byte, b *Batch) []byte {
	for i := range b.Records {
		r := &b.Records[i]
		dst = wire.AppendVarlong(dst, int64(recordSize(r, b)))
		dst = append(dst, byte(r.Attributes))
		dst = wire.AppendVarlong(dst, r.Timestamp-b.BaseTimestamp)
		dst = wire.AppendVarlong(dst, r.Offset-b.BaseOffset)
		dst = appendVarbytes(dst, r.Key)
		dst = appendVarbytes(dst, r.Value)
		dst = wire.AppendVarlong(dst, int64(len(r.Headers)))
		for j := range r.Headers {
			h := &r.Headers[j]
			dst = wire.AppendVarlong(dst, int64(len(h.Key)))
			dst = append(dst, h.Key...)
			dst = appendVarbytes(dst, h.Value)
		}
	}
	return dst
}

func appendVarbytes(dst, v []byte) []byte {
	if v == nil {
		return append(dst, 1) // zigzag of -1
	}
	dst = wire.AppendVarlong(dst, int64(len(v)))
	return append(dst, v...)
}
