package kafkajson_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/kafkajson"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/produce"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// TestReadErrors: what the converters' read refuses, kio refuses with the same class
// of error, the JSON path and the offset in the input.
func TestReadErrors(t *testing.T) {
	const tail = `,"allowAutoTopicCreation":true,"includeTopicAuthorizedOperations":false}`
	cases := []struct {
		name    string
		version int16
		json    string
		want    error
		path    string
	}{
		{"not JSON", 12, `{"topics":[`, kafkajson.ErrSyntax, "topics"},
		{"data after the message", 12, `{"topics":null` + tail + ` {}`, kafkajson.ErrSyntax, ""},
		{"not an object", 12, `[]`, kafkajson.ErrType, ""},
		{"array is a string", 12, `{"topics":"all"` + tail, kafkajson.ErrType, "topics"},
		{"null where v0 has none", 0, `{"topics":null}`, kafkajson.ErrNull, "topics"},
		{"missing mandatory field", 12, `{"allowAutoTopicCreation":true,"includeTopicAuthorizedOperations":false}`, kafkajson.ErrMissing, "topics"},
		{"missing nested field", 12, `{"topics":[{"topicId":"AAAAAAAAAAAAAAAAAAAAAA"}]` + tail, kafkajson.ErrMissing, "topics[0].name"},
		{"bool is a number", 12, `{"topics":null,"allowAutoTopicCreation":1,"includeTopicAuthorizedOperations":false}`, kafkajson.ErrType, "allowAutoTopicCreation"},
		{"uuid too short", 12, `{"topics":[{"topicId":"AAAA","name":"x"}]` + tail, kafkajson.ErrRange, "topics[0].topicId"},
		{"uuid is a number", 12, `{"topics":[{"topicId":7,"name":"x"}]` + tail, kafkajson.ErrType, "topics[0].topicId"},
		{"string is a number", 12, `{"topics":[{"topicId":"AAAAAAAAAAAAAAAAAAAAAA","name":5}]` + tail, kafkajson.ErrType, "topics[0].name"},
	}
	for _, c := range cases {
		var m metadata.MetadataRequest
		err := kafkajson.Unmarshal([]byte(c.json), &m, c.version)
		var e *kafkajson.Error
		if !errors.Is(err, c.want) || !errors.As(err, &e) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
			continue
		}
		if e.Path != c.path || e.Offset < 0 || e.Offset > int64(len(c.json)) || e.Op != "unmarshal" || e.Version != c.version {
			t.Errorf("%s: %+v: want path %q and an offset in the input", c.name, e, c.path)
		}
	}
	numbers := []struct {
		json string
		want error
	}{
		{`2147483648`, kafkajson.ErrRange}, // int32 overflow
		{`1.0`, kafkajson.ErrType},         // Jackson reads 1.0 as a double: not an int
		{`"5"`, kafkajson.ErrType},         // jsonNodeToInt refuses text
		{`null`, kafkajson.ErrType},
		{`-2147483648`, nil},
	}
	for _, n := range numbers {
		var m metadata.MetadataResponse
		js := `{"throttleTimeMs":` + n.json + `,"brokers":[],"clusterId":null,"controllerId":1,"topics":[],"clusterAuthorizedOperations":0}`
		err := kafkajson.Unmarshal([]byte(js), &m, 10)
		if !errors.Is(err, n.want) || (n.want == nil) != (err == nil) {
			t.Errorf("throttleTimeMs %s: got %v, want %v", n.json, err, n.want)
		}
		if err != nil && !strings.Contains(err.Error(), "throttleTimeMs") {
			t.Errorf("throttleTimeMs %s: %v does not name the field", n.json, err)
		}
	}
}

// TestReadAcceptsWhatConvertersAccept: members in any order, unknown members
// ignored, the last of a repeated member, a missing tagged field at its default.
func TestReadAcceptsWhatConvertersAccept(t *testing.T) {
	js := `{"includeTopicAuthorizedOperations":true,"includeClusterAuthorizedOperations":false,"extra":{"a":[1,{"b":null}]},"topics":[{"name":"a","topicId":"AAAAAAAAAAAAAAAAAAAAAA"}],` +
		`"allowAutoTopicCreation":true,"topics":[{"topicId":"AAAAAAAAAAAAAAAAAAAAAA","name":"b"}]}`
	var m metadata.MetadataRequest
	if err := kafkajson.Unmarshal([]byte(js), &m, 10); err != nil {
		t.Fatal(err)
	}
	if len(m.Topics) != 1 || *m.Topics[0].Name != "b" || !m.IncludeTopicAuthorizedOperations {
		t.Fatalf("read %+v", m)
	}
}

// TestWriteErrors: a value a version cannot hold is refused, with its path.
func TestWriteErrors(t *testing.T) {
	m := serial.Default[metadata.MetadataRequest]()
	m.IncludeTopicAuthorizedOperations = true // v8+ only, not ignorable
	_, err := kafkajson.Marshal(&m, 7)
	var e *kafkajson.Error
	if !errors.Is(err, kafkajson.ErrVersion) || !errors.As(err, &e) || e.Path != "includeTopicAuthorizedOperations" {
		t.Errorf("got %v, want ErrVersion at includeTopicAuthorizedOperations", err)
	}
	if _, err := kafkajson.Marshal(&m, 99); !errors.Is(err, kafkajson.ErrVersion) {
		t.Errorf("v99: got %v", err)
	}
	if _, err := kafkajson.Marshal(42, 0); !errors.Is(err, kafkajson.ErrSchema) {
		t.Errorf("an int: got %v", err)
	}
	var p produce.ProduceRequest // TransactionalId nil is fine where nullable (v3+)
	if _, err := kafkajson.Marshal(&p, 3); err != nil {
		t.Errorf("produce v3: %v", err)
	}
}

// TestRecordsForms: the size (the request log's form), base64 bytes, and decoded
// batches that read back to the same records.
func TestRecordsForms(t *testing.T) {
	p := serial.Default[produce.ProduceRequest]()
	p.TopicData = []produce.TopicProduceData{{Name: "t", PartitionData: []produce.PartitionProduceData{{Records: []byte{1, 2, 3}}}}}
	js, err := kafkajson.Marshal(&p, 9)
	if err != nil || !strings.Contains(string(js), `"recordsSizeInBytes":3`) {
		t.Fatalf("%s %v", js, err)
	}
	js, err = kafkajson.Options{Records: kafkajson.RecordsBytes}.Marshal(&p, 9)
	if err != nil || !strings.Contains(string(js), `"records":"AQID"`) {
		t.Fatalf("%s %v", js, err)
	}
	js, err = kafkajson.Lossless.Marshal(&p, 9)
	if err != nil || !strings.Contains(string(js), `"records":{"batches":[],"rest":"AQID"}`) {
		t.Fatalf("too short for a batch, so kept as the rest: %s %v", js, err)
	}
	var back produce.ProduceRequest
	if err := kafkajson.Unmarshal(js, &back, 9); err != nil || string(back.TopicData[0].PartitionData[0].Records) != "\x01\x02\x03" {
		t.Fatalf("%v %+v", err, back)
	}
}

// TestErrorsSpeakAsSerial: the classes both codecs report are one value each, so a
// caller tests errors.Is once for either codec, and the text names the path and the
// offset as kio/serial's does.
func TestErrorsSpeakAsSerial(t *testing.T) {
	for _, c := range []struct{ json, serial error }{
		{kafkajson.ErrNull, serial.ErrNull}, {kafkajson.ErrRange, serial.ErrRange},
		{kafkajson.ErrVersion, serial.ErrVersion}, {kafkajson.ErrSchema, serial.ErrSchema},
	} {
		if c.json != c.serial {
			t.Errorf("kafkajson's %q is not serial's", c.json)
		}
	}
	var m metadata.MetadataRequest
	err := kafkajson.Unmarshal([]byte(`{"topics":null}`), &m, 0)
	if !errors.Is(err, serial.ErrNull) || errors.Is(err, serial.ErrRange) {
		t.Errorf("null where v0 has none: %v is not serial.ErrNull alone", err)
	}
	const want = "kafkajson: unmarshal metadata.MetadataRequest v0 field topics at byte 9: unexpected null: null, which is not allowed at version 0"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}
