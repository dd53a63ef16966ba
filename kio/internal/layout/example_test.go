package layout_test

import (
	"fmt"
	"reflect"

	"github.com/kio-go/kafka-protocol/kio/internal/layout"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
)

// A message's layout at one version: marker facts, then its fields in wire order with
// what the version decides for each.
func Example() {
	lt := layout.Of(reflect.TypeFor[metadata.MetadataResponse]())
	fmt.Println(lt.Message.Kind, lt.Message.APIKey, lt.Message.Versions, lt.Message.Flexible)
	v, err := lt.MessageAt(12)
	if err != nil {
		panic(err)
	}
	for _, m := range v.Fields {
		fmt.Printf("%s (%s) %s nullable=%v compact=%v\n", m.Field.Name, m.Field.JSONName, m.KafkaType, m.Nullable, m.Compact)
	}
	fmt.Println("absent:", v.Absent[0].Name, "ignorable:", v.Absent[0].Tag.Ignorable)
	// Output:
	// response 3 0-13 9+
	// ThrottleTimeMs (throttleTimeMs) int32 nullable=false compact=false
	// Brokers (brokers) []MetadataResponseBroker nullable=false compact=true
	// ClusterId (clusterId) string nullable=true compact=true
	// ControllerId (controllerId) int32 nullable=false compact=false
	// Topics (topics) []MetadataResponseTopic nullable=false compact=true
	// absent: ClusterAuthorizedOperations ignorable: false
}
