package serial_test

import (
	"fmt"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// A hand-written message: the marker names its versions and flexible versions; fields
// say in which versions they exist, which are nullable, tagged or defaulted.
type PingRequest struct {
	_           struct{}    `kafka:"request,apiKey=1000,versions=0-2,flexible=2+"`
	Name        string      `kafka:"type=string,versions=0+"`
	Payload     []byte      `kafka:"type=bytes,versions=1+,nullable=1+"`
	TimeoutMs   int32       `kafka:"type=int32,versions=0+,default=30000"`
	Trace       *string     `kafka:"type=string,versions=2+,nullable=2+,default=null,tag=0,tagged=2+"`
	UnknownTags kio.RawTags `kafka:"unknownTags"`
}

func Example() {
	// Spec defaults, not Go's zero values: TimeoutMs is 30000 and Payload, nullable
	// but without a null default, is empty rather than nil.
	req := serial.Default[PingRequest]()
	req.Name = "hi"

	for _, version := range []int16{0, 2} {
		if version == 2 {
			trace := "t1" // Trace exists from v2 on, as a tagged field
			req.Trace = &trace
		}
		wire, err := serial.Marshal(&req, version)
		if err != nil {
			panic(err)
		}
		var back PingRequest
		if err := serial.Unmarshal(wire, &back, version); err != nil {
			panic(err)
		}
		fmt.Printf("v%d % x\n", version, wire)
		fmt.Printf("   name=%s timeout=%d trace=%v\n", back.Name, back.TimeoutMs, back.Trace != nil)
	}

	// Payload does not exist at v0: encoding a value there would lose it.
	req.Trace = nil
	req.Payload = []byte("data")
	_, err := serial.Marshal(&req, 0)
	fmt.Println(err)
	// Output:
	// v0 00 02 68 69 00 00 75 30
	//    name=hi timeout=30000 trace=false
	// v2 03 68 69 01 00 00 75 30 01 00 03 03 74 31
	//    name=hi timeout=30000 trace=true
	// serial: encode serial_test.PingRequest v0 field Payload: unsupported version: field Payload has a value but does not exist at version 0
}
