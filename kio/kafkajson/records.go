package kafkajson

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/kio-go/kafka-protocol/kio/records"
)

// The decoded form of a records field (RecordsDecoded):
//
//	{"batches": [{"baseOffset": 0, ..., "records": [{"offset": 0, "timestamp": ...,
//	  "key": "text" | "keyBase64": "..." | null, "value": ..., "headers": [...]}]}],
//	 "rest": "<base64 of an incomplete last batch>"}
//
// and, where the bytes are not record batches kio/records can read,
// {"error": "...", "bytes": "<base64>"}, so nothing is lost. Text is written as a
// JSON string where it is valid UTF-8, else as base64 under "<name>Base64".

// batchJSON mirrors records.Batch with the names the JSON uses; encoding/json writes
// and reads it (this form is kio's own, so its spelling is free).
type batchJSON struct {
	BaseOffset           int64        `json:"baseOffset"`
	PartitionLeaderEpoch int32        `json:"partitionLeaderEpoch"`
	Magic                int8         `json:"magic"`
	Compression          string       `json:"compression"`
	TimestampType        string       `json:"timestampType"`
	Transactional        bool         `json:"transactional"`
	Control              bool         `json:"control"`
	DeleteHorizon        bool         `json:"deleteHorizon,omitempty"`
	LastOffsetDelta      int32        `json:"lastOffsetDelta"`
	BaseTimestamp        int64        `json:"baseTimestamp"`
	MaxTimestamp         int64        `json:"maxTimestamp"`
	ProducerID           int64        `json:"producerId"`
	ProducerEpoch        int16        `json:"producerEpoch"`
	BaseSequence         int32        `json:"baseSequence"`
	Records              []recordJSON `json:"records"`
}

type recordJSON struct {
	Offset      int64        `json:"offset"`
	Timestamp   int64        `json:"timestamp"`
	Key         *string      `json:"key"`
	KeyBase64   []byte       `json:"keyBase64,omitempty"`
	Value       *string      `json:"value"`
	ValueBase64 []byte       `json:"valueBase64,omitempty"`
	Headers     []headerJSON `json:"headers"`
	Attributes  int8         `json:"attributes,omitempty"`
}

type headerJSON struct {
	Key         string  `json:"key"`
	Value       *string `json:"value"`
	ValueBase64 []byte  `json:"valueBase64,omitempty"`
}

type recordsJSON struct {
	Batches []batchJSON `json:"batches"`
	Rest    []byte      `json:"rest,omitempty"`
	Error   string      `json:"error,omitempty"`
	Bytes   []byte      `json:"bytes,omitempty"`
}

func untext(s *string, b64 []byte) []byte {
	switch {
	case b64 != nil:
		return b64
	case s != nil:
		return []byte(*s)
	}
	return nil
}

var compressions = map[string]records.Compression{}

func init() {
	for c := records.CompressionNone; c <= records.CompressionZstd; c++ {
		compressions[c.String()] = c
	}
}

// records writes raw in the decoded form, straight into the output (the form
// recordsJSON describes, which encoding/json reads back).
func (e *encoder) records(raw []byte) {
	batches, rest, err := records.ReadBatches(raw)
	e.open('{')
	first := true
	if err != nil {
		e.member(&first, "batches")
		e.buf = append(e.buf, "null"...)
		e.member(&first, "error")
		e.buf = appendString(e.buf, err.Error())
		e.member(&first, "bytes")
		e.buf = appendBase64(e.buf, raw)
		e.close('}', false)
		return
	}
	e.member(&first, "batches")
	e.open('[')
	firstBatch := true
	for _, b := range batches {
		e.member(&firstBatch, "")
		e.batch(b)
	}
	e.close(']', firstBatch)
	if len(rest) > 0 {
		e.member(&first, "rest")
		e.buf = appendBase64(e.buf, rest)
	}
	e.close('}', false)
}

func (e *encoder) intMember(first *bool, name string, v int64) {
	e.member(first, name)
	e.buf = strconv.AppendInt(e.buf, v, 10)
}

func (e *encoder) boolMember(first *bool, name string, v bool) {
	e.member(first, name)
	e.buf = strconv.AppendBool(e.buf, v)
}

// text writes p under name as a string where it is UTF-8, else null under name and
// base64 under name+"Base64"; nil is null.
func (e *encoder) text(first *bool, name string, p []byte) {
	e.member(first, name)
	switch {
	case p == nil:
		e.buf = append(e.buf, "null"...)
	case utf8.Valid(p):
		e.buf = appendString(e.buf, string(p))
	default:
		e.buf = append(e.buf, "null"...)
		e.member(first, name+"Base64")
		e.buf = appendBase64(e.buf, p)
	}
}

func (e *encoder) batch(b *records.Batch) {
	e.open('{')
	first := true
	e.intMember(&first, "baseOffset", b.BaseOffset)
	e.intMember(&first, "partitionLeaderEpoch", int64(b.PartitionLeaderEpoch))
	e.intMember(&first, "magic", int64(b.Magic))
	e.member(&first, "compression")
	e.buf = appendString(e.buf, b.Compression.String())
	e.member(&first, "timestampType")
	e.buf = appendString(e.buf, b.TimestampType.String())
	e.boolMember(&first, "transactional", b.Transactional)
	e.boolMember(&first, "control", b.Control)
	if b.DeleteHorizon {
		e.boolMember(&first, "deleteHorizon", true)
	}
	e.intMember(&first, "lastOffsetDelta", int64(b.LastOffsetDelta))
	e.intMember(&first, "baseTimestamp", b.BaseTimestamp)
	e.intMember(&first, "maxTimestamp", b.MaxTimestamp)
	e.intMember(&first, "producerId", b.ProducerID)
	e.intMember(&first, "producerEpoch", int64(b.ProducerEpoch))
	e.intMember(&first, "baseSequence", int64(b.BaseSequence))
	e.member(&first, "records")
	e.open('[')
	firstRecord := true
	for i := range b.Records {
		r := &b.Records[i]
		e.member(&firstRecord, "")
		e.open('{')
		rf := true
		e.intMember(&rf, "offset", r.Offset)
		e.intMember(&rf, "timestamp", r.Timestamp)
		e.text(&rf, "key", r.Key)
		e.text(&rf, "value", r.Value)
		e.member(&rf, "headers")
		e.open('[')
		hf := true
		for _, h := range r.Headers {
			e.member(&hf, "")
			e.open('{')
			f := true
			e.member(&f, "key")
			e.buf = appendString(e.buf, h.Key)
			e.text(&f, "value", h.Value)
			e.close('}', false)
		}
		e.close(']', hf)
		if r.Attributes != 0 {
			e.intMember(&rf, "attributes", int64(r.Attributes))
		}
		e.close('}', false)
	}
	e.close(']', firstRecord)
	e.close('}', false)
}

// records reads the decoded form, whose '{' has been read, and writes the batches
// again with kio/records.
func (d *decoder) records(off int64) ([]byte, error) {
	// Gather the object's members as raw JSON, then let encoding/json read them.
	raw := []byte{'{'}
	for first := true; d.dec.More(); first = false {
		kt, _, err := d.token()
		if err != nil {
			return nil, err
		}
		var m json.RawMessage
		if err := d.dec.Decode(&m); err != nil {
			return nil, failf(off, ErrSyntax, "%v", err)
		}
		if !first {
			raw = append(raw, ',')
		}
		raw = appendString(raw, kt.(string))
		raw = append(raw, ':')
		raw = append(raw, m...)
	}
	if _, _, err := d.token(); err != nil {
		return nil, err
	}
	raw = append(raw, '}')
	var in recordsJSON
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, failf(off, ErrType, "decoded records: %v", err)
	}
	if in.Bytes != nil || in.Error != "" {
		return in.Bytes, nil
	}
	out := []byte{}
	for i, bj := range in.Batches {
		c, ok := compressions[bj.Compression]
		if !ok {
			return nil, atIndex(failf(off, ErrRange, "compression %q", bj.Compression), i)
		}
		b := &records.Batch{BaseOffset: bj.BaseOffset, PartitionLeaderEpoch: bj.PartitionLeaderEpoch, Magic: bj.Magic,
			Compression: c, Transactional: bj.Transactional, Control: bj.Control, DeleteHorizon: bj.DeleteHorizon,
			LastOffsetDelta: bj.LastOffsetDelta, BaseTimestamp: bj.BaseTimestamp, MaxTimestamp: bj.MaxTimestamp,
			ProducerID: bj.ProducerID, ProducerEpoch: bj.ProducerEpoch, BaseSequence: bj.BaseSequence}
		if bj.TimestampType == records.LogAppendTime.String() {
			b.TimestampType = records.LogAppendTime
		}
		for _, rj := range bj.Records {
			r := records.Record{Offset: rj.Offset, Timestamp: rj.Timestamp, Attributes: rj.Attributes,
				Key: untext(rj.Key, rj.KeyBase64), Value: untext(rj.Value, rj.ValueBase64)}
			for _, hj := range rj.Headers {
				r.Headers = append(r.Headers, records.Header{Key: hj.Key, Value: untext(hj.Value, hj.ValueBase64)})
			}
			b.Records = append(b.Records, r)
		}
		var err error
		if out, err = records.AppendBatch(out, b); err != nil {
			return nil, atMember(atIndex(failf(off, ErrRange, "%v", err), i), "batches")
		}
	}
	return append(out, in.Rest...), nil
}
