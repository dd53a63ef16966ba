package schema_test

import (
	"bytes"
	"fmt"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
)

// A proxy reads a raw frame, decodes it from its header alone, re-encodes it and
// compares.
func ExampleFramer_ParseRequest() {
	var f schema.Framer
	var conn bytes.Buffer // stands for a client connection
	_ = f.WriteRequest(&conn, &schema.Request{
		Header: requestheader.RequestHeader{RequestApiKey: 18, RequestApiVersion: 3, CorrelationId: 1, ClientId: ptr("demo")},
		Body:   &apiversions.ApiVersionsRequest{ClientSoftwareName: "kio", ClientSoftwareVersion: "0.1"},
	})

	frame, err := f.ReadFrame(&conn)
	if err != nil {
		panic(err)
	}
	req, err := f.ParseRequest(frame)
	if err != nil {
		panic(err)
	}
	api, _ := schema.Lookup(req.Header.RequestApiKey)
	again, _ := f.AppendRequest(nil, req)
	fmt.Printf("%s v%d, request header v%d, response header v%d\n", api, req.Header.RequestApiVersion,
		api.RequestHeaderVersion(req.Header.RequestApiVersion), api.ResponseHeaderVersion(req.Header.RequestApiVersion))
	fmt.Println(req.Body.(*apiversions.ApiVersionsRequest).ClientSoftwareName, bytes.Equal(frame, again))
	// Output:
	// ApiVersions(18) v3, request header v2, response header v0
	// kio true
}
