package schema_test

import (
	"fmt"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// A server that knows only an API key and a version (from a request header) finds the
// API, checks the version, makes an empty body to decode into, and says which Kafka
// releases serve the version.
func ExampleLookup() {
	api, ok := schema.Lookup(0)
	if !ok {
		panic("no API 0")
	}
	fmt.Println(api, "versions", api.Versions, "flexible", api.Flexible)
	fmt.Println("v2 header versions:", api.RequestHeaderVersion(2), api.ResponseHeaderVersion(2))
	fmt.Println("v9 header versions:", api.RequestHeaderVersion(9), api.ResponseHeaderVersion(9))
	for _, r := range api.Releases() {
		fmt.Printf("Kafka %s defines v%s, v2: %v\n", r.Release, r.Versions, r.Versions.Contains(2))
	}

	body := api.NewRequestBody() // *produce.ProduceRequest, to decode into
	wire, err := serial.Marshal(body, 3)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%T, an empty v3 body: % x\n", body, wire)

	_, ok = schema.Lookup(1000)
	fmt.Println("key 1000:", ok)
	// Output:
	// Produce(0) versions 0-13 flexible 9+
	// v2 header versions: 1 0
	// v9 header versions: 2 1
	// Kafka 3.9.2 defines v0-11, v2: true
	// Kafka 4.4.0 defines v3-13, v2: false
	// *produce.ProduceRequest, an empty v3 body: ff ff 00 00 00 00 00 00 00 00 00 00
	// key 1000: false
}
