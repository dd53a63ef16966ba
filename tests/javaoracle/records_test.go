package javaoracle_test

import (
	"encoding/hex"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/records"
	"github.com/kio-go/kafka-protocol/tests/javaoracle"
)

// Record batches both ways: batches Java's MemoryRecordsBuilder builds (magic 0, 1, 2,
// every codec, headers, control, idempotent and transactional batches) must decode with
// kio/records to the records Java describes; batches kio builds must be read by Java's
// MemoryRecords, every CRC checked, as the records kio describes.

const recordRuns = 300 // runs of one or two batches per direction and release

// describe renders batches as Records.java does, so the two descriptions compare as text.
func describe(batches []*records.Batch) string {
	var b strings.Builder
	hexOrNull := func(v []byte) string {
		if v == nil {
			return "null"
		}
		return hex.EncodeToString(v)
	}
	for _, bt := range batches {
		fmt.Fprintf(&b, "batch magic=%d codec=%d txn=%t control=%t pid=%d epoch=%d seq=%d\n",
			bt.Magic, bt.Compression, bt.Transactional, bt.Control, bt.ProducerID, bt.ProducerEpoch, bt.BaseSequence)
		for i := range bt.Records {
			r := &bt.Records[i]
			fmt.Fprintf(&b, "record offset=%d ts=%d key=%s value=%s headers=[", r.Offset, bt.RecordTimestamp(r), hexOrNull(r.Key), hexOrNull(r.Value))
			for k, h := range r.Headers {
				if k > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(h.Key + "=" + hexOrNull(h.Value))
			}
			b.WriteString("]\n")
		}
	}
	return b.String()
}

// kioBatches builds one or two random batches with kio: magic 2 through AppendBatch,
// magic 0 and 1 through AppendMessageSet.
func kioBatches(r *rand.Rand) ([]byte, error) {
	var out []byte
	for n := 1 + r.Intn(2); n > 0; n-- {
		magic := records.MagicV2
		if r.Intn(4) == 0 {
			magic = int8(r.Intn(2))
		}
		codecs := 5
		if magic < records.MagicV2 {
			codecs = 4
		}
		bytesOf := func() []byte {
			if r.Intn(5) == 0 {
				return nil
			}
			b := make([]byte, r.Intn(40))
			for i := range b {
				b[i] = byte(r.Intn(4)) + 'a'
			}
			return b
		}
		var recs []records.Record
		ts := int64(1_600_000_000_000 + r.Intn(1_000_000))
		control := magic == records.MagicV2 && r.Intn(8) == 0
		if control {
			key := records.AppendControlKey(nil, records.ControlKey{Type: records.ControlType(r.Intn(2))})
			value := records.AppendEndTxnMarker(nil, records.EndTxnMarker{CoordinatorEpoch: int32(r.Intn(100))})
			recs = append(recs, records.Record{Timestamp: ts, Key: key, Value: value})
		} else {
			for i := 1 + r.Intn(5); i > 0; i-- {
				rec := records.Record{Timestamp: ts + int64(r.Intn(1000)), Key: bytesOf(), Value: bytesOf()}
				if magic == records.MagicV2 {
					for h := r.Intn(3); h > 0; h-- {
						rec.Headers = append(rec.Headers, records.Header{Key: fmt.Sprintf("h%d", r.Intn(10)), Value: bytesOf()})
					}
				}
				recs = append(recs, rec)
			}
		}
		b := records.NewBatch(recs...)
		b.BaseOffset = int64(r.Intn(1 << 20))
		for i := range b.Records {
			b.Records[i].Offset += b.BaseOffset
		}
		if !control {
			b.Compression = records.Compression(r.Intn(codecs))
		}
		b.Control = control
		if magic == records.MagicV2 && (control || r.Intn(3) == 0) {
			b.ProducerID, b.ProducerEpoch, b.BaseSequence = int64(r.Intn(1_000_000)), int16(r.Intn(100)), int32(r.Intn(1000))
			b.Transactional = control || r.Intn(2) == 0
		}
		if magic > records.MagicV0 && r.Intn(5) == 0 {
			b.TimestampType = records.LogAppendTime
			b.MaxTimestamp = 1_700_000_000_000 + int64(r.Intn(1000))
		}
		if magic == records.MagicV0 {
			for i := range b.Records {
				b.Records[i].Timestamp = -1
			}
		}
		var err error
		if magic == records.MagicV2 {
			out, err = records.AppendBatch(out, b)
		} else {
			out, err = records.AppendMessageSet(out, b, magic)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkRecords compares record batches with release j both ways.
func (o *oracle) checkRecords(t *testing.T, j *javaoracle.JVM) {
	c := o.counts[j.Version]
	n := recordRuns * casesScale()
	built, err := j.BuildRecords(n, 42)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, b := range built {
		if strings.HasPrefix(b.Description, "error: ") {
			t.Errorf("Java %s could not build batches: %s", j.Version, b.Description)
			continue
		}
		c.records[0]++
		batches, rest, err := records.ReadBatches(b.Bytes)
		var got string
		if err == nil && len(rest) > 0 {
			err = fmt.Errorf("%d bytes left over", len(rest))
		}
		if err == nil {
			got = describe(batches)
			for _, bt := range batches {
				seen[fmt.Sprintf("magic %d codec %v control %t txn %t", bt.Magic, bt.Compression, bt.Control, bt.Transactional)] = true
			}
		}
		if err != nil || got != b.Description {
			o.note(difference{"record batches", javaToKio, "kio reads different records"}, j.Version, 0,
				fmt.Sprintf("Java built %x:\n%s\nkio read (%v):\n%s", b.Bytes, b.Description, err, got))
		}
	}
	// Java must have built every magic, every codec its magic allows, control and
	// transactional batches.
	for _, want := range []string{"magic 0 codec none", "magic 1 codec lz4", "magic 2 codec zstd", "magic 2 codec gzip", "magic 2 codec snappy", "control true txn true"} {
		found := false
		for k := range seen {
			found = found || strings.Contains(k, want)
		}
		if !found && len(seen) > 0 {
			t.Errorf("Java %s built no batch of %q", j.Version, want)
		}
	}

	r := rand.New(rand.NewSource(7))
	var inputs [][]byte
	for range n {
		b, err := kioBatches(r)
		if err != nil {
			t.Fatalf("kio batches: %v", err)
		}
		inputs = append(inputs, b)
	}
	results, err := j.DescribeRecords(inputs)
	if err != nil {
		t.Fatal(err)
	}
	for i, res := range results {
		c.records[1]++
		batches, _, err := records.ReadBatches(inputs[i])
		if err != nil {
			t.Fatalf("kio cannot read its own batches: %v", err)
		}
		want := describe(batches)
		if res.Err != "" || string(res.Rewritten) != want {
			o.note(difference{"record batches", kioToJava, "Java reads different records"}, j.Version, 0,
				fmt.Sprintf("kio built %x:\n%s\nJava read (%s):\n%s", inputs[i], want, res.Err, res.Rewritten))
		}
	}
}
