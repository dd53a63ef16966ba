package kafkadist

import (
	"strconv"

	"github.com/kio-go/kafka-protocol/kio/tags"
)

// Kind says what a message is, numbered as the Java oracles of tests/java (the message
// oracle and the JSON oracle) number it in their requests: a request or response by API
// key, a header or a data schema by name.
type Kind byte

// The kinds of message.
const (
	Request  Kind = 0
	Response Kind = 1
	Header   Kind = 2 // RequestHeader or ResponseHeader, by name
	Data     Kind = 3 // a data schema, by class name (LeaderChangeMessage)
)

// String returns the kind's name.
func (k Kind) String() string {
	if k > Data {
		return "kind(" + strconv.Itoa(int(k)) + ")"
	}
	return [...]string{"request", "response", "header", "data"}[k]
}

// KindOf is the Java oracles' number for a kio message's kind (schema.Message.Kind):
// what is not a request, response or header is a data schema.
func KindOf(k tags.Kind) Kind {
	switch k {
	case tags.Request:
		return Request
	case tags.Response:
		return Response
	case tags.Header:
		return Header
	default:
		return Data
	}
}
