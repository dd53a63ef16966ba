package proxy

import (
	"encoding/binary"

	"github.com/kio-go/kafka-protocol/kio/schema/fetch"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
)

// Produce (v10+) and Fetch (v16+) responses may carry new leaders' endpoints
// (KIP-951) in a top-level tagged field, NodeEndpoints (tag 0), which Kafka sets only
// when a partition has moved: almost every response has none. Decoding each response
// to find that out costs the pass-through path allocations on every batch, so the
// relay first skims the frame: a walk over its fields that allocates nothing and
// reports whether the frame is whole and well formed and its top-level tagged fields
// hold no tag 0. Anything else (a tag 0, a short or long frame, a version it does not
// know) is decided by the full decode, as before.

// skimmer walks a frame, sticky on the first overrun (kbin's style).
type skimmer struct {
	b   []byte
	bad bool
}

func (s *skimmer) skip(n uint64) {
	if s.bad || n > uint64(len(s.b)) {
		s.bad = true
		return
	}
	s.b = s.b[n:]
}

func (s *skimmer) uvarint() uint64 {
	if s.bad {
		return 0
	}
	v, n := binary.Uvarint(s.b)
	if n <= 0 {
		s.bad = true
		return 0
	}
	s.b = s.b[n:]
	return v
}

// compact skips a compact string or bytes (length+1, 0 for null, refused unless
// nullable).
func (s *skimmer) compact(nullable bool) {
	n := s.uvarint()
	if n == 0 {
		s.bad = s.bad || !nullable
		return
	}
	s.skip(n - 1)
}

// count reads a compact array's length (length+1, 0 for null, refused unless nullable). A count larger than
// the bytes left cannot be whole (every element takes a byte at least), and saying so
// bounds the loops by the frame.
func (s *skimmer) count(nullable bool) uint64 {
	n := s.uvarint()
	if n == 0 {
		s.bad = s.bad || !nullable
		return 0
	}
	if n-1 > uint64(len(s.b)) {
		s.bad = true
		return 0
	}
	return n - 1
}

// tags skips a tagged-field section (a plain count, then tag, size and data each) and
// reports whether it holds tag 0. Tags must ascend, as Kafka writes them; known is the
// fixed size of a known tagged struct's fields by tag (its own tagged section follows
// them), checked so the skim passes no field the decode would refuse.
func (s *skimmer) tags(known map[uint64]uint64) (tag0 bool) {
	n := s.uvarint()
	if n > uint64(len(s.b)) {
		s.bad = true
		return false
	}
	prev := -1
	for ; n > 0 && !s.bad; n-- {
		tag := s.uvarint()
		size := s.uvarint()
		if s.bad || int64(tag) <= int64(prev) || tag > 1<<30 || size > uint64(len(s.b)) {
			s.bad = true
			return false
		}
		prev = int(tag)
		if tag == 0 {
			tag0 = true
		}
		if fixed, ok := known[tag]; ok {
			in := skimmer{b: s.b[:size]}
			in.skip(fixed)
			in.tags(nil)
			if in.bad || len(in.b) != 0 {
				s.bad = true
				return false
			}
		}
		s.skip(size)
	}
	return tag0
}

var (
	// produceLeaderTag is a Produce partition's CurrentLeader (LeaderId, LeaderEpoch).
	produceLeaderTag = map[uint64]uint64{0: 4 + 4}
	// fetchPartitionTags are a Fetch partition's DivergingEpoch (Epoch, EndOffset),
	// CurrentLeader (LeaderId, LeaderEpoch) and SnapshotId (EndOffset, Epoch).
	fetchPartitionTags = map[uint64]uint64{0: 4 + 8, 1: 4 + 4, 2: 8 + 4}
)

// noEndpoints reports whether a response frame of the API at the version is proved
// to carry no NodeEndpoints (see above); false means "decode it".
func noEndpoints(key, version int16, raw []byte) bool {
	s := skimmer{b: raw}
	s.skip(8)   // size, correlation id
	s.tags(nil) // the flexible response header's tagged fields
	switch {
	case key == produce.APIKey && version >= 10 && version <= 13:
		for t := s.count(false); t > 0 && !s.bad; t-- {
			if version >= 13 {
				s.skip(16) // TopicId
			} else {
				s.compact(false) // Name
			}
			for p := s.count(false); p > 0 && !s.bad; p-- {
				s.skip(4 + 2 + 8 + 8 + 8) // Index, ErrorCode, BaseOffset, LogAppendTimeMs, LogStartOffset
				for e := s.count(false); e > 0 && !s.bad; e-- {
					s.skip(4)       // BatchIndex
					s.compact(true) // BatchIndexErrorMessage
					s.tags(nil)
				}
				s.compact(true)          // ErrorMessage
				s.tags(produceLeaderTag) // CurrentLeader is tag 0 here: not an endpoint
			}
			s.tags(nil)
		}
		s.skip(4) // ThrottleTimeMs
	case key == fetch.APIKey && version >= 16 && version <= fetchLayoutHi:
		s.skip(4 + 2 + 4) // ThrottleTimeMs, ErrorCode, SessionId
		for t := s.count(false); t > 0 && !s.bad; t-- {
			s.skip(16) // TopicId
			for p := s.count(false); p > 0 && !s.bad; p-- {
				s.skip(4 + 2 + 8 + 8 + 8) // PartitionIndex, ErrorCode, HighWatermark, LastStableOffset, LogStartOffset
				for a := s.count(true); a > 0 && !s.bad; a-- {
					s.skip(8 + 8) // ProducerId, FirstOffset
					s.tags(nil)
				}
				s.skip(4)       // PreferredReadReplica
				s.compact(true) // Records
				s.tags(fetchPartitionTags)
			}
			s.tags(nil)
		}
	default:
		return false
	}
	tag0 := s.tags(nil)
	return !s.bad && !tag0 && len(s.b) == 0
}
