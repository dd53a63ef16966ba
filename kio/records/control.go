package records

import (
	"encoding/binary"
	"fmt"

	"github.com/kio-go/kafka-protocol/kio"
)

// Control records are the records of a control batch (Batch.Control). Their key is a
// version int16 and a type int16; their value depends on the type. Transaction markers
// (abort, commit) carry a version int16 and the coordinator epoch int32. The KRaft
// types carry one of Kafka's "data" schemas in its flexible encoding: LeaderChangeMessage
// for leader changes, and SnapshotHeaderRecord, SnapshotFooterRecord, KRaftVersionRecord
// and VotersRecord. They are decoded by hand here, so the package needs nothing but the
// record format; RawTag data alias the record value.

// ControlType is the type field of a control record key.
type ControlType int16

// The control record types of Kafka 3.9.
const (
	ControlAbort          ControlType = 0
	ControlCommit         ControlType = 1
	ControlLeaderChange   ControlType = 2
	ControlSnapshotHeader ControlType = 3
	ControlSnapshotFooter ControlType = 4
	ControlKRaftVersion   ControlType = 5
	ControlKRaftVoters    ControlType = 6
)

// String returns Kafka's name of the type.
func (t ControlType) String() string {
	switch t {
	case ControlAbort:
		return "ABORT"
	case ControlCommit:
		return "COMMIT"
	case ControlLeaderChange:
		return "LEADER_CHANGE"
	case ControlSnapshotHeader:
		return "SNAPSHOT_HEADER"
	case ControlSnapshotFooter:
		return "SNAPSHOT_FOOTER"
	case ControlKRaftVersion:
		return "KRAFT_VERSION"
	case ControlKRaftVoters:
		return "KRAFT_VOTERS"
	}
	return fmt.Sprintf("UNKNOWN(%d)", int16(t))
}

// ControlKey is the key of a control record.
type ControlKey struct {
	Version int16
	Type    ControlType
}

// ParseControlKey decodes a control record key. Version 0 keys are exactly 4 bytes;
// later versions may append fields, which are ignored.
func ParseControlKey(key []byte) (ControlKey, error) {
	if len(key) < 4 {
		return ControlKey{}, fmt.Errorf("records: control key of %d bytes: %w", len(key), ErrTruncated)
	}
	k := ControlKey{Version: int16(binary.BigEndian.Uint16(key)), Type: ControlType(binary.BigEndian.Uint16(key[2:]))}
	if k.Version == 0 && len(key) != 4 {
		return k, fmt.Errorf("records: version 0 control key of %d bytes: %w", len(key), ErrMalformed)
	}
	return k, nil
}

// AppendControlKey appends the encoded key k to dst.
func AppendControlKey(dst []byte, k ControlKey) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(k.Version))
	return binary.BigEndian.AppendUint16(dst, uint16(k.Type))
}

// EndTxnMarker is the value of an abort or commit control record.
type EndTxnMarker struct {
	Version          int16
	CoordinatorEpoch int32
}

// ParseEndTxnMarker decodes a transaction marker value. Version 0 values are exactly 6
// bytes; later versions may append fields, which are ignored.
func ParseEndTxnMarker(value []byte) (EndTxnMarker, error) {
	if len(value) < 6 {
		return EndTxnMarker{}, fmt.Errorf("records: transaction marker of %d bytes: %w", len(value), ErrTruncated)
	}
	m := EndTxnMarker{Version: int16(binary.BigEndian.Uint16(value)), CoordinatorEpoch: int32(binary.BigEndian.Uint32(value[2:]))}
	if m.Version == 0 && len(value) != 6 {
		return m, fmt.Errorf("records: version 0 transaction marker of %d bytes: %w", len(value), ErrMalformed)
	}
	return m, nil
}

// AppendEndTxnMarker appends the encoded marker m to dst.
func AppendEndTxnMarker(dst []byte, m EndTxnMarker) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(m.Version))
	return binary.BigEndian.AppendUint32(dst, uint32(m.CoordinatorEpoch))
}

// Voter is one voter of a LeaderChange (LeaderChangeMessage.Voter).
type Voter struct {
	VoterID          int32
	VoterDirectoryID kio.UUID // version 1 and later
	UnknownTags      kio.RawTags
}

// LeaderChange is the value of a leader change control record: Kafka's
// LeaderChangeMessage. Its Version field is also the schema version of the encoding
// (0 or 1; 1 adds Voter.VoterDirectoryID).
type LeaderChange struct {
	Version        int16
	LeaderID       int32
	Voters         []Voter
	GrantingVoters []Voter
	UnknownTags    kio.RawTags
}

// ParseLeaderChange decodes a leader change value.
func ParseLeaderChange(value []byte) (*LeaderChange, error) {
	r := flexReader{b: value, what: "LeaderChangeMessage"}
	m := &LeaderChange{Version: r.int16()}
	if r.err == nil && (m.Version < 0 || m.Version > 1) {
		return nil, fmt.Errorf("records: LeaderChangeMessage version %d: %w", m.Version, ErrMalformed)
	}
	m.LeaderID = r.int32()
	m.Voters = r.voters(m.Version)
	m.GrantingVoters = r.voters(m.Version)
	m.UnknownTags = r.tags()
	return m, r.done()
}

func (r *flexReader) voters(version int16) []Voter {
	minSize := 5 // VoterId and an empty tag section
	if version >= 1 {
		minSize += 16
	}
	n := r.arrayLen(minSize)
	if n <= 0 {
		return nil
	}
	vs := make([]Voter, n)
	for i := range vs {
		vs[i].VoterID = r.int32()
		if version >= 1 {
			vs[i].VoterDirectoryID = r.uuid()
		}
		vs[i].UnknownTags = r.tags()
	}
	return vs
}

// AppendLeaderChange appends the encoded leader change m (at schema version m.Version)
// to dst.
func AppendLeaderChange(dst []byte, m *LeaderChange) ([]byte, error) {
	if m.Version < 0 || m.Version > 1 {
		return dst, fmt.Errorf("%w: LeaderChangeMessage version %d", ErrInvalidBatch, m.Version)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(m.Version))
	dst = binary.BigEndian.AppendUint32(dst, uint32(m.LeaderID))
	for _, vs := range [][]Voter{m.Voters, m.GrantingVoters} {
		dst = binary.AppendUvarint(dst, uint64(len(vs))+1)
		for _, v := range vs {
			dst = binary.BigEndian.AppendUint32(dst, uint32(v.VoterID))
			if m.Version >= 1 {
				dst = append(dst, v.VoterDirectoryID[:]...)
			}
			dst = appendTags(dst, v.UnknownTags)
		}
	}
	return appendTags(dst, m.UnknownTags), nil
}

// SnapshotHeader is the value of a snapshot header control record (SnapshotHeaderRecord).
type SnapshotHeader struct {
	Version                   int16
	LastContainedLogTimestamp int64
	UnknownTags               kio.RawTags
}

// SnapshotFooter is the value of a snapshot footer control record (SnapshotFooterRecord).
type SnapshotFooter struct {
	Version     int16
	UnknownTags kio.RawTags
}

// KRaftVersion is the value of a KRaft version control record (KRaftVersionRecord).
type KRaftVersion struct {
	Version      int16
	KRaftVersion int16
	UnknownTags  kio.RawTags
}

// Voters is the value of a KRaft voters control record (VotersRecord).
type Voters struct {
	Version     int16
	Voters      []VotersVoter
	UnknownTags kio.RawTags
}

// VotersVoter is one voter of a Voters record.
type VotersVoter struct {
	VoterID             int32
	VoterDirectoryID    kio.UUID
	Endpoints           []VoterEndpoint
	KRaftVersionFeature KRaftVersionFeature
	UnknownTags         kio.RawTags
}

// VoterEndpoint is one listener of a voter.
type VoterEndpoint struct {
	Name        string
	Host        string
	Port        uint16
	UnknownTags kio.RawTags
}

// KRaftVersionFeature is the range of KRaft protocol versions a voter supports.
type KRaftVersionFeature struct {
	MinSupportedVersion int16
	MaxSupportedVersion int16
	UnknownTags         kio.RawTags
}

// Control is a decoded control record: its key, and its value in the field matching
// the key's type (all nil for a type this package does not know).
type Control struct {
	Key            ControlKey
	EndTxn         *EndTxnMarker // ControlAbort, ControlCommit
	LeaderChange   *LeaderChange
	SnapshotHeader *SnapshotHeader
	SnapshotFooter *SnapshotFooter
	KRaftVersion   *KRaftVersion
	Voters         *Voters
}

// ParseControl decodes a record of a control batch.
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
		r := flexReader{b: rec.Value, what: "SnapshotHeaderRecord"}
		c.SnapshotHeader = &SnapshotHeader{Version: r.int16(), LastContainedLogTimestamp: r.int64(), UnknownTags: r.tags()}
		err = r.done()
	case ControlSnapshotFooter:
		r := flexReader{b: rec.Value, what: "SnapshotFooterRecord"}
		c.SnapshotFooter = &SnapshotFooter{Version: r.int16(), UnknownTags: r.tags()}
		err = r.done()
	case ControlKRaftVersion:
		r := flexReader{b: rec.Value, what: "KRaftVersionRecord"}
		c.KRaftVersion = &KRaftVersion{Version: r.int16(), KRaftVersion: r.int16(), UnknownTags: r.tags()}
		err = r.done()
	case ControlKRaftVoters:
		c.Voters, err = parseVoters(rec.Value)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func parseVoters(value []byte) (*Voters, error) {
	r := flexReader{b: value, what: "VotersRecord"}
	m := &Voters{Version: r.int16()}
	// VoterId, VoterDirectoryId, empty Endpoints, KRaftVersionFeature, two tag sections.
	if n := r.arrayLen(4 + 16 + 1 + 5 + 1); n > 0 {
		m.Voters = make([]VotersVoter, n)
		for i := range m.Voters {
			v := &m.Voters[i]
			v.VoterID = r.int32()
			v.VoterDirectoryID = r.uuid()
			// Name, Host, Port, tag section.
			if ne := r.arrayLen(1 + 1 + 2 + 1); ne > 0 {
				v.Endpoints = make([]VoterEndpoint, ne)
				for j := range v.Endpoints {
					e := &v.Endpoints[j]
					e.Name, e.Host, e.Port, e.UnknownTags = r.compactString(), r.compactString(), r.uint16(), r.tags()
				}
			}
			v.KRaftVersionFeature = KRaftVersionFeature{MinSupportedVersion: r.int16(), MaxSupportedVersion: r.int16(), UnknownTags: r.tags()}
			v.UnknownTags = r.tags()
		}
	}
	m.UnknownTags = r.tags()
	return m, r.done()
}

// flexReader reads the flexible ("compact") encoding of Kafka's data schemas. The
// first failure sticks in err; later reads return zero values.
type flexReader struct {
	b    []byte
	p    int
	err  error
	what string
}

func (r *flexReader) fail(sentinel error, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("records: %s at byte %d: %s: %w", r.what, r.p, fmt.Sprintf(format, args...), sentinel)
	}
}

func (r *flexReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b)-r.p {
		r.fail(ErrTruncated, "%d bytes wanted, %d left", n, len(r.b)-r.p)
		return nil
	}
	s := r.b[r.p : r.p+n : r.p+n]
	r.p += n
	return s
}

func (r *flexReader) int16() int16 {
	if s := r.take(2); s != nil {
		return int16(binary.BigEndian.Uint16(s))
	}
	return 0
}

func (r *flexReader) uint16() uint16 { return uint16(r.int16()) }

func (r *flexReader) int32() int32 {
	if s := r.take(4); s != nil {
		return int32(binary.BigEndian.Uint32(s))
	}
	return 0
}

func (r *flexReader) int64() int64 {
	if s := r.take(8); s != nil {
		return int64(binary.BigEndian.Uint64(s))
	}
	return 0
}

func (r *flexReader) uuid() (u kio.UUID) {
	copy(u[:], r.take(16))
	return u
}

func (r *flexReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.p:])
	if n <= 0 {
		r.fail(ErrMalformed, "bad unsigned varint")
		return 0
	}
	r.p += n
	return v
}

// arrayLen reads a compact array length (N+1) and checks that N elements of at least
// minSize bytes fit in what is left; null (0) is malformed for these schemas.
func (r *flexReader) arrayLen(minSize int) int {
	n := r.uvarint()
	if r.err != nil {
		return 0
	}
	if n == 0 {
		r.fail(ErrMalformed, "null array")
		return 0
	}
	if n-1 > uint64((len(r.b)-r.p)/minSize) {
		r.fail(ErrMalformed, "array of %d elements in %d bytes", n-1, len(r.b)-r.p)
		return 0
	}
	return int(n - 1)
}

func (r *flexReader) compactString() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n == 0 {
		r.fail(ErrMalformed, "null string")
		return ""
	}
	if n-1 > uint64(len(r.b)-r.p) {
		r.fail(ErrMalformed, "string of %d bytes with %d left", n-1, len(r.b)-r.p)
		return ""
	}
	return string(r.take(int(n - 1)))
}

// tags reads a tagged field section; these schemas define no tagged fields, so every
// one is unknown and kept raw.
func (r *flexReader) tags() kio.RawTags {
	n := r.uvarint()
	if r.err != nil || n == 0 {
		return nil
	}
	if n > uint64((len(r.b)-r.p)/2) {
		r.fail(ErrMalformed, "%d tagged fields in %d bytes", n, len(r.b)-r.p)
		return nil
	}
	tags := make(kio.RawTags, 0, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		tag := r.uvarint()
		size := r.uvarint()
		if r.err == nil && size > uint64(len(r.b)-r.p) {
			r.fail(ErrMalformed, "tagged field %d of %d bytes with %d left", tag, size, len(r.b)-r.p)
		}
		if tag > 1<<32-1 {
			r.fail(ErrMalformed, "tag %d", tag)
		}
		data := r.take(int(size))
		if r.err == nil {
			tags = append(tags, kio.RawTag{Tag: uint32(tag), Data: data})
		}
	}
	return tags
}

// done reports the first failure, or bytes left after the value.
func (r *flexReader) done() error {
	if r.err == nil && r.p != len(r.b) {
		r.fail(ErrMalformed, "%d bytes after the value", len(r.b)-r.p)
	}
	return r.err
}

func appendTags(dst []byte, tags kio.RawTags) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(tags)))
	for _, t := range tags {
		dst = binary.AppendUvarint(dst, uint64(t.Tag))
		dst = binary.AppendUvarint(dst, uint64(len(t.Data)))
		dst = append(dst, t.Data...)
	}
	return dst
}
