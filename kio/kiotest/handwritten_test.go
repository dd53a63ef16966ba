package kiotest_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/leanovate/gopter"

	"github.com/kio-go/kafka-protocol/internal/testenv"
	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/kiotest"
)

// Hand-written tagged structs, each covering part of what the codec must round-trip;
// together they use every Kafka type, both encodings and every
// kind of optional field.

// classicPrimitives is a classic (non-flexible) message with every primitive type.
type classicPrimitives struct {
	_              struct{}       `kafka:"versions=0-3"`
	Bool           bool           `kafka:"default=true"`
	Int8           int8           `kafka:"default=-1"`
	Int16          int16          `kafka:"default=-1"`
	Int32          int32          `kafka:"default=0x7fffffff"`
	Int64          int64          `kafka:"default=-1"`
	Uint16         uint16         `kafka:"default=0xffff"`
	Uint32         uint32         `kafka:"default=0"`
	Float64        float64        `kafka:"default=0.5"`
	UUID           kio.UUID       `kafka:"type=uuid"`
	String         string         `kafka:"default='a,b'"`
	NullableString *string        `kafka:"nullable=1+,default=null"`
	Bytes          []byte         `kafka:"type=bytes"`
	NullableBytes  []byte         `kafka:"type=bytes,nullable=0+,default=null"`
	Records        []byte         `kafka:"type=records,nullable=0+"`
	Int32s         []int32        `kafka:"type=[]int32"`
	Strings        []string       `kafka:"nullable=3"`
	UUIDs          []kio.UUID     `kafka:"type=[]uuid"`
	Int64s         []int64        `kafka:"versions=2+"`
	OldOnly        int32          `kafka:"versions=0-1,default=0x7fffffff"`
	Children       []classicChild `kafka:"type=[]classicChild"`
	Child          classicChild   `kafka:"versions=1+"`
}

type classicChild struct {
	Name   string
	Note   *string `kafka:"nullable=0+,default=null"`
	Values []int16 `kafka:"versions=2+"`
}

// flexibleMessage is flexible from v2: compact lengths, tagged fields (struct, string,
// int, array, uuid, bytes, bool) at the top and nested, nullable struct pointers and
// unknown tags.
type flexibleMessage struct {
	_           struct{}        `kafka:"request,apiKey=1000,versions=0-4,flexible=2+"`
	ID          int32           `kafka:"default=-1"`
	Name        string          `kafka:"type=string"`
	Maybe       *string         `kafka:"nullable=0+"`
	Data        []byte          `kafka:"nullable=3+"`
	Items       []flexibleItem  `kafka:"type=[]flexibleItem"`
	MaybeItems  []flexibleItem  `kafka:"versions=1+,nullable=3+"`
	Optional    *flexibleItem   `kafka:"versions=1+,nullable=1+,default=null"`
	Leader      flexibleLeader  `kafka:"versions=2+,tag=0,tagged=2+"`
	ClusterID   *string         `kafka:"versions=2+,nullable=2+,default=null,tag=1,tagged=2+"`
	Epoch       int32           `kafka:"versions=2+,tag=2,tagged=2+,default=-1"`
	Topic       kio.UUID        `kafka:"versions=3+,tag=3,tagged=3+"`
	Blob        []byte          `kafka:"versions=4+,tag=4,tagged=4+,nullable=4+,default=null"`
	Replicas    []int32         `kafka:"versions=3+,tag=5,tagged=3+"`
	Ready       bool            `kafka:"versions=2+,tag=6,tagged=2+"`
	Voters      []flexibleVoter `kafka:"versions=4+,tag=7,tagged=4+"`
	UnknownTags kio.RawTags     `kafka:"unknownTags"`
}

type flexibleItem struct {
	Name        string
	Partitions  []int32
	Err         *string     `kafka:"versions=2+,nullable=2+,tag=0,tagged=2+,default=null"`
	Weight      float64     `kafka:"versions=3+"`
	UnknownTags kio.RawTags `kafka:"unknownTags"`
}

type flexibleLeader struct {
	LeaderID    int32       `kafka:"default=-1"`
	Epoch       int32       `kafka:"default=-1"`
	UnknownTags kio.RawTags `kafka:"unknownTags"`
}

type flexibleVoter struct {
	ID          int32
	Directory   kio.UUID
	Host        *string     `kafka:"nullable=0+"`
	UnknownTags kio.RawTags `kafka:"unknownTags"`
}

// headerLike mimics RequestHeader: flexible from v2, but its ClientID keeps the classic
// string encoding in every version (field-level flexible=none).
type headerLike struct {
	_             struct{}    `kafka:"header,versions=0-2,flexible=2+"`
	APIKey        int16       `kafka:"type=int16"`
	APIVersion    int16       `kafka:"type=int16"`
	CorrelationID int32       `kafka:"type=int32"`
	ClientID      *string     `kafka:"versions=1+,nullable=1+,flexible=none"`
	Tags          []string    `kafka:"versions=1+,flexible=none"`
	UnknownTags   kio.RawTags `kafka:"unknownTags"`
}

// unmarked has no marker: every version is valid and classic.
type unmarked struct {
	A     int32
	Chain *unmarkedLink `kafka:"nullable=0+"`
}

// unmarkedLink nests itself through a nullable pointer and an array.
type unmarkedLink struct {
	Next  *unmarkedLink  `kafka:"nullable=0+"`
	Links []unmarkedLink `kafka:"type=[]unmarkedLink"`
	Value int16
}

// TestHandWrittenRoundTrip runs the round-trip property over the structs above at
// every version they define, and requires every nullable, tagged, unknownTags and
// array field to have been generated in each of its states.
func TestHandWrittenRoundTrip(t *testing.T) {
	cov := kiotest.NewCoverage()
	cases := []struct {
		t        reflect.Type
		from, to int16
	}{
		{reflect.TypeOf(classicPrimitives{}), 0, 3},
		{reflect.TypeOf(flexibleMessage{}), 0, 4},
		{reflect.TypeOf(headerLike{}), 0, 2},
		{reflect.TypeOf(unmarked{}), 0, 2},
	}
	props := gopter.NewProperties(kiotest.Parameters(1000))
	versions := 0
	for _, c := range cases {
		for v := c.from; v <= c.to; v++ {
			props.Property(fmt.Sprintf("%v v%d", c.t, v), kiotest.RoundTripPropOf(c.t, v, kiotest.WithCoverage(cov)))
			versions++
		}
	}
	props.TestingRun(t) // gopter reports a failure with its shrunk value and the seed
	t.Logf("%d type versions, %d values each", versions, kiotest.Cases(1000))
	testenv.Report(t, "coverage: "+cov.Summary())
	for _, f := range cov.Missing() {
		t.Errorf("never generated %v: %v", f.Missing(), f)
	}
}
