package kafkajson

import (
	"encoding/json"
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

// text sets s (valid UTF-8) or b64 (anything else) from p; nil stays null.
func text(p []byte, s **string, b64 *[]byte) {
	switch {
	case p == nil:
	case utf8.Valid(p):
		t := string(p)
		*s = &t
	default:
		*b64 = p
	}
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

// records writes raw in the decoded form.
func (e *encoder) records(raw []byte) {
	var out recordsJSON
	batches, rest, err := records.ReadBatches(raw)
	if err != nil {
		out = recordsJSON{Error: err.Error(), Bytes: raw}
	} else {
		out.Batches = make([]batchJSON, 0, len(batches))
		out.Rest = rest
		for _, b := range batches {
			bj := batchJSON{BaseOffset: b.BaseOffset, PartitionLeaderEpoch: b.PartitionLeaderEpoch, Magic: b.Magic,
				Compression: b.Compression.String(), TimestampType: b.TimestampType.String(),
				Transactional: b.Transactional, Control: b.Control, DeleteHorizon: b.DeleteHorizon,
				LastOffsetDelta: b.LastOffsetDelta, BaseTimestamp: b.BaseTimestamp, MaxTimestamp: b.MaxTimestamp,
				ProducerID: b.ProducerID, ProducerEpoch: b.ProducerEpoch, BaseSequence: b.BaseSequence,
				Records: make([]recordJSON, 0, len(b.Records))}
			for i := range b.Records {
				r := &b.Records[i]
				rj := recordJSON{Offset: r.Offset, Timestamp: r.Timestamp, Attributes: r.Attributes, Headers: make([]headerJSON, 0, len(r.Headers))}
				text(r.Key, &rj.Key, &rj.KeyBase64)
				text(r.Value, &rj.Value, &rj.ValueBase64)
				for _, h := range r.Headers {
					hj := headerJSON{Key: h.Key}
					text(h.Value, &hj.Value, &hj.ValueBase64)
					rj.Headers = append(rj.Headers, hj)
				}
				bj.Records = append(bj.Records, rj)
			}
			out.Batches = append(out.Batches, bj)
		}
	}
	var b []byte
	if e.opts.Indent != "" {
		prefix := make([]byte, 0, 16)
		for range e.depth {
			prefix = append(prefix, e.opts.Indent...)
		}
		b, _ = json.MarshalIndent(out, string(prefix), e.opts.Indent)
	} else {
		b, _ = json.Marshal(out) // plain data: cannot fail
	}
	e.buf = append(e.buf, b...)
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
