package kio_test

import (
	"fmt"

	"github.com/kio-go/kafka-protocol/kio"
)

// A topic id as Kafka prints it (Uuid.toString: URL-safe base64 without padding), and
// the zero UUID, which Kafka uses for "no topic id".
func ExampleUUID() {
	id := kio.UUID{0x5b, 0x2c, 0x8f, 0x01, 0x7e, 0x44, 0x4d, 0x1a, 0x9c, 0x3f, 0xe2, 0x10, 0x6a, 0xbb, 0x0d, 0xff}
	fmt.Println(id, id.IsZero())

	var none kio.UUID
	fmt.Println(none, none.IsZero())
	// Output:
	// WyyPAX5ETRqcP-IQarsN_w false
	// AAAAAAAAAAAAAAAAAAAAAA true
}
