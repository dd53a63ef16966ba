package serial_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

func TestCheckAcceptsGeneratedMessages(t *testing.T) {
	for _, v := range []any{metadata.MetadataRequest{}, &metadata.MetadataResponse{}, reflect.TypeFor[metadata.MetadataResponse]()} {
		if err := serial.Check(v); err != nil {
			t.Errorf("Check(%T): %v", v, err)
		}
	}
}

func TestCheckRefusesAMarkerThatIsNotFirst(t *testing.T) {
	type late struct {
		A int32    `kafka:"type=int32"`
		_ struct{} `kafka:"request,apiKey=1,versions=0-3,flexible=2+"`
	}
	err := serial.Check(late{})
	var se *serial.SchemaError
	if !errors.Is(err, serial.ErrSchema) || !errors.As(err, &se) || !strings.Contains(err.Error(), "first field") {
		t.Fatalf("Check = %v, want ErrSchema about the marker's place", err)
	}
	if _, err := serial.Marshal(late{}, 0); !errors.Is(err, serial.ErrSchema) {
		t.Fatalf("Marshal = %v, want ErrSchema", err)
	}
}

func TestCheckRefusesABadFieldAtSomeVersion(t *testing.T) {
	type bad struct {
		_ struct{} `kafka:"request,apiKey=1,versions=0-3"`
		A string   `kafka:"type=int32"`
	}
	if err := serial.Check(&bad{}); !errors.Is(err, serial.ErrSchema) {
		t.Fatalf("Check = %v, want ErrSchema", err)
	}
	if err := serial.Check(3); !errors.Is(err, serial.ErrSchema) {
		t.Fatalf("Check(3) = %v, want ErrSchema", err)
	}
}

// Broken types, one per mistake the codec must refuse before any message is encoded.
type (
	unknownKey struct {
		_ struct{} `kafka:"request,apiKey=1,versions=0-3"`
		A int32    `kafka:"type=int32,nullabel=1+"`
	}
	badDefault struct {
		_ struct{} `kafka:"request,apiKey=1,versions=0-3"`
		A int16    `kafka:"type=int16,default=70000"`
	}
	taggedTooEarly struct {
		_ struct{} `kafka:"request,apiKey=1,versions=0-3,flexible=2+"`
		A int32    `kafka:"type=int32"`
		B int32    `kafka:"type=int32,versions=1+,tag=0,tagged=1+"`
	}
	wrongGoType struct {
		_ struct{} `kafka:"request,apiKey=1,versions=0-3"`
		A int64    `kafka:"type=int32"`
	}
	markerNotFirst struct {
		A int32    `kafka:"type=int32"`
		_ struct{} `kafka:"request,apiKey=1,versions=0-3,flexible=2+"`
	}
	brokenChild struct {
		Bad int32 `kafka:"type=string"`
	}
	nestedBroken struct {
		_     struct{} `kafka:"request,apiKey=1,versions=0-3"`
		Child brokenChild
	}
)

// Every mistake is an ErrSchema naming the struct and the field, from Check and from
// every entry point, at any version: the tagged field below is wrong at version 1 only,
// and is refused at version 3 too.
func TestEveryEntryPointRefusesABrokenType(t *testing.T) {
	cases := []struct {
		v      any // a pointer to a zero value of the broken type
		st     reflect.Type
		field  string
		reason string
	}{
		{&unknownKey{}, reflect.TypeFor[unknownKey](), "A", "unknown field key"},
		{&badDefault{}, reflect.TypeFor[badDefault](), "A", "default"},
		{&taggedTooEarly{}, reflect.TypeFor[taggedTooEarly](), "B", "tagged at version 1"},
		{&wrongGoType{}, reflect.TypeFor[wrongGoType](), "A", "does not fit"},
		{&markerNotFirst{}, reflect.TypeFor[markerNotFirst](), "_", "first field"},
		{&nestedBroken{}, reflect.TypeFor[brokenChild](), "Bad", "does not fit"},
	}
	for _, c := range cases {
		entryPoints := map[string]func() error{
			"Check": func() error { return serial.Check(c.v) },
			"Marshal": func() error {
				_, err := serial.Marshal(c.v, 3)
				return err
			},
			"Append": func() error {
				_, err := serial.Append(nil, c.v, 3)
				return err
			},
			"Unmarshal": func() error { return serial.Unmarshal([]byte{0, 0, 0, 0}, c.v, 3) },
			"UnmarshalPrefix": func() error {
				_, err := serial.UnmarshalPrefix([]byte{0, 0, 0, 0}, c.v, 3)
				return err
			},
			"Encode":      func() error { return serial.Encode(io.Discard, c.v, 3) },
			"Decode":      func() error { return serial.Decode(bytes.NewReader([]byte{0, 0, 0, 0}), c.v, 3) },
			"SetDefaults": func() error { return serial.SetDefaults(c.v) },
		}
		for name, call := range entryPoints {
			for range 2 { // the second call finds the type cached
				err := call()
				var se *serial.SchemaError
				if !errors.Is(err, serial.ErrSchema) || !errors.As(err, &se) {
					t.Errorf("%s(%T) = %v, want ErrSchema", name, c.v, err)
					continue
				}
				if se.Struct != c.st || se.Field != c.field || !strings.Contains(err.Error(), c.reason) {
					t.Errorf("%s(%T) = %v: names %v.%s, want %v.%s about %q", name, c.v, err, se.Struct, se.Field, c.st, c.field, c.reason)
				}
			}
		}
	}
}

// Default panics with the error for a type it cannot fill, as regexp.MustCompile does
// for a bad pattern, rather than returning a zero value that hides the mistake.
func TestDefaultPanicsOnABrokenType(t *testing.T) {
	defer func() {
		err, _ := recover().(error)
		if !errors.Is(err, serial.ErrSchema) || !strings.Contains(err.Error(), "badDefault.A") {
			t.Fatalf("Default panicked with %v, want the ErrSchema naming badDefault.A", err)
		}
	}()
	serial.Default[badDefault]()
	t.Fatal("Default of a broken type returned")
}

func TestDefaultOfAGoodType(t *testing.T) {
	if m := serial.Default[metadata.MetadataRequest](); !m.AllowAutoTopicCreation {
		t.Fatalf("Default[MetadataRequest] = %+v, want AllowAutoTopicCreation", m)
	}
}
