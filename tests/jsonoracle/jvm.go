// Package jsonoracle runs the JsonConverter classes of Apache Kafka's kafka-clients
// (tests/java/jsonoracle, built by tests/kafkadist against each pinned release) as the
// oracle of kio's JSON form, kio/kafkajson. The protocol is documented in
// tests/java/jsonoracle/.../Main.java.
package jsonoracle

import (
	"encoding/binary"
	"testing"

	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// Verdict is Java's answer on one value kio wrote.
type Verdict struct {
	// Err is set where Java could not read kio's bytes or write its JSON.
	Err string
	// JSONRecords and JSONSize are Java's JSON of the value, written with
	// serializeRecords true and false.
	JSONRecords, JSONSize string
	// Rewritten is kio's JSON read by Java's converter and written as bytes by Java;
	// ReadErr says why Java could not read it.
	Rewritten []byte
	ReadErr   string
	// Variants are Java's verdicts on the variants of kio's JSON, in order.
	Variants []Read
}

// Read is what Java made of one JSON text: the bytes it wrote, or why it could not
// read the JSON or write the message.
type Read struct {
	Bytes []byte
	Err   string
}

// JVM is one running oracle process.
type JVM struct {
	Release string
	jvm     *kafkadist.JVM
}

// Start builds the module against Kafka release version and starts its JVM; t's
// cleanup stops it. Without Java or Maven it ends t through kafkadist.Unavailable.
func Start(t testing.TB, version string) *JVM {
	t.Helper()
	j := &JVM{jvm: kafkadist.StartJVM(t, "json oracle "+version, "jsonoracle", version, "io.kio.jsonoracle.Main",
		"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")}
	r, err := j.jvm.Call(nil)
	if err != nil {
		t.Fatalf("json oracle %s: %v (stderr: %s)", version, err, j.jvm.Stderr())
	}
	j.Release = r.Text()
	if j.Release != version {
		t.Fatalf("json oracle built for %s reports kafka-clients %s", version, j.Release)
	}
	return j
}

// Compare sends values (kio's bytes and kio's JSON of each, records as base64, and
// variants of that JSON) of one message version and returns Java's verdicts.
func (j *JVM) Compare(kind kafkadist.Kind, key int16, name string, version int16, bin, js [][]byte, variants [][][]byte) ([]Verdict, error) {
	req := []byte{byte(kind)}
	req = binary.BigEndian.AppendUint16(req, uint16(key))
	req = kafkadist.AppendBlob(req, []byte(name))
	req = binary.BigEndian.AppendUint16(req, uint16(version))
	req = binary.BigEndian.AppendUint32(req, uint32(len(bin)))
	for i := range bin {
		req = kafkadist.AppendBlob(req, bin[i])
		req = kafkadist.AppendBlob(req, js[i])
		req = binary.BigEndian.AppendUint32(req, uint32(len(variants[i])))
		for _, v := range variants[i] {
			req = kafkadist.AppendBlob(req, v)
		}
	}
	r, err := j.jvm.Call(req)
	if err != nil {
		return nil, err
	}
	out := make([]Verdict, len(bin))
	for i := range out {
		if r.Byte() != 0 {
			out[i].Err = r.Text()
			continue
		}
		out[i].JSONRecords, out[i].JSONSize = r.Text(), r.Text()
		if r.Byte() == 0 {
			out[i].Rewritten = r.Blob()
		} else {
			out[i].ReadErr = r.Text()
		}
		for range variants[i] {
			var rd Read
			if r.Byte() == 0 {
				rd.Bytes = r.Blob()
			} else {
				rd.Err = r.Text()
			}
			out[i].Variants = append(out[i].Variants, rd)
		}
	}
	return out, r.Err()
}
