package serial_test

import (
	"errors"
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
