package records

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/kio-go/kafka-protocol/kio/schema/controlrecordtypeschema"
	"github.com/kio-go/kafka-protocol/kio/schema/endtxnmarker"
	"github.com/kio-go/kafka-protocol/kio/schema/kraftversionrecord"
	"github.com/kio-go/kafka-protocol/kio/schema/leaderchangemessage"
	"github.com/kio-go/kafka-protocol/kio/schema/snapshotfooterrecord"
	"github.com/kio-go/kafka-protocol/kio/schema/snapshotheaderrecord"
	"github.com/kio-go/kafka-protocol/kio/schema/votersrecord"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// Control records are the records of a control batch (Batch.Control). Their key is a
// version int16 followed by Kafka's ControlRecordTypeSchema (the type int16); their value
// depends on the type. Transaction markers (abort, commit) carry a version int16 followed
// by Kafka's EndTxnMarker data schema (the coordinator epoch int32), as Kafka 4.x writes
// and reads them (the same bytes as 3.9's hand-written form); kio/serial decodes both
// schemas at version 0 into kio/schema's generated structs.
// The KRaft types carry one of Kafka's "data" schemas in its flexible encoding:
// LeaderChangeMessage for leader changes, and SnapshotHeaderRecord,
// SnapshotFooterRecord, KRaftVersionRecord and VotersRecord; kio/serial decodes them
// into kio/schema's generated structs. Their bytes fields and unknown tags alias the
// record value.

// ControlType is the type field of a control record key.
type ControlType int16

// The control record types of Kafka 3.9 and 4.x.
const (
	ControlAbort          ControlType = 0
	ControlCommit         ControlType = 1
	ControlLeaderChange   ControlType = 2
	ControlSnapshotHeader ControlType = 3
	ControlSnapshotFooter ControlType = 4
	ControlKRaftVersion   ControlType = 5
	ControlKRaftVoters    ControlType = 6
)

// controlTypeNames are Kafka's names of the control record types, by value.
var controlTypeNames = [...]string{ControlAbort: "ABORT", ControlCommit: "COMMIT",
	ControlLeaderChange: "LEADER_CHANGE", ControlSnapshotHeader: "SNAPSHOT_HEADER",
	ControlSnapshotFooter: "SNAPSHOT_FOOTER", ControlKRaftVersion: "KRAFT_VERSION",
	ControlKRaftVoters: "KRAFT_VOTERS"}

// String returns Kafka's name of the type.
func (t ControlType) String() string {
	if t >= 0 && int(t) < len(controlTypeNames) {
		return controlTypeNames[t]
	}
	return fmt.Sprintf("UNKNOWN(%d)", int16(t))
}

// ControlKey is the key of a control record.
type ControlKey struct {
	Version int16
	Type    ControlType
}

// ParseControlKey decodes a control record key: its version, then ControlRecordTypeSchema
// read at version 0. Version 0 keys are exactly 4 bytes; later versions may append
// fields, which are ignored, as Kafka does.
func ParseControlKey(key []byte) (ControlKey, error) {
	version, schema, err := parseVersioned[controlrecordtypeschema.ControlRecordTypeSchema]("control key", key)
	if schema == nil {
		return ControlKey{}, err
	}
	return ControlKey{Version: version, Type: ControlType(schema.Type)}, err
}

// parseVersioned decodes a version-prefixed key or value (what it is, for errors): its
// version, then the data schema S read at version 0. A version 0 form must be exactly
// that long; later versions may append fields, which are ignored. The schema is nil
// where it could not be read, and set with a version 0 form of the wrong length.
func parseVersioned[S any](what string, b []byte) (int16, *S, error) {
	if len(b) < 2 {
		return 0, nil, fmt.Errorf("records: %s of %d bytes: %w", what, len(b), ErrTruncated)
	}
	version, rest := int16(binary.BigEndian.Uint16(b)), b[2:]
	schema := new(S)
	n, err := serial.UnmarshalPrefix(rest, schema, 0)
	if err != nil {
		return version, nil, dataSchemaErr(reflect.TypeFor[S]().Name(), err)
	}
	if version == 0 && n != len(rest) {
		return version, schema, fmt.Errorf("records: version 0 %s of %d bytes: %w", what, len(b), ErrMalformed)
	}
	return version, schema, nil
}

// appendVersioned appends version, then schema (a pointer to a data schema's struct)
// at version 0, to dst.
func appendVersioned(dst []byte, version int16, schema any) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(version))
	out, err := serial.Append(dst, schema, 0)
	if err != nil {
		panic(fmt.Sprintf("records: the generated %T does not encode: %v", schema, err)) // a broken build, not bad input
	}
	return out
}

// AppendControlKey appends the encoded key k to dst: k.Version, then the type as
// ControlRecordTypeSchema version 0.
func AppendControlKey(dst []byte, k ControlKey) []byte {
	return appendVersioned(dst, k.Version, &controlrecordtypeschema.ControlRecordTypeSchema{Type: int16(k.Type)})
}

// EndTxnMarker is the value of an abort or commit control record.
type EndTxnMarker struct {
	Version          int16
	CoordinatorEpoch int32
}

// ParseEndTxnMarker decodes a transaction marker value: its version, then Kafka's
// EndTxnMarker data schema read at version 0. Version 0 values are exactly 6 bytes;
// later versions may append fields, which are ignored, as Kafka 4.x does.
func ParseEndTxnMarker(value []byte) (EndTxnMarker, error) {
	version, schema, err := parseVersioned[endtxnmarker.EndTxnMarker]("transaction marker", value)
	if schema == nil {
		return EndTxnMarker{}, err
	}
	return EndTxnMarker{Version: version, CoordinatorEpoch: schema.CoordinatorEpoch}, err
}

// AppendEndTxnMarker appends the encoded marker m to dst: m.Version, then the
// EndTxnMarker data schema at version 0.
func AppendEndTxnMarker(dst []byte, m EndTxnMarker) []byte {
	return appendVersioned(dst, m.Version, &endtxnmarker.EndTxnMarker{CoordinatorEpoch: m.CoordinatorEpoch})
}

// ParseLeaderChange decodes the value of a leader change control record. The message's
// first field, Version, is also the schema version of its encoding (0 or 1; Kafka 3.9
// writes 0).
func ParseLeaderChange(value []byte) (*leaderchangemessage.LeaderChangeMessage, error) {
	if len(value) < 2 {
		return nil, fmt.Errorf("records: LeaderChangeMessage of %d bytes: %w", len(value), ErrTruncated)
	}
	version := int16(binary.BigEndian.Uint16(value))
	if version < 0 || version > 1 {
		return nil, fmt.Errorf("records: LeaderChangeMessage version %d: %w", version, ErrMalformed)
	}
	m := new(leaderchangemessage.LeaderChangeMessage)
	if err := serial.Unmarshal(value, m, version); err != nil {
		return nil, dataSchemaErr("LeaderChangeMessage", err)
	}
	return m, nil
}

// AppendLeaderChange appends the encoded leader change m, at schema version m.Version,
// to dst.
func AppendLeaderChange(dst []byte, m *leaderchangemessage.LeaderChangeMessage) ([]byte, error) {
	if m.Version < 0 || m.Version > 1 {
		return dst, fmt.Errorf("%w: LeaderChangeMessage version %d", ErrInvalidBatch, m.Version)
	}
	return serial.Append(dst, m, m.Version)
}

// dataSchemaErr wraps a kio/serial decoding error in ErrTruncated or ErrMalformed.
func dataSchemaErr(name string, err error) error {
	sentinel := ErrMalformed
	if errors.Is(err, io.ErrUnexpectedEOF) {
		sentinel = ErrTruncated
	}
	return fmt.Errorf("records: %s value: %w: %w", name, sentinel, err)
}

// Control is a decoded control record: its key, and its value in the field matching
// the key's type (all nil for a type this package does not know). The KRaft values are
// kio's generated structs for Kafka's data schemas.
type Control struct {
	Key            ControlKey
	EndTxn         *EndTxnMarker // ControlAbort, ControlCommit
	LeaderChange   *leaderchangemessage.LeaderChangeMessage
	SnapshotHeader *snapshotheaderrecord.SnapshotHeaderRecord
	SnapshotFooter *snapshotfooterrecord.SnapshotFooterRecord
	KRaftVersion   *kraftversionrecord.KRaftVersionRecord
	Voters         *votersrecord.VotersRecord
}

// ParseControl decodes a record of a control batch. Keys and values of data schemas
// decode at their only version, 0, as Kafka 3.9 reads them.
func ParseControl(rec *Record) (*Control, error) {
	k, err := ParseControlKey(rec.Key)
	if err != nil {
		return nil, err
	}
	c := &Control{Key: k}
	switch k.Type {
	case ControlAbort, ControlCommit:
		var m EndTxnMarker
		m, err = ParseEndTxnMarker(rec.Value)
		c.EndTxn = &m
	case ControlLeaderChange:
		c.LeaderChange, err = ParseLeaderChange(rec.Value)
	case ControlSnapshotHeader:
		c.SnapshotHeader = new(snapshotheaderrecord.SnapshotHeaderRecord)
		err = unmarshalData("SnapshotHeaderRecord", rec.Value, c.SnapshotHeader)
	case ControlSnapshotFooter:
		c.SnapshotFooter = new(snapshotfooterrecord.SnapshotFooterRecord)
		err = unmarshalData("SnapshotFooterRecord", rec.Value, c.SnapshotFooter)
	case ControlKRaftVersion:
		c.KRaftVersion = new(kraftversionrecord.KRaftVersionRecord)
		err = unmarshalData("KRaftVersionRecord", rec.Value, c.KRaftVersion)
	case ControlKRaftVoters:
		c.Voters = new(votersrecord.VotersRecord)
		err = unmarshalData("VotersRecord", rec.Value, c.Voters)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func unmarshalData(name string, value []byte, v any) error {
	if err := serial.Unmarshal(value, v, 0); err != nil {
		return dataSchemaErr(name, err)
	}
	return nil
}
