package kafkajson_test

import (
	"errors"
	"fmt"

	"github.com/kio-go/kafka-protocol/kio/kafkajson"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// A Metadata request in Kafka's JSON form, as the broker's request log prints it, and
// back.
func Example() {
	req := serial.Default[metadata.MetadataRequest]()
	name := common.TopicName("greetings")
	req.Topics = []metadata.MetadataRequestTopic{{Name: &name}}
	js, err := kafkajson.Marshal(&req, 12)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(js))

	var back metadata.MetadataRequest
	if err := kafkajson.Unmarshal(js, &back, 12); err != nil {
		panic(err)
	}
	fmt.Println(*back.Topics[0].Name, back.AllowAutoTopicCreation)

	// A missing mandatory field is an *Error with the JSON path.
	err = kafkajson.Unmarshal([]byte(`{"topics":[{"topicId":"AAAAAAAAAAAAAAAAAAAAAA"}],"allowAutoTopicCreation":true,"includeTopicAuthorizedOperations":false}`), &back, 12)
	var e *kafkajson.Error
	fmt.Println(errors.Is(err, kafkajson.ErrMissing), errors.As(err, &e) && e.Path == "topics[0].name")
	// Output:
	// {"topics":[{"topicId":"AAAAAAAAAAAAAAAAAAAAAA","name":"greetings"}],"allowAutoTopicCreation":true,"includeTopicAuthorizedOperations":false}
	// greetings true
	// true true
}
