package bench

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	kgprotocol "github.com/segmentio/kafka-go/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kio-go/kafka-protocol/kio/frame"
)

// The whole-frame path: a client reads a response frame (size prefix, response header,
// body) from a connection and decodes it. The frames come through a net.Pipe, written
// by a goroutine, and are read through a bufio.Reader as a client would.
//
// kio: frame.Framer.ReadResponse (reads the frame into a fresh buffer, then parses).
// kmsg: has no framing; kgo's is internal. The harness (kmsgReadResponse) does what the
// protocol requires and kgo does: read the size, the frame into a fresh buffer, the
// correlation id, skip the header's tagged fields when flexible, then ReadFrom.
// kafka-go: protocol.ReadResponse, which decodes straight from the reader; at Fetch v11
// it also parses the batch into records (see BenchmarkFetchResponse).

const benchCorrelationID = 7

// Response header versions of the fixture frames: 1 (flexible, with a tagged-field
// section) for Metadata v12 and Fetch v16, 0 for kafka-go's Metadata v8 and Fetch v11.

// responseFrame is a frame of body behind a response header with the fixture's
// correlation id, written out from the protocol's layout.
func responseFrame(body []byte, flexibleHeader bool) []byte {
	header := binary.BigEndian.AppendUint32(nil, benchCorrelationID)
	if flexibleHeader {
		header = append(header, 0) // no tagged fields
	}
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(header)+len(body)))
	return append(append(frame, header...), body...)
}

// kmsgMaxFrame is the harness's frame size limit, Kafka's default maximum.
const kmsgMaxFrame = 100 << 20

// kmsgReadResponse reads one response frame from r into resp, whose version is set.
func kmsgReadResponse(r io.Reader, resp kmsg.Response) (int32, error) {
	var prefix [4]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return 0, err
	}
	size := int32(binary.BigEndian.Uint32(prefix[:]))
	if size < 4 || size > kmsgMaxFrame {
		return 0, fmt.Errorf("frame size %d out of range", size)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, err
	}
	correlationID := int32(binary.BigEndian.Uint32(buf))
	p := buf[4:]
	// ApiVersions responses keep header v0 even when flexible (KIP-511).
	if resp.IsFlexible() && resp.Key() != 18 {
		var err error
		if p, err = skipTaggedFields(p); err != nil {
			return 0, err
		}
	}
	return correlationID, resp.ReadFrom(p)
}

var errBadTags = errors.New("malformed tagged fields")

// skipTaggedFields skips a tagged-field section: a count, then per field a tag, a size
// and that many bytes, all unsigned varints but the data.
func skipTaggedFields(p []byte) ([]byte, error) {
	count, n := binary.Uvarint(p)
	if n <= 0 {
		return nil, errBadTags
	}
	p = p[n:]
	for range count {
		if _, n = binary.Uvarint(p); n <= 0 {
			return nil, errBadTags
		}
		p = p[n:]
		size, n := binary.Uvarint(p)
		if n <= 0 || size > uint64(len(p)-n) {
			return nil, errBadTags
		}
		p = p[n+int(size):]
	}
	return p, nil
}

// benchReadFrames measures reading b.N copies of frame from a net.Pipe.
func benchReadFrames(b *testing.B, frame []byte, read func(*bufio.Reader) error) {
	client, server := net.Pipe()
	defer client.Close()
	n := b.N
	written := make(chan error, 1)
	go func() {
		var err error
		for i := 0; i < n && err == nil; i++ {
			_, err = server.Write(frame)
		}
		server.Close()
		written <- err
	}()
	r := bufio.NewReaderSize(client, 64<<10)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	b.ResetTimer()
	for range n {
		if err := read(r); err != nil {
			client.Close() // unblocks the writer
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := <-written; err != nil {
		b.Fatal(err)
	}
}

// frameFixtures are the frames read by BenchmarkReadResponseFrame, kmsg-written bodies
// behind hand-built headers.
type frameFixtures struct {
	metadata, metadataKG []byte
	fetch, fetchKG       []byte
}

func newFrameFixtures() frameFixtures {
	f := fixtures()
	return frameFixtures{
		metadata:   responseFrame(f.metadataResponseWire, true),
		metadataKG: responseFrame(f.metadataResponseWireKG, false),
		fetch:      responseFrame(f.fetchResponseWire, true),
		fetchKG:    responseFrame(f.fetchResponseWireKG, false),
	}
}

func BenchmarkReadResponseFrame(b *testing.B) {
	frames := newFrameFixtures()
	var framer frame.Framer
	cases := []struct {
		name              string
		key               int16
		version, versionK int16
		frame, frameKG    []byte
		kmsg              func() kmsg.Response
	}{
		{"MetadataResponse", 3, metadataVersion, metadataVersionKafkaGo, frames.metadata, frames.metadataKG,
			func() kmsg.Response { return &kmsg.MetadataResponse{Version: metadataVersion} }},
		{"FetchResponse", 1, fetchVersion, fetchVersionKafkaGo, frames.fetch, frames.fetchKG,
			func() kmsg.Response { return &kmsg.FetchResponse{Version: fetchVersion} }},
	}
	for _, c := range cases {
		b.Run(c.name+"/kio", func(b *testing.B) {
			benchReadFrames(b, c.frame, func(r *bufio.Reader) error {
				resp, err := framer.ReadResponse(r, c.key, c.version)
				if err == nil && resp.Header.CorrelationId != benchCorrelationID {
					err = fmt.Errorf("correlation id %d", resp.Header.CorrelationId)
				}
				return err
			})
		})
		b.Run(c.name+"/kmsg", func(b *testing.B) {
			benchReadFrames(b, c.frame, func(r *bufio.Reader) error {
				id, err := kmsgReadResponse(r, c.kmsg())
				if err == nil && id != benchCorrelationID {
					err = fmt.Errorf("correlation id %d", id)
				}
				return err
			})
		})
		b.Run(c.name+"/kafkago", func(b *testing.B) {
			benchReadFrames(b, c.frameKG, func(r *bufio.Reader) error {
				id, _, err := kgprotocol.ReadResponse(r, kgprotocol.ApiKey(c.key), c.versionK)
				if err == nil && id != benchCorrelationID {
					err = fmt.Errorf("correlation id %d", id)
				}
				return err
			})
		})
	}
}
