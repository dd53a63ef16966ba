package records

import "fmt"

// Compression is the codec of a batch: bits 0-2 of the batch (or legacy message) attributes.
type Compression int8

// The codecs Kafka defines. Zstd exists from magic 2 on.
const (
	CompressionNone   Compression = 0
	CompressionGzip   Compression = 1
	CompressionSnappy Compression = 2
	CompressionLZ4    Compression = 3
	CompressionZstd   Compression = 4
)

// compressionNames are Kafka's names of the codecs, by value.
var compressionNames = [...]string{CompressionNone: "none", CompressionGzip: "gzip",
	CompressionSnappy: "snappy", CompressionLZ4: "lz4", CompressionZstd: "zstd"}

// String returns Kafka's name of the codec ("none", "gzip", "snappy", "lz4", "zstd").
func (c Compression) String() string {
	if c >= 0 && int(c) < len(compressionNames) {
		return compressionNames[c]
	}
	return fmt.Sprintf("compression(%d)", int8(c))
}

// TimestampType says who set the timestamps: bit 3 of the attributes (magic 1 and 2).
type TimestampType int8

// The two timestamp types.
const (
	CreateTime    TimestampType = 0 // the producer's clock
	LogAppendTime TimestampType = 1 // the broker's clock, carried by Batch.MaxTimestamp
)

// String returns "CreateTime" or "LogAppendTime".
func (t TimestampType) String() string {
	if t == LogAppendTime {
		return "LogAppendTime"
	}
	return "CreateTime"
}

// Magic values of the three log formats.
const (
	MagicV0 int8 = 0 // legacy message set, no timestamps
	MagicV1 int8 = 1 // legacy message set with timestamps
	MagicV2 int8 = 2 // record batch
)

// Attribute bits of a magic 2 batch.
const (
	attrCompressionMask = 0x07
	attrLogAppendTime   = 0x08
	attrTransactional   = 0x10
	attrControl         = 0x20
	attrDeleteHorizon   = 0x40
)

// Header is one record header. Key is never null on the wire; Value may be (nil).
type Header struct {
	Key   string
	Value []byte
}

// Record is one record of a batch, with its offset and timestamp made absolute.
//
// When decoded, Key, Value and the header values alias the decoded bytes: the input
// slice for uncompressed batches (unless WithCopy is given), else the freshly
// decompressed buffer that belongs to the batch alone. Each such slice has its capacity
// cut to its length, so appending to one never overwrites its neighbours. Header keys
// are strings that never alias caller memory.
type Record struct {
	// Offset is the absolute offset: the batch base offset plus the record's offset delta.
	Offset int64
	// Timestamp is the record's own timestamp: the batch base timestamp plus its
	// timestamp delta (magic 2), the message timestamp (magic 1) or -1 (magic 0). With
	// LogAppendTime Kafka presents Batch.MaxTimestamp instead; see Batch.RecordTimestamp.
	Timestamp int64
	Key       []byte // nil is a null key
	Value     []byte // nil is a null value
	Headers   []Header
	// Attributes is the record attributes byte, unused by Kafka for magic 2. For magic 0
	// and 1 it is the message's attributes byte as read (codec and timestamp type bits
	// included); on write only its bits 4-7 are kept.
	Attributes int8
}

// Batch is one record batch (magic 2), or one legacy message or compressed message
// set wrapper (magic 0 and 1), with every header field Kafka defines. The batch
// length, CRC and record count are not fields: they follow from the rest and are
// checked on read and computed on write.
type Batch struct {
	BaseOffset           int64
	PartitionLeaderEpoch int32 // -1 for legacy messages
	Magic                int8  // as read; AppendBatch always writes 2
	Compression          Compression
	TimestampType        TimestampType
	Transactional        bool
	Control              bool
	// DeleteHorizon is attributes bit 6 (KIP-534): BaseTimestamp then holds the
	// delete horizon of a compacted batch.
	DeleteHorizon   bool
	LastOffsetDelta int32
	BaseTimestamp   int64
	MaxTimestamp    int64
	ProducerID      int64 // -1 when not idempotent
	ProducerEpoch   int16 // -1 when not idempotent
	BaseSequence    int32 // -1 when not idempotent
	Records         []Record
}

// NewBatch returns a magic 2 batch holding records as a producer sends it: records
// numbered from offset 0 (their Offset fields are overwritten with 0, 1, 2, ...), no
// producer id, leader epoch -1, BaseTimestamp set from the first record and
// MaxTimestamp from the largest record timestamp.
func NewBatch(records ...Record) *Batch {
	b := &Batch{
		PartitionLeaderEpoch: -1,
		Magic:                MagicV2,
		ProducerID:           -1,
		ProducerEpoch:        -1,
		BaseSequence:         -1,
		BaseTimestamp:        -1,
		MaxTimestamp:         -1,
		Records:              records,
	}
	for i := range records {
		records[i].Offset = int64(i)
		if i == 0 {
			b.BaseTimestamp = records[i].Timestamp
		}
		b.MaxTimestamp = max(b.MaxTimestamp, records[i].Timestamp)
	}
	if len(records) > 0 {
		b.LastOffsetDelta = int32(len(records) - 1)
	}
	return b
}

// Attributes returns the magic 2 attributes field the batch is written with.
func (b *Batch) Attributes() int16 {
	a := int16(b.Compression) & attrCompressionMask
	if b.TimestampType == LogAppendTime {
		a |= attrLogAppendTime
	}
	if b.Transactional {
		a |= attrTransactional
	}
	if b.Control {
		a |= attrControl
	}
	if b.DeleteHorizon {
		a |= attrDeleteHorizon
	}
	return a
}

// LastOffset returns the offset of the last record the batch was built with:
// BaseOffset + LastOffsetDelta. Compaction may have removed that record, so it is
// the next fetch offset minus one rather than the last element of Records.
func (b *Batch) LastOffset() int64 { return b.BaseOffset + int64(b.LastOffsetDelta) }

// RecordTimestamp returns the timestamp Kafka presents for r: Batch.MaxTimestamp when
// the batch uses LogAppendTime (the broker overwrote the batch, not the records),
// else r.Timestamp.
func (b *Batch) RecordTimestamp(r *Record) int64 {
	if b.TimestampType == LogAppendTime {
		return b.MaxTimestamp
	}
	return r.Timestamp
}
