package robustness

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/frame"
	"github.com/kio-go/kafka-protocol/tests/javaoracle"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// The broker's request path on the inputs a lenient or sloppy client may send: each
// request payload goes through the calls Kafka's broker makes (SocketServer's Processor
// calls RequestHeader.parse, RequestChannel.Request calls RequestContext.parseRequest
// and looks no further), and through kio's Framer, strict and BrokerCompatible. A
// proxy or broker on kio must not refuse what Kafka serves: BrokerCompatible must
// accept every request the broker accepts, and re-encode it as Java does.

// requestPayload builds a request payload (header and body, no size prefix).
func requestPayload(key, version int16, headerVersion int, body ...[]byte) []byte {
	p := binary.BigEndian.AppendUint16(nil, uint16(key))
	p = binary.BigEndian.AppendUint16(p, uint16(version))
	p = binary.BigEndian.AppendUint32(p, 7)
	if headerVersion >= 1 {
		p = append(p, 0, 3, 'k', 'i', 'o') // client id, a classic string in every header version
	}
	if headerVersion >= 2 {
		p = append(p, 0) // no tagged fields
	}
	for _, b := range body {
		p = append(p, b...)
	}
	return p
}

// Heartbeat v4 body pieces: GroupId "g", GenerationId 1, MemberId "m", GroupInstanceId null.
var heartbeatV4Fields = []byte{2, 'g', 0, 0, 0, 1, 2, 'm', 0}

type brokerCase struct {
	name    string
	payload []byte
	// What the broker does and what kio's Framer does, strict and BrokerCompatible.
	broker, strict, compatible bool
}

var brokerCases = []brokerCase{
	{"bytes after the body (Heartbeat v4 + 2 bytes)",
		requestPayload(12, 4, 2, heartbeatV4Fields, []byte{0, 0xde, 0xad}), true, false, true},
	{"bool byte 2 (Metadata v12 AllowAutoTopicCreation)",
		requestPayload(3, 12, 2, []byte{1, 2, 0, 0}), true, true, true},
	{"non-minimal varints (Metadata v12: array length 0x81 0x00, tag count 0x80 0x00)",
		requestPayload(3, 12, 2, []byte{0x81, 0x00, 1, 0, 0x80, 0x00}), true, true, true},
	{"6-byte varint (Metadata v12 array length)",
		requestPayload(3, 12, 2, []byte{0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 1, 0, 0}), false, false, false},
	{"length -2 where nullable (Metadata v8 Topics)",
		requestPayload(3, 8, 1, []byte{0xff, 0xff, 0xff, 0xfe, 1, 0, 0}), true, true, true},
	{"length -2 where not nullable (Heartbeat v3 GroupId)",
		requestPayload(12, 3, 1, []byte{0xff, 0xfe, 0, 0, 0, 1, 0, 1, 'm', 0xff, 0xff}), false, false, false},
	{"unknown tags out of order (Heartbeat v4: tag 5, then tag 3)",
		requestPayload(12, 4, 2, heartbeatV4Fields, []byte{2, 5, 1, 1, 3, 0}), true, true, true},
	{"a tag repeated (Heartbeat v4: tag 3 twice)",
		requestPayload(12, 4, 2, heartbeatV4Fields, []byte{2, 3, 1, 1, 3, 1, 2}), true, true, true},
	{"struct null marker -2 (DescribeTopicPartitions v0 Cursor)",
		requestPayload(75, 0, 2, []byte{1, 0, 0, 0, 10, 0xfe, 0}), true, true, true},
	{"unknown version of a known API (Metadata v99)",
		requestPayload(3, 99, 2, []byte{1, 1, 0, 0}), false, false, false},
	// KIP-511: the broker answers an ApiVersions request of a version it does not know
	// with a v0 response listing its versions, without parsing the body. Framer learns
	// this with the KIP-511 work on frame.go; then BrokerCompatible must accept it.
	{"unknown version of ApiVersions (v99; KIP-511)",
		requestPayload(18, 99, 2, []byte{4, 'k', 'i', 'o', 2, '1', 0}), true, false, false},
	{"unknown API key 999",
		requestPayload(999, 0, 1), false, false, false},
}

func TestBrokerRequestPath(t *testing.T) {
	jvm := javaoracle.Start(t, kafkadist.Kafka39)
	var cases []brokerCase
	var payloads [][]byte
	for _, c := range brokerCases {
		if c.payload != nil {
			cases = append(cases, c)
			payloads = append(payloads, c.payload)
		}
	}
	results, err := jvm.BrokerParse(payloads)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for i, c := range cases {
		res := results[i]
		broker := res.Err == ""
		strict := frameVerdict(frame.Framer{}, c.payload)
		compatible := frameVerdict(frame.Framer{BrokerCompatible: true}, c.payload)
		say := func(v verdict) string {
			if v.refused != "" {
				return "refuses (" + v.refused + ")"
			}
			return "accepts"
		}
		brokerSays := "accepts"
		switch {
		case !broker:
			brokerSays = "refuses (" + res.Err + ")"
		case res.Trailing > 0:
			brokerSays = fmt.Sprintf("accepts, ignoring %d bytes", res.Trailing)
		case res.WriteErr != "":
			brokerSays = "accepts (Java cannot write it back: " + res.WriteErr + ")"
		}
		lines = append(lines, fmt.Sprintf("%s: broker %s; kio strict %s, BrokerCompatible %s", c.name, brokerSays, say(strict), say(compatible)))
		if broker != c.broker {
			t.Errorf("%s: the broker's path accepts=%v, the table says %v (%s)", c.name, broker, c.broker, res.Err)
		}
		if (strict.refused == "") != c.strict || (compatible.refused == "") != c.compatible {
			t.Errorf("%s: kio strict %s, BrokerCompatible %s; the table says %v, %v", c.name, say(strict), say(compatible), c.strict, c.compatible)
		}
		// Where both accept, both re-encode the body alike.
		if broker && res.WriteErr == "" && compatible.refused == "" && string(compatible.reencoded) != string(res.Rewritten) {
			t.Errorf("%s: kio re-encodes %s, Java %s", c.name, hex.EncodeToString(compatible.reencoded), hex.EncodeToString(res.Rewritten))
		}
	}
	t.Log("the broker's request path (Kafka " + jvm.Info.Release + "):\n  " + strings.Join(lines, "\n  "))
}
