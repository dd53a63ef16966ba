package kiotest

import (
	"errors"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// ping is a small flexible message for RoundTrip's cases.
type ping struct {
	_           struct{}    `kafka:"request,apiKey=1000,versions=0-2,flexible=2+"`
	Name        string      `kafka:"versions=0+"`
	Host        *string     `kafka:"versions=0+,nullable=1+"`
	Payload     []byte      `kafka:"versions=1+"`
	Trace       *string     `kafka:"versions=2+,nullable=2+,default=null,tag=0,tagged=2+"`
	Items       []int32     `kafka:"versions=0+"`
	Ratio       float64     `kafka:"versions=0+"`
	UnknownTags kio.RawTags `kafka:"unknownTags"`
}

func TestRoundTripPassesValidValues(t *testing.T) {
	host, trace := "h", "t"
	v := ping{Name: "a", Host: &host, Payload: []byte{1}, Trace: &trace, Items: []int32{1, 2}, UnknownTags: kio.RawTags{9: {7}}}
	if err := RoundTrip(v, 2); err != nil {
		t.Errorf("value: %v", err)
	}
	if err := RoundTrip(&v, 2); err != nil {
		t.Errorf("pointer: %v", err)
	}
}

func TestRoundTripFailsWhatTheCodecRefuses(t *testing.T) {
	host := "h"
	valid := ping{Host: &host, Payload: []byte{}, Items: []int32{}}
	cases := []struct {
		name    string
		v       any
		version int16
		want    error
	}{
		{"null where not nullable", ping{Payload: []byte{}, Items: []int32{}}, 0, serial.ErrNull},
		{"a value in a field absent at the version", ping{Host: &host, Payload: []byte{1}, Items: []int32{}}, 0, serial.ErrVersion},
		{"an unknown tag that is a known field", ping{Host: &host, Payload: []byte{}, Items: []int32{}, UnknownTags: kio.RawTags{0: {0}}}, 2, serial.ErrTag},
		{"a version outside the marker's", valid, 3, serial.ErrVersion},
		{"a struct the codec refuses", uuidDefault{}, 0, serial.ErrSchema},
		{"not a struct", 7, 0, serial.ErrSchema},
	}
	for _, c := range cases {
		err := RoundTrip(c.v, c.version)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: RoundTrip error %v, want one wrapping %v", c.name, err, c.want)
		}
		var se *serial.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: %v is not the codec's *serial.Error", c.name, err)
		}
	}
}

func TestRoundTripReportsWhatChanged(t *testing.T) {
	host := "h"
	cases := []struct {
		name string
		v    ping
		want string
	}{
		// The codec writes a nil non-nullable array as empty, and reads it back empty.
		{"nil array", ping{Host: &host, Payload: []byte{}}, "Items"},
		// NaN encodes and decodes, but never equals itself.
		{"NaN", ping{Host: &host, Payload: []byte{}, Items: []int32{}, Ratio: nan()}, "Ratio"},
	}
	for _, c := range cases {
		err := RoundTrip(c.v, 1)
		if err == nil || !strings.Contains(err.Error(), "decoded value differs") || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "bytes: ") {
			t.Errorf("%s: RoundTrip error %v, want a diff naming %s and the bytes", c.name, err, c.want)
		}
	}
	if err := RoundTrip((*ping)(nil), 0); err == nil {
		t.Error("RoundTrip of a nil pointer passed")
	}
	if err := RoundTrip(nil, 0); err == nil {
		t.Error("RoundTrip of nil passed")
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}

func TestRoundTripProp(t *testing.T) {
	params := Parameters(50)
	if res := RoundTripProp[ping](2).Check(params); !res.Passed() || res.Succeeded != params.MinSuccessfulTests {
		t.Errorf("ping v2: %v after %d cases", res.Status, res.Succeeded)
	}
	// A type the codec refuses: the property fails with the codec's error.
	res := RoundTripProp[uuidDefault](0).Check(Parameters(50))
	if want := serial.Check(uuidDefault{}); res.Passed() || res.Error == nil || res.Error.Error() != want.Error() {
		t.Errorf("uuidDefault: %v, error %v; want the codec's %v", res.Status, res.Error, want)
	}
	// A property that fails is labelled with RoundTrip's error.
	res = RoundTripProp[ping](3).Check(Parameters(50))
	if res.Passed() || res.Error == nil || !errors.Is(res.Error, serial.ErrVersion) {
		t.Errorf("ping v3: %v, error %v", res.Status, res.Error)
	}
}
