package kafkajson_test

import (
	"errors"
	"testing"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/kafkajson"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// Greeting is the README's hand-written message.
type Greeting struct {
	_           struct{}    `kafka:"request,apiKey=1000,versions=0-2,flexible=2+"`
	Name        string      `kafka:"versions=0+"`
	Nickname    *string     `kafka:"versions=1+,nullable=1+"`
	Languages   []string    `kafka:"versions=0+"`
	TimeoutMs   int32       `kafka:"versions=0+,default=30000"`
	Trace       *string     `kafka:"versions=2+,nullable=2+,default=null,tag=0,tagged=2+"`
	UnknownTags kio.RawTags `kafka:"unknownTags"`
}

type badTag struct {
	N int32 `kafka:"versions=zero"`
}

// TestHandWritten: a struct of one's own gets the same form: names from its fields,
// only the fields of the version, the tagged field only when set, unknown tags in the
// lossless form.
func TestHandWritten(t *testing.T) {
	g := serial.Default[Greeting]()
	g.Name, g.Languages = "kio", []string{"go"}
	cases := []struct {
		version int16
		opts    kafkajson.Options
		trace   *string
		want    string
	}{
		{0, kafkajson.Options{}, nil, `{"name":"kio","languages":["go"],"timeoutMs":30000}`},
		{1, kafkajson.Options{}, nil, `{"name":"kio","nickname":"","languages":["go"],"timeoutMs":30000}`},
		{2, kafkajson.Options{}, nil, `{"name":"kio","nickname":"","languages":["go"],"timeoutMs":30000}`},
		{2, kafkajson.Options{}, ptr("t-1"), `{"name":"kio","nickname":"","languages":["go"],"timeoutMs":30000,"trace":"t-1"}`},
		{2, kafkajson.Lossless, ptr("t-1"), `{"name":"kio","nickname":"","languages":["go"],"timeoutMs":30000,"trace":"t-1","_unknownTaggedFields":{"7":"AQI="}}`},
	}
	for _, c := range cases {
		v := g
		v.Trace = c.trace
		v.UnknownTags = kio.RawTags{7: {1, 2}}
		js, err := c.opts.Marshal(&v, c.version)
		if err != nil || string(js) != c.want {
			t.Errorf("v%d %+v: %s %v\nwant %s", c.version, c.opts, js, err, c.want)
			continue
		}
		var back Greeting
		if err := kafkajson.Unmarshal(js, &back, c.version); err != nil {
			t.Errorf("v%d: %v", c.version, err)
			continue
		}
		a, _ := serial.Marshal(&back, c.version)
		w := v
		if c.opts != kafkajson.Lossless {
			w.UnknownTags = nil
		}
		b, _ := serial.Marshal(&w, c.version)
		if string(a) != string(b) {
			t.Errorf("v%d: read back to %x, want %x", c.version, a, b)
		}
	}
	if _, err := kafkajson.Marshal(&badTag{}, 0); !errors.Is(err, kafkajson.ErrSchema) {
		t.Errorf("a bad tag: %v", err)
	}
	if err := kafkajson.Unmarshal([]byte(`{}`), &badTag{}, 0); !errors.Is(err, kafkajson.ErrSchema) {
		t.Errorf("a bad tag, reading: %v", err)
	}
}

func ptr(s string) *string { return &s }
