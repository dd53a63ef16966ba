package bench

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	kgprotocol "github.com/segmentio/kafka-go/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The anchors' record batch codecs, as a user of each library has to assemble them.
//
// franz-go: kgo's batch writer and reader are internal; kmsg exports only the wire
// structs kmsg.RecordBatch and kmsg.Record with AppendTo/ReadFrom. Everything around
// them (record lengths, the batch length and CRC-32C, the record loop, compression) is
// written here, following what the protocol requires. Compression calls pierrec/lz4 and
// klauspost/zstd directly with the settings kio/records uses (LZ4 frames of 64 KiB
// blocks, zstd's default level), so compressed rows compare batch handling plus the same
// compressor work.
//
// kafka-go: protocol.RecordSet is its public batch codec (WriteTo/ReadFrom); it
// compresses with its own settings of the same libraries.

// Compression codec ids of the batch attributes.
const (
	codecNone int16 = 0
	codecLZ4  int16 = 3
	codecZstd int16 = 4
)

// batchHeaderLen is the size of a magic 2 batch header up to the first record;
// batchLengthOffset is where the batch length field ends (what it does not count),
// crcOffset and attributesOffset locate the CRC and the range it covers.
const (
	batchHeaderLen    = 61
	batchLengthOffset = 12
	crcOffset         = 17
	attributesOffset  = 21
)

// kmsgBatchCodec holds the scratch buffers and compressors the kmsg harness reuses
// between batches, as a producer or consumer would.
type kmsgBatchCodec struct {
	records []kmsg.Record
	raw     []byte // uncompressed records of a compressed batch
	lz4w    *lz4.Writer
	lz4r    *lz4.Reader
	zstdw   *zstd.Encoder
	zstdr   *zstd.Decoder
	src     bytes.Reader
	out     appendWriter
}

func newKmsgBatchCodec() *kmsgBatchCodec {
	c := &kmsgBatchCodec{lz4w: lz4.NewWriter(nil), lz4r: lz4.NewReader(nil)}
	if err := c.lz4w.Apply(lz4.BlockSizeOption(lz4.Block64Kb)); err != nil {
		panic(err)
	}
	var err error
	if c.zstdw, err = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1)); err != nil {
		panic(err)
	}
	if c.zstdr, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1)); err != nil {
		panic(err)
	}
	return c
}

// appendWriter is an io.Writer appending to buf.
type appendWriter struct{ buf []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// varintLen is the size of v as a zigzag varint.
func varintLen(v int64) int {
	var tmp [binary.MaxVarintLen64]byte
	return binary.PutVarint(tmp[:], v)
}

// build fills c.records from recs: the kmsg counterpart of building a batch's records,
// including the per-record length kmsg leaves to the caller.
func (c *kmsgBatchCodec) build(recs []benchRecord) []kmsg.Record {
	out := c.records[:0]
	base := recs[0].Timestamp
	for i, r := range recs {
		rec := kmsg.Record{
			TimestampDelta64: r.Timestamp - base,
			OffsetDelta:      int32(i),
			Key:              r.Key,
			Value:            r.Value,
		}
		rec.Length = int32(1 + varintLen(rec.TimestampDelta64) + varintLen(int64(i)) +
			varintLen(int64(len(r.Key))) + len(r.Key) + varintLen(int64(len(r.Value))) + len(r.Value) + 1)
		out = append(out, rec)
	}
	c.records = out
	return out
}

// appendBatch appends recs (built by build, timestamps from recs) as one batch.
func (c *kmsgBatchCodec) appendBatch(dst []byte, recs []kmsg.Record, firstTS, maxTS int64, codec int16) ([]byte, error) {
	start := len(dst)
	batch := kmsg.RecordBatch{
		PartitionLeaderEpoch: -1,
		Magic:                2,
		Attributes:           codec,
		LastOffsetDelta:      int32(len(recs) - 1),
		FirstTimestamp:       firstTS,
		MaxTimestamp:         maxTS,
		ProducerID:           -1,
		ProducerEpoch:        -1,
		FirstSequence:        -1,
		NumRecords:           int32(len(recs)),
	}
	dst = batch.AppendTo(dst) // header only: Records is empty, so records follow directly
	if codec == codecNone {
		for i := range recs {
			dst = recs[i].AppendTo(dst)
		}
	} else {
		raw := c.raw[:0]
		for i := range recs {
			raw = recs[i].AppendTo(raw)
		}
		c.raw = raw
		var err error
		if dst, err = c.compress(dst, raw, codec); err != nil {
			return dst[:start], err
		}
	}
	h := dst[start:]
	binary.BigEndian.PutUint32(h[8:], uint32(len(h)-batchLengthOffset))
	binary.BigEndian.PutUint32(h[crcOffset:], crc32.Checksum(h[attributesOffset:], castagnoli))
	return dst, nil
}

func (c *kmsgBatchCodec) compress(dst, raw []byte, codec int16) ([]byte, error) {
	switch codec {
	case codecLZ4:
		c.out.buf = dst
		c.lz4w.Reset(&c.out)
		if _, err := c.lz4w.Write(raw); err != nil {
			return dst, err
		}
		err := c.lz4w.Close()
		dst, c.out.buf = c.out.buf, nil
		return dst, err
	case codecZstd:
		return c.zstdw.EncodeAll(raw, dst), nil
	}
	return dst, fmt.Errorf("codec %d not in this harness", codec)
}

// decodeBatch decodes one batch: header, CRC check, decompression, every record.
// Keys and values alias data (uncompressed) or a fresh decompressed buffer.
func (c *kmsgBatchCodec) decodeBatch(data []byte) (kmsg.RecordBatch, []kmsg.Record, error) {
	var batch kmsg.RecordBatch
	if err := batch.ReadFrom(data); err != nil {
		return batch, nil, err
	}
	if uint32(batch.CRC) != crc32.Checksum(data[attributesOffset:batchLengthOffset+int(batch.Length)], castagnoli) {
		return batch, nil, errors.New("crc mismatch")
	}
	raw := batch.Records
	switch batch.Attributes & 7 {
	case codecNone:
	case codecLZ4:
		c.src.Reset(raw)
		c.lz4r.Reset(&c.src)
		var err error
		if raw, err = readAllHint(c.lz4r, 4*len(raw)); err != nil {
			return batch, nil, err
		}
	case codecZstd:
		var err error
		if raw, err = c.zstdr.DecodeAll(raw, nil); err != nil {
			return batch, nil, err
		}
	default:
		return batch, nil, fmt.Errorf("codec %d not in this harness", batch.Attributes&7)
	}
	recs := make([]kmsg.Record, batch.NumRecords) // fresh: the caller keeps them
	for i := range recs {
		length, n := binary.Varint(raw)
		if n <= 0 || length < 0 || int64(len(raw)-n) < length {
			return batch, nil, errors.New("truncated record")
		}
		end := n + int(length)
		if err := recs[i].ReadFrom(raw[:end]); err != nil {
			return batch, nil, err
		}
		raw = raw[end:]
	}
	return batch, recs, nil
}

// readAllHint reads r to its end into a buffer starting at hint bytes.
func readAllHint(r io.Reader, hint int) ([]byte, error) {
	buf := make([]byte, 0, hint)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// kafka-go

func kafkaGoAttributes(codec int16) kgprotocol.Attributes {
	switch codec {
	case codecLZ4:
		return kgprotocol.Lz4
	case codecZstd:
		return kgprotocol.Zstd
	}
	return 0
}

// kafkaGoBuild builds the records of a batch as kafka-go values.
func kafkaGoBuild(recs []benchRecord) []kgprotocol.Record {
	out := make([]kgprotocol.Record, len(recs))
	for i, r := range recs {
		out[i] = kgprotocol.Record{
			Offset: int64(i),
			Time:   time.UnixMilli(r.Timestamp),
			Key:    kgprotocol.NewBytes(r.Key),
			Value:  kgprotocol.NewBytes(r.Value),
		}
	}
	return out
}

// kafkaGoWriteBatch writes recs as one magic 2 batch to buf. kafka-go's RecordSet.WriteTo
// writes the records field's int32 size prefix before the batch.
func kafkaGoWriteBatch(buf *bytes.Buffer, recs []kgprotocol.Record, codec int16) error {
	rs := kgprotocol.RecordSet{Version: 2, Attributes: kafkaGoAttributes(codec), Records: kgprotocol.NewRecordReader(recs...)}
	_, err := rs.WriteTo(buf)
	return err
}

// kafkaGoReadBatch decodes a size-prefixed batch and walks its records, touching each
// value. kafka-go copies the (decompressed) records into its own page buffers and hands
// keys and values out as protocol.Bytes readers over them, so walking the records is
// where its decode ends.
func kafkaGoReadBatch(prefixed []byte) (int, error) {
	var rs kgprotocol.RecordSet
	if _, err := rs.ReadFrom(bytes.NewBuffer(prefixed)); err != nil {
		return 0, err
	}
	n := 0
	for {
		r, err := rs.Records.ReadRecord()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n += r.Value.Len()
	}
}

// sizePrefixed returns batch behind an int32 length, as a records field is on the wire
// in a non-flexible message.
func sizePrefixed(batch []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(batch))), batch...)
}
