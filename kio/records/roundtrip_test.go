package records

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// cmpBytes compares byte slices whole (go-cmp walks them byte by byte otherwise, far
// too slowly for 40 KiB values) while keeping nil and empty apart.
var cmpBytes = cmp.Comparer(func(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) })

var allCodecs = []Compression{CompressionNone, CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd}

func propertyParams() *gopter.TestParameters {
	p := gopter.DefaultTestParameters()
	p.MinSuccessfulTests = 200
	p.MaxSize = 12 // slices and byte strings; big values come from genBigBytes
	return p
}

// genBytes yields nil, empty, short random and occasionally long (over snappy-java's
// 32 KiB chunk) byte strings.
func genBytes() gopter.Gen {
	return gen.Weighted([]gen.WeightedGen{
		{Weight: 2, Gen: gen.Const([]byte(nil))},
		{Weight: 1, Gen: gen.Const([]byte{})},
		{Weight: 6, Gen: gen.SliceOf(gen.UInt8(), reflect.TypeOf(byte(0)))},
		{Weight: 1, Gen: gen.IntRange(1, 40<<10).Map(func(n int) []byte {
			return bytes.Repeat([]byte("kio-records "), n/12+1)[:n]
		})},
	})
}

func genHeader() gopter.Gen {
	return gopter.CombineGens(gen.AnyString(), genBytes()).Map(func(v []any) Header {
		return Header{Key: v[0].(string), Value: v[1].([]byte)}
	})
}

// recordSpec is a record before it is placed in a batch: deltas instead of absolutes.
type recordSpec struct {
	key, value []byte
	headers    []Header
	tsDelta    int64
	offsetGap  int64
	attributes int8
}

func genRecordSpec() gopter.Gen {
	return gopter.CombineGens(
		genBytes(), genBytes(),
		gen.SliceOf(genHeader()),
		gen.OneGenOf(gen.Int64Range(-1000, 1000), gen.Int64()),
		gen.Int64Range(0, 3),
		gen.Int8(),
	).Map(func(v []any) recordSpec {
		hs := v[2].([]Header)
		if len(hs) == 0 {
			hs = nil // decoding gives nil for no headers
		}
		return recordSpec{key: v[0].([]byte), value: v[1].([]byte), headers: hs,
			tsDelta: v[3].(int64), offsetGap: v[4].(int64), attributes: v[5].(int8)}
	})
}

// batchSpec carries what a test needs to build a batch of any magic.
type batchSpec struct {
	baseOffset, baseTS       int64
	records                  []recordSpec
	txn, control, horizon    bool
	logAppend                bool
	epoch, baseSeq           int32
	producerID               int64
	producerEpoch            int16
	extraLastDelta, extraMax int64
}

func genBatchSpec() gopter.Gen {
	return gopter.CombineGens(
		gen.Int64Range(0, 1<<50), gen.Int64Range(-1, 1<<42),
		gen.SliceOf(genRecordSpec()),
		gen.Bool(), gen.Bool(), gen.Bool(), gen.Bool(),
		gen.Int32(), gen.Int32(), gen.Int64(), gen.Int16(),
		gen.Int64Range(0, 5), gen.Int64Range(0, 5),
	).Map(func(v []any) batchSpec {
		return batchSpec{
			baseOffset: v[0].(int64), baseTS: v[1].(int64), records: v[2].([]recordSpec),
			txn: v[3].(bool), control: v[4].(bool), horizon: v[5].(bool), logAppend: v[6].(bool),
			epoch: v[7].(int32), baseSeq: v[8].(int32), producerID: v[9].(int64), producerEpoch: v[10].(int16),
			extraLastDelta: v[11].(int64), extraMax: v[12].(int64),
		}
	})
}

// v2Batch builds a magic 2 batch whose derived fields are already consistent, so it
// must decode to itself exactly.
func (s batchSpec) v2Batch(codec Compression) *Batch {
	b := &Batch{
		BaseOffset: s.baseOffset, PartitionLeaderEpoch: s.epoch, Magic: MagicV2, Compression: codec,
		Transactional: s.txn, Control: s.control, DeleteHorizon: s.horizon,
		BaseTimestamp: s.baseTS, MaxTimestamp: s.baseTS,
		ProducerID: s.producerID, ProducerEpoch: s.producerEpoch, BaseSequence: s.baseSeq,
	}
	if s.logAppend {
		b.TimestampType = LogAppendTime
	}
	off := s.baseOffset
	for _, r := range s.records {
		off += r.offsetGap
		b.Records = append(b.Records, Record{
			Offset: off, Timestamp: s.baseTS + r.tsDelta, Key: r.key, Value: r.value,
			Headers: r.headers, Attributes: r.attributes,
		})
		b.LastOffsetDelta = int32(off - s.baseOffset)
		if b.TimestampType == CreateTime {
			b.MaxTimestamp = max(b.MaxTimestamp, s.baseTS+r.tsDelta)
		}
	}
	// Compaction leaves last offset delta and max timestamp above the records.
	b.LastOffsetDelta += int32(s.extraLastDelta)
	b.MaxTimestamp += s.extraMax
	return b
}

func TestPropertyV2RoundTrip(t *testing.T) {
	props := gopter.NewProperties(propertyParams())
	props.Property("AppendBatch then DecodeBatch gives the batch back, every codec", prop.ForAll(
		func(s batchSpec) bool {
			for _, codec := range allCodecs {
				for _, opts := range [][]WriteOption{nil, {WithRawSnappy()}} {
					if len(opts) > 0 && codec != CompressionSnappy {
						continue
					}
					want := s.v2Batch(codec)
					enc, err := AppendBatch(nil, want, opts...)
					if err != nil {
						t.Logf("%v: append: %v", codec, err)
						return false
					}
					var got Batch
					n, err := DecodeBatch(enc, &got)
					if err != nil || n != len(enc) {
						t.Logf("%v: decode: n=%d of %d: %v", codec, n, len(enc), err)
						return false
					}
					if diff := cmp.Diff(want, &got, cmpBytes); diff != "" {
						t.Logf("%v (-want +got):\n%s", codec, diff)
						return false
					}
					// And the same through the copying path.
					var copied Batch
					if _, err := DecodeBatch(enc, &copied, WithCopy()); err != nil || !cmp.Equal(want, &copied, cmpBytes) {
						t.Logf("%v: WithCopy differs: %v", codec, err)
						return false
					}
				}
			}
			return true
		},
		genBatchSpec(),
	))
	props.TestingRun(t)
}

// legacyBatch is s as a legacy message set can carry it: no headers, no producer fields.
func (s batchSpec) legacyBatch(codec Compression, magic int8) *Batch {
	b := s.v2Batch(codec)
	b.Magic = magic
	b.Transactional, b.Control, b.DeleteHorizon = false, false, false
	b.PartitionLeaderEpoch, b.ProducerID, b.ProducerEpoch, b.BaseSequence = -1, -1, -1, -1
	if magic == MagicV0 {
		b.TimestampType = CreateTime
	}
	for i := range b.Records {
		b.Records[i].Headers = nil
		b.Records[i].Attributes &^= 0x0f
	}
	return b
}

func TestPropertyLegacyRoundTrip(t *testing.T) {
	props := gopter.NewProperties(propertyParams())
	props.Property("AppendMessageSet then ReadBatches gives the records back, magic 0 and 1, every legacy codec", prop.ForAll(
		func(s batchSpec) bool {
			for _, magic := range []int8{MagicV0, MagicV1} {
				for _, codec := range allCodecs[:4] {
					in := s.legacyBatch(codec, magic)
					if codec != CompressionNone && len(in.Records) == 0 {
						continue
					}
					enc, err := AppendMessageSet(nil, in, magic)
					if err != nil {
						t.Logf("magic %d %v: append: %v", magic, codec, err)
						return false
					}
					batches, rest, err := ReadBatches(enc)
					if err != nil || len(rest) != 0 {
						t.Logf("magic %d %v: read: rest %d: %v", magic, codec, len(rest), err)
						return false
					}
					var tsBit int8
					if magic == MagicV1 && in.TimestampType == LogAppendTime {
						tsBit = legacyLogAppendTime
					}
					var want, got []Record
					for _, r := range in.Records {
						r.Attributes |= tsBit
						if magic == MagicV0 {
							r.Timestamp = -1
						}
						want = append(want, r)
					}
					for _, b := range batches {
						if b.Magic != magic || b.Compression != codec || b.TimestampType != in.TimestampType {
							t.Logf("magic %d %v: batch header %+v", magic, codec, b)
							return false
						}
						got = append(got, b.Records...)
					}
					if diff := cmp.Diff(want, got, cmpBytes); diff != "" {
						t.Logf("magic %d %v (-want +got):\n%s", magic, codec, diff)
						return false
					}
					if codec != CompressionNone {
						b := batches[0]
						wantMax := int64(-1)
						if magic == MagicV1 {
							wantMax = in.MaxTimestamp
						}
						if len(batches) != 1 || b.BaseOffset != in.BaseOffset+in.Records[0].Offset-in.BaseOffset ||
							b.MaxTimestamp != wantMax {
							t.Logf("magic %d %v: wrapper fields %+v", magic, codec, b)
							return false
						}
					}
				}
			}
			return true
		},
		genBatchSpec(),
	))
	props.TestingRun(t)
}

func TestPropertyMixedBlob(t *testing.T) {
	props := gopter.NewProperties(propertyParams())
	props.Property("a blob of batches of every magic and codec scans back in order, any cut is partial", prop.ForAll(
		func(specs []batchSpec, cut int) bool {
			var blob []byte
			var want []*Batch
			ends := []int{0} // where each batch ends in blob
			for i, s := range specs {
				codec := allCodecs[i%len(allCodecs)]
				var err error
				if i%3 != 2 {
					b := s.v2Batch(codec)
					blob, err = AppendBatch(blob, b)
					want = append(want, b)
				} else {
					if codec == CompressionZstd {
						codec = CompressionGzip
					}
					b := s.legacyBatch(codec, MagicV1)
					if len(b.Records) == 0 {
						continue
					}
					// One message, so it decodes to one batch compressed or not.
					r := &b.Records[0]
					b.Records = b.Records[:1]
					b.LastOffsetDelta = 0
					b.BaseOffset, b.BaseTimestamp = r.Offset, r.Timestamp
					switch {
					case codec == CompressionNone:
						b.MaxTimestamp = r.Timestamp
					case b.TimestampType == CreateTime:
						b.MaxTimestamp = max(b.MaxTimestamp, r.Timestamp)
					}
					blob, err = AppendMessageSet(blob, b, MagicV1)
					if b.TimestampType == LogAppendTime {
						r.Attributes |= legacyLogAppendTime
					}
					want = append(want, b)
				}
				if err != nil {
					t.Log(err)
					return false
				}
				ends = append(ends, len(blob))
			}
			got, rest, err := ReadBatches(blob)
			if err != nil || len(rest) != 0 {
				t.Logf("read: %v, rest %d", err, len(rest))
				return false
			}
			if diff := cmp.Diff(want, got, cmpBytes); diff != "" {
				t.Logf("(-want +got):\n%s", diff)
				return false
			}
			// Cut anywhere: the complete batches come back, the rest is a partial tail.
			cut %= len(blob) + 1
			s := NewScanner(blob[:cut])
			n := 0
			for s.Next() {
				n++
			}
			complete := 0
			for complete+1 < len(ends) && ends[complete+1] <= cut {
				complete++
			}
			if s.Err() != nil || n != complete || !cmp.Equal(want[:n], got[:n], cmpBytes) ||
				len(s.Rest()) != cut-ends[n] || s.Partial() != (cut > ends[n]) {
				t.Logf("cut at %d of %d: %d batches (want %d), partial %v, rest %d, err %v",
					cut, len(blob), n, complete, s.Partial(), len(s.Rest()), s.Err())
				return false
			}
			return true
		},
		gen.SliceOfN(6, genBatchSpec()), gen.IntRange(0, math.MaxInt32),
	))
	props.TestingRun(t)
}

func TestCompressionLevels(t *testing.T) {
	batch, _ := benchBatch(CompressionNone)
	batch.Records = batch.Records[:48]
	for _, tc := range []struct {
		codec       Compression
		fast, small int // levels whose outputs must differ in size, fast larger
		bad         []int
	}{
		{CompressionGzip, 1, 9, []int{-1, 10}},
		{CompressionLZ4, 0, 9, []int{-1, 10}},
		{CompressionZstd, 1, 7, nil}, // 10 and up is klauspost's slow best-compression mode
		{CompressionSnappy, 0, 0, nil},
	} {
		b := *batch
		b.Compression = tc.codec
		var sizes []int
		for _, level := range []int{tc.fast, tc.small, 0, 5} {
			enc, err := AppendBatch(nil, &b, WithCompressionLevel(level))
			if err != nil {
				t.Fatalf("%v level %d: %v", tc.codec, level, err)
			}
			var got Batch
			if _, err := DecodeBatch(enc, &got); err != nil || !cmp.Equal(&b, &got, cmpBytes) {
				t.Fatalf("%v level %d: round trip failed: %v", tc.codec, level, err)
			}
			sizes = append(sizes, len(enc))
		}
		if tc.fast != tc.small && sizes[0] <= sizes[1] {
			t.Errorf("%v: level %d gives %d bytes, level %d %d: the level is not applied", tc.codec, tc.fast, sizes[0], tc.small, sizes[1])
		}
		for _, level := range tc.bad {
			if _, err := AppendBatch(nil, &b, WithCompressionLevel(level)); !errors.Is(err, ErrInvalidBatch) {
				t.Errorf("%v level %d: %v, want ErrInvalidBatch", tc.codec, level, err)
			}
		}
	}
}

// TestConcurrentCodecs round-trips every codec from several goroutines at once, so the
// pooled encoders and decoders are shared (run with -race to check them).
func TestConcurrentCodecs(t *testing.T) {
	batch, _ := benchBatch(CompressionNone)
	batch.Records = batch.Records[:32]
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 10 {
				b := *batch
				b.Compression = allCodecs[(g+i)%len(allCodecs)]
				enc, err := AppendBatch(nil, &b)
				if err == nil {
					var got Batch
					if _, err = DecodeBatch(enc, &got); err == nil && !cmp.Equal(&b, &got, cmpBytes) {
						err = errors.New(b.Compression.String() + ": decoded batch differs")
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
