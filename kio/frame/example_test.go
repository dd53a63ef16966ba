package frame_test

import (
	"bytes"
	"fmt"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/apiversions"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/schema/responseheader"
)

// A proxy reads a raw frame, decodes it from its header alone, re-encodes it and
// compares.
func ExampleFramer_ParseRequest() {
	var f frame.Framer
	var conn bytes.Buffer // stands for a client connection
	_ = f.WriteRequest(&conn, &frame.Request{
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

// A proxy forwards request frames to a broker and the broker's answers back. The
// answers carry only a correlation id, so it remembers each request's API key and
// version on the way out to decode the answer on the way back.
func ExampleInFlight() {
	var (
		f        frame.Framer
		inFlight frame.InFlight
	)
	// A client's request, as the proxy reads it off the wire.
	req, _ := frame.NewRequest(&metadata.MetadataRequest{}, 12, 7, ptr("demo"))
	reqFrame, _ := f.AppendRequest(nil, req)

	key, version, id, _ := frame.PeekRequest(reqFrame)
	if err := inFlight.Add(id, key, version); err != nil {
		panic(err)
	}
	// The broker's answer.
	respFrame, _ := f.AppendResponse(nil, key, version, &frame.Response{
		Header: responseheader.ResponseHeader{CorrelationId: id},
		Body:   &metadata.MetadataResponse{ClusterId: ptr("kio-cluster")},
	})

	resp, err := inFlight.ParseResponse(f, respFrame)
	if err != nil {
		panic(err)
	}
	fmt.Println(*resp.Body.(*metadata.MetadataResponse).ClusterId, inFlight.Len())
	// Output:
	// kio-cluster 0
}
