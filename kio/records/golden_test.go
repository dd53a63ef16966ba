package records

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/schema/kraftversionrecord"
	"github.com/kio-go/kafka-protocol/kio/schema/leaderchangemessage"
	"github.com/kio-go/kafka-protocol/kio/schema/snapshotfooterrecord"
	"github.com/kio-go/kafka-protocol/kio/schema/snapshotheaderrecord"
	"github.com/kio-go/kafka-protocol/kio/schema/votersrecord"
)

// The expected bytes below are written out by hand from Kafka's format description;
// the CRCs were computed by an independent bitwise implementation and are checked
// against hash/crc32 as well.

const goldenBaseTS = 1700000000000 // 0x0000018BCFE56800

// goldenV2 is an uncompressed batch of two records, the first with one header.
var goldenV2 = []byte{
	0, 0, 0, 0, 0, 0, 0, 5, // base offset 5
	0, 0, 0, 74, // batch length
	0, 0, 0, 7, // partition leader epoch
	2,                      // magic
	0x5e, 0x79, 0x28, 0x23, // CRC-32C of everything after it
	0, 0, // attributes: no compression, CreateTime
	0, 0, 0, 1, // last offset delta
	0, 0, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00, // base timestamp
	0, 0, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x05, // max timestamp
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // producer id -1
	0xff, 0xff, // producer epoch -1
	0xff, 0xff, 0xff, 0xff, // base sequence -1
	0, 0, 0, 2, // record count
	// record 0
	0x22,           // length 17
	0,              // attributes
	0,              // timestamp delta 0
	0,              // offset delta 0
	0x04, 'k', '1', // key "k1"
	0x0A, 'h', 'e', 'l', 'l', 'o', // value "hello"
	0x02,      // 1 header
	0x02, 'h', // header key "h"
	0x02, 'v', // header value "v"
	// record 1
	0x0C, // length 6
	0,    // attributes
	0x0A, // timestamp delta 5
	0x02, // offset delta 1
	0x01, // key null
	0x00, // value empty
	0x00, // no headers
}

func goldenV2Batch() *Batch {
	return &Batch{
		BaseOffset:           5,
		PartitionLeaderEpoch: 7,
		Magic:                2,
		LastOffsetDelta:      1,
		BaseTimestamp:        goldenBaseTS,
		MaxTimestamp:         goldenBaseTS + 5,
		ProducerID:           -1,
		ProducerEpoch:        -1,
		BaseSequence:         -1,
		Records: []Record{
			{Offset: 5, Timestamp: goldenBaseTS, Key: []byte("k1"), Value: []byte("hello"),
				Headers: []Header{{Key: "h", Value: []byte("v")}}},
			{Offset: 6, Timestamp: goldenBaseTS + 5, Key: nil, Value: []byte{}},
		},
	}
}

// goldenV0 is a magic 0 message at offset 3 with a null key and the value "abc".
var goldenV0 = []byte{
	0, 0, 0, 0, 0, 0, 0, 3, // offset
	0, 0, 0, 17, // message size
	0x43, 0xdc, 0x3f, 0xaf, // CRC-32 of the rest
	0,                      // magic
	0,                      // attributes
	0xff, 0xff, 0xff, 0xff, // key null
	0, 0, 0, 3, 'a', 'b', 'c', // value
}

// goldenV1 is a magic 1 message at offset 9 with a timestamp, key "k" and value "v".
var goldenV1 = []byte{
	0, 0, 0, 0, 0, 0, 0, 9, // offset
	0, 0, 0, 24, // message size
	0x39, 0x26, 0x8c, 0x33, // CRC-32 of the rest
	1,                                        // magic
	0,                                        // attributes: CreateTime
	0, 0, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00, // timestamp
	0, 0, 0, 1, 'k', // key
	0, 0, 0, 1, 'v', // value
}

func TestGoldenCRCsMatchHashCRC32(t *testing.T) {
	if got, want := crc32.Checksum(goldenV2[21:], crc32.MakeTable(crc32.Castagnoli)), binary.BigEndian.Uint32(goldenV2[17:]); got != want {
		t.Errorf("v2 CRC-32C: hash/crc32 %08x, golden %08x", got, want)
	}
	for name, m := range map[string][]byte{"v0": goldenV0, "v1": goldenV1} {
		if got, want := crc32.ChecksumIEEE(m[16:]), binary.BigEndian.Uint32(m[12:]); got != want {
			t.Errorf("%s CRC-32: hash/crc32 %08x, golden %08x", name, got, want)
		}
	}
}

func TestGoldenV2Decode(t *testing.T) {
	var b Batch
	n, err := DecodeBatch(goldenV2, &b)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(goldenV2) {
		t.Errorf("consumed %d bytes, want %d", n, len(goldenV2))
	}
	if diff := cmp.Diff(goldenV2Batch(), &b); diff != "" {
		t.Errorf("decoded batch (-want +got):\n%s", diff)
	}
	if b.Records[1].Key != nil || b.Records[1].Value == nil {
		t.Errorf("null key / empty value not kept apart: key %#v value %#v", b.Records[1].Key, b.Records[1].Value)
	}
	// Keys and values alias the input; capacity is cut so appends cannot clobber it.
	if &b.Records[0].Value[0] != &goldenV2[69] {
		t.Error("value does not alias the input")
	}
	if cap(b.Records[0].Key) != 2 {
		t.Errorf("key capacity %d, want 2", cap(b.Records[0].Key))
	}
}

func TestGoldenV2Encode(t *testing.T) {
	got, err := AppendBatch([]byte("prefix"), goldenV2Batch())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[6:], goldenV2) || string(got[:6]) != "prefix" {
		t.Errorf("encoded\n% x\nwant\n% x", got[6:], goldenV2)
	}
}

func TestGoldenLegacyDecode(t *testing.T) {
	want0 := &Batch{
		BaseOffset: 3, PartitionLeaderEpoch: -1, Magic: 0, BaseTimestamp: -1, MaxTimestamp: -1,
		ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1,
		Records: []Record{{Offset: 3, Timestamp: -1, Key: nil, Value: []byte("abc")}},
	}
	want1 := &Batch{
		BaseOffset: 9, PartitionLeaderEpoch: -1, Magic: 1, BaseTimestamp: goldenBaseTS, MaxTimestamp: goldenBaseTS,
		ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1,
		Records: []Record{{Offset: 9, Timestamp: goldenBaseTS, Key: []byte("k"), Value: []byte("v")}},
	}
	// Both messages in one blob, as a magic 0/1 Fetch response holds them.
	blob := append(append([]byte(nil), goldenV0...), goldenV1...)
	batches, rest, err := ReadBatches(blob)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 0 {
		t.Errorf("rest of %d bytes", len(rest))
	}
	if diff := cmp.Diff([]*Batch{want0, want1}, batches); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
}

func TestGoldenLegacyEncode(t *testing.T) {
	b0 := &Batch{Records: []Record{{Offset: 3, Timestamp: -1, Value: []byte("abc")}}}
	got, err := AppendMessageSet(nil, b0, MagicV0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, goldenV0) {
		t.Errorf("v0 encoded\n% x\nwant\n% x", got, goldenV0)
	}
	b1 := &Batch{Records: []Record{{Offset: 9, Timestamp: goldenBaseTS, Key: []byte("k"), Value: []byte("v")}}}
	got, err = AppendMessageSet(nil, b1, MagicV1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, goldenV1) {
		t.Errorf("v1 encoded\n% x\nwant\n% x", got, goldenV1)
	}
}

// TestGoldenV2Attributes checks each attribute bit lands where the format puts it.
func TestGoldenV2Attributes(t *testing.T) {
	for _, tc := range []struct {
		b    Batch
		want uint16
	}{
		{Batch{Compression: CompressionGzip}, 0x01},
		{Batch{Compression: CompressionSnappy}, 0x02},
		{Batch{Compression: CompressionLZ4}, 0x03},
		{Batch{Compression: CompressionZstd}, 0x04},
		{Batch{TimestampType: LogAppendTime}, 0x08},
		{Batch{Transactional: true}, 0x10},
		{Batch{Control: true}, 0x20},
		{Batch{DeleteHorizon: true}, 0x40},
	} {
		enc, err := AppendBatch(nil, &tc.b)
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.BigEndian.Uint16(enc[21:]); got != tc.want {
			t.Errorf("%+v: attributes %#04x, want %#04x", tc.b, got, tc.want)
		}
		var back Batch
		if _, err := DecodeBatch(enc, &back); err != nil {
			t.Fatal(err)
		}
		back.Magic = 0
		if diff := cmp.Diff(tc.b, back, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Records" }, cmp.Ignore())); diff != "" {
			t.Errorf("attributes round trip (-want +got):\n%s", diff)
		}
	}
}

func TestGoldenControl(t *testing.T) {
	// Commit marker, coordinator epoch 3.
	rec := Record{Key: []byte{0, 0, 0, 1}, Value: []byte{0, 0, 0, 0, 0, 3}}
	c, err := ParseControl(&rec)
	if err != nil {
		t.Fatal(err)
	}
	want := &Control{Key: ControlKey{Version: 0, Type: ControlCommit}, EndTxn: &EndTxnMarker{Version: 0, CoordinatorEpoch: 3}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("commit marker (-want +got):\n%s", diff)
	}
	if got := AppendEndTxnMarker(AppendControlKey(nil, want.Key), *want.EndTxn); !bytes.Equal(got, append(rec.Key, rec.Value...)) {
		t.Errorf("encoded marker % x", got)
	}

	// Leader change, version 0: leader 2, voters [1 2 3], granting [1 2].
	lc := []byte{
		0, 0, // version 0
		0, 0, 0, 2, // leader id
		4,             // 3 voters
		0, 0, 0, 1, 0, // voter 1, no tags
		0, 0, 0, 2, 0,
		0, 0, 0, 3, 0,
		3, // 2 granting voters
		0, 0, 0, 1, 0,
		0, 0, 0, 2, 0,
		1, 7, 2, 0xAB, 0xCD, // one unknown tagged field: tag 7, 2 bytes
	}
	rec = Record{Key: []byte{0, 0, 0, 2}, Value: lc}
	c, err = ParseControl(&rec)
	if err != nil {
		t.Fatal(err)
	}
	wantLC := &leaderchangemessage.LeaderChangeMessage{
		LeaderId:       2,
		Voters:         []leaderchangemessage.Voter{{VoterId: 1}, {VoterId: 2}, {VoterId: 3}},
		GrantingVoters: []leaderchangemessage.Voter{{VoterId: 1}, {VoterId: 2}},
		UnknownTags:    kio.RawTags{7: {0xAB, 0xCD}},
	}
	if diff := cmp.Diff(wantLC, c.LeaderChange); diff != "" {
		t.Errorf("leader change (-want +got):\n%s", diff)
	}
	if got, err := AppendLeaderChange(nil, wantLC); err != nil || !bytes.Equal(got, lc) {
		t.Errorf("encoded leader change % x, %v", got, err)
	}

	// Leader change, version 1: voter directory ids.
	lc1 := []byte{0, 1, 0, 0, 0, 9, 2, 0, 0, 0, 9}
	lc1 = append(lc1, bytes.Repeat([]byte{0x11}, 16)...)
	lc1 = append(lc1, 0, 1, 0)
	m, err := ParseLeaderChange(lc1)
	if err != nil {
		t.Fatal(err)
	}
	var dir [16]byte
	copy(dir[:], bytes.Repeat([]byte{0x11}, 16))
	if m.Version != 1 || m.LeaderId != 9 || len(m.Voters) != 1 || m.Voters[0].VoterDirectoryId != dir || len(m.GrantingVoters) != 0 {
		t.Errorf("v1 leader change %+v", m)
	}

	// Snapshot header, footer and KRaft version.
	for _, tc := range []struct {
		key, value []byte
		want       *Control
	}{
		{[]byte{0, 0, 0, 3}, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 42, 0},
			&Control{Key: ControlKey{Type: ControlSnapshotHeader}, SnapshotHeader: &snapshotheaderrecord.SnapshotHeaderRecord{LastContainedLogTimestamp: 42}}},
		{[]byte{0, 0, 0, 4}, []byte{0, 0, 0},
			&Control{Key: ControlKey{Type: ControlSnapshotFooter}, SnapshotFooter: &snapshotfooterrecord.SnapshotFooterRecord{}}},
		{[]byte{0, 0, 0, 5}, []byte{0, 0, 0, 1, 0},
			&Control{Key: ControlKey{Type: ControlKRaftVersion}, KRaftVersion: &kraftversionrecord.KRaftVersionRecord{KRaftVersion: 1}}},
		{[]byte{0, 0, 0, 6}, append(append([]byte{0, 0, 2, 0, 0, 0, 1}, bytes.Repeat([]byte{0x22}, 16)...),
			2, 2, 'C', 2, 'h', 0x23, 0x84, 0, // endpoint C h:9092
			0, 0, 0, 1, 0, // kraft version feature 0-1
			0, 0), // voter tags, record tags
			&Control{Key: ControlKey{Type: ControlKRaftVoters}, Voters: &votersrecord.VotersRecord{Voters: []votersrecord.Voter{{
				VoterId: 1, VoterDirectoryId: [16]byte{0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22},
				Endpoints:           []votersrecord.Endpoint{{Name: "C", Host: "h", Port: 9092}},
				KRaftVersionFeature: votersrecord.KRaftVersionFeature{MinSupportedVersion: 0, MaxSupportedVersion: 1},
			}}}}},
	} {
		c, err := ParseControl(&Record{Key: tc.key, Value: tc.value})
		if err != nil {
			t.Errorf("type %v: %v", tc.want.Key.Type, err)
			continue
		}
		if diff := cmp.Diff(tc.want, c); diff != "" {
			t.Errorf("type %v (-want +got):\n%s", tc.want.Key.Type, diff)
		}
	}
}
