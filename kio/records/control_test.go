package records

import (
	"errors"
	"testing"
)

// TestControlSchemasVersioned checks the version-prefixed control key and transaction
// marker as Kafka 4.x reads them through ControlRecordTypeSchema and EndTxnMarker: a
// version 0 form of exact length, a later version's extra fields ignored, and short or
// over-long version 0 forms refused with the right sentinel.
func TestControlSchemasVersioned(t *testing.T) {
	key := AppendControlKey(nil, ControlKey{Version: 0, Type: ControlAbort})
	marker := AppendEndTxnMarker(nil, EndTxnMarker{Version: 0, CoordinatorEpoch: -7})
	if string(key) != "\x00\x00\x00\x00" || string(marker) != "\x00\x00\xff\xff\xff\xf9" {
		t.Fatalf("key % x, marker % x", key, marker)
	}
	if k, err := ParseControlKey([]byte{0, 1, 0, 1, 0xaa, 0xbb}); err != nil || k != (ControlKey{Version: 1, Type: ControlCommit}) {
		t.Errorf("version 1 key with an extra field: %+v, %v", k, err)
	}
	if m, err := ParseEndTxnMarker([]byte{0, 1, 0, 0, 0, 9, 0xaa}); err != nil || m != (EndTxnMarker{Version: 1, CoordinatorEpoch: 9}) {
		t.Errorf("version 1 marker with an extra field: %+v, %v", m, err)
	}
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"key of 1 byte", second(ParseControlKey([]byte{0})), ErrTruncated},
		{"key of 3 bytes", second(ParseControlKey([]byte{0, 0, 0})), ErrTruncated},
		{"version 0 key of 5 bytes", second(ParseControlKey([]byte{0, 0, 0, 1, 0})), ErrMalformed},
		{"marker of 5 bytes", second(ParseEndTxnMarker([]byte{0, 0, 0, 0, 0})), ErrTruncated},
		{"version 0 marker of 7 bytes", second(ParseEndTxnMarker([]byte{0, 0, 0, 0, 0, 1, 0})), ErrMalformed},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// TestNames: Kafka's names of the codecs and control types, from their tables, and the
// form of a value no table holds.
func TestNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{CompressionNone.String(), "none"},
		{CompressionZstd.String(), "zstd"},
		{CompressionLZ4.String(), "lz4"},
		{Compression(5).String(), "compression(5)"},
		{Compression(-1).String(), "compression(-1)"},
		{ControlAbort.String(), "ABORT"},
		{ControlSnapshotFooter.String(), "SNAPSHOT_FOOTER"},
		{ControlKRaftVoters.String(), "KRAFT_VOTERS"},
		{ControlType(7).String(), "UNKNOWN(7)"},
		{ControlType(-2).String(), "UNKNOWN(-2)"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
