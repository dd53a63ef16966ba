// Package frame reads and writes Kafka's request and response frames: the int32 size
// prefix, the request or response header at the version its API and version call for,
// and the body as one of kio/schema's generated structs. It also matches responses with
// the requests they answer (InFlight), since a response frame carries only a
// correlation id.
//
// kio/client and kio/server build connections on it; a program that handles the bytes
// itself (a proxy, a capture reader, a test) uses it directly.
package frame

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/schema/responseheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// Kafka frames every request and response on a connection as an int32 size followed by
// that many bytes: the header, then the body. The header version depends on the API and
// version (see API.RequestHeaderVersion and API.ResponseHeaderVersion); a request's
// header starts with its API key and version, so a request frame can be decoded from its
// bytes alone, while a response frame carries only the correlation id and needs the key
// and version of the request it answers.
//
// In this file a frame is the whole unit, size prefix included; the payload is what
// follows the prefix.

// DefaultMaxFrameSize is the largest frame a Framer accepts unless told otherwise:
// 100 MiB, the default of Kafka's socket.request.max.bytes.
const DefaultMaxFrameSize = 104857600

// sizePrefixLen is the length of a frame's int32 size prefix.
const sizePrefixLen = 4

// readChunk bounds how much memory ReadFrame commits before the bytes arrive: a frame
// up to this size is read into one buffer of its exact size, as Kafka's clients do; a
// larger one starts here and grows only as its bytes arrive, so a lying size prefix
// costs at most this much plus four times the bytes actually sent.
const readChunk = 4 << 20

// Errors a FrameError wraps, besides io.ErrUnexpectedEOF and codec errors (*serial.Error).
var (
	ErrFrameTooLarge      = errors.New("frame exceeds the maximum frame size")
	ErrNegativeFrameSize  = errors.New("negative frame size")
	ErrFrameSizeMismatch  = errors.New("size prefix does not match the frame's length")
	ErrUnknownAPI         = errors.New("unknown API key")
	ErrUnsupportedVersion = errors.New("unsupported API version")
	ErrBodyType           = errors.New("body type does not match the API")
)

// FrameError reports a frame that could not be read, parsed or written. Err is one of
// the Err* values of this package, io.ErrUnexpectedEOF for a truncated stream, a
// *serial.Error from the codec, or the reader's or writer's own error.
type FrameError struct {
	Op         string // "read request", "parse response", "append request", ...
	APIKey     int16  // the API key, or -1 where not known yet
	APIVersion int16  // the API version, or -1 where not known yet
	Size       int64  // the frame's payload size where it matters, else -1
	Max        int32  // the maximum frame size, for ErrFrameTooLarge
	Err        error
}

// Error says what failed, for which API key, version and size, and why.
func (e *FrameError) Error() string {
	msg := "kio/frame: " + e.Op
	if e.APIKey >= 0 {
		msg += fmt.Sprintf(" (API key %d", e.APIKey)
		if e.APIVersion >= 0 {
			msg += fmt.Sprintf(", version %d", e.APIVersion)
		}
		msg += ")"
	}
	msg += ": " + e.Err.Error()
	switch {
	case errors.Is(e.Err, ErrFrameTooLarge):
		msg += fmt.Sprintf(" (%d bytes, maximum %d)", e.Size, e.Max)
	case errors.Is(e.Err, ErrNegativeFrameSize), errors.Is(e.Err, ErrFrameSizeMismatch):
		msg += fmt.Sprintf(" (size %d)", e.Size)
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *FrameError) Unwrap() error { return e.Err }

func frameError(op string, key, version int16, err error) *FrameError {
	return &FrameError{Op: op, APIKey: key, APIVersion: version, Size: -1, Err: err}
}

// Request is a request frame's contents: its header and body. Body is a pointer to the
// request struct of the API named by Header.RequestApiKey (e.g. *metadata.MetadataRequest),
// and Header.RequestApiVersion is the version of both.
type Request struct {
	Header requestheader.RequestHeader
	Body   any
}

// Response is a response frame's contents. Body is a pointer to the response struct of
// the API of the request it answers.
type Response struct {
	Header responseheader.ResponseHeader
	Body   any
}

// NewRequest wraps body, a generated request struct or a pointer to one, in a Request
// whose header names body's API, the version, the correlation id and the client id (nil
// for null), ready for Framer.WriteRequest or AppendRequest. (schema.API.NewRequest, by
// contrast, makes a zero body.)
func NewRequest(body any, version int16, correlationID int32, clientID *string) (*Request, error) {
	a, ok := schema.LookupBody(body)
	if ok {
		t := reflect.TypeOf(body)
		isPtr := t.Kind() == reflect.Pointer
		ok = (isPtr && t.Elem() == a.Request && !reflect.ValueOf(body).IsNil()) || (!isPtr && t == a.Request)
	}
	if !ok {
		return nil, frameError("new request", -1, version, fmt.Errorf("%w: %T is not a generated request", ErrBodyType, body))
	}
	if !a.Versions.Contains(version) {
		return nil, frameError("new request", a.Key, version, ErrUnsupportedVersion)
	}
	req := &Request{Body: body}
	req.Header.RequestApiKey, req.Header.RequestApiVersion = a.Key, version
	req.Header.CorrelationId, req.Header.ClientId = correlationID, clientID
	return req, nil
}

// Framer reads and writes frames. The zero value is ready to use and accepts frames of
// up to DefaultMaxFrameSize bytes.
//
// Parse methods decode a frame held in memory: decoded bytes and records fields alias
// the frame (see kio/serial), so it must not be modified while they are in use. Read
// methods read each frame into a fresh buffer.
type Framer struct {
	// MaxFrameSize bounds the payload size of frames read and written; 0 or less means
	// DefaultMaxFrameSize. A size prefix above it is refused before anything is allocated.
	MaxFrameSize int32

	// BrokerCompatible makes ParseRequest and ReadRequest accept what Kafka's broker
	// accepts on its request path (RequestContext.parseRequest): bytes left after a
	// request body are ignored rather than refused with serial.ErrTrailing. A proxy or
	// broker built on kio sets it so as not to refuse a request Kafka would serve; the
	// default stays strict, so that a peer's framing bug is reported where it happens
	// (README, "Reliability").
	BrokerCompatible bool
}

// Limit returns the largest payload size f accepts: MaxFrameSize, or
// DefaultMaxFrameSize where that is not positive.
func (f Framer) Limit() int32 { return f.max() }

func (f Framer) max() int32 {
	if f.MaxFrameSize <= 0 {
		return DefaultMaxFrameSize
	}
	return f.MaxFrameSize
}

// ReadFrame reads one frame, size prefix included, from r. It returns io.EOF, unwrapped,
// when r ends cleanly before a frame starts, and a *FrameError wrapping
// io.ErrUnexpectedEOF when r ends inside a frame.
//
// A frame that is read whole leaves r at the next frame, whatever its body holds: the
// Read methods report a body that fails to decode without losing the stream. After an
// error inside a frame (a short read, a deadline, a size over the limit) the position
// in r is unknown and the connection should be closed.
func (f Framer) ReadFrame(r io.Reader) ([]byte, error) {
	const op = "read frame"
	var prefix [sizePrefixLen]byte
	if n, err := io.ReadFull(r, prefix[:]); err != nil {
		if n == 0 && err == io.EOF {
			return nil, io.EOF
		}
		return nil, frameError(op, -1, -1, err)
	}
	size := int32(binary.BigEndian.Uint32(prefix[:]))
	if err := f.checkSize(op, int64(size)); err != nil {
		return nil, err
	}
	total := sizePrefixLen + int(size)
	buf := make([]byte, min(total, sizePrefixLen+readChunk))
	copy(buf, prefix[:])
	for filled := sizePrefixLen; ; {
		n, err := io.ReadFull(r, buf[filled:])
		filled += n
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			e := frameError(op, -1, -1, err)
			e.Size = int64(size)
			return nil, e
		}
		if filled == total {
			return buf, nil
		}
		// Grow only as the bytes arrive, but in steps of four times what was received,
		// so a large frame is copied at most a few times (a lying size prefix still
		// costs at most four times the bytes actually sent).
		n = min(total-len(buf), 3*len(buf))
		buf = slices.Grow(buf, n)[:len(buf)+n]
	}
}

// checkSize refuses negative sizes and sizes above the maximum.
func (f Framer) checkSize(op string, size int64) error {
	var err error
	switch {
	case size < 0:
		err = ErrNegativeFrameSize
	case size > int64(f.max()):
		err = ErrFrameTooLarge
	default:
		return nil
	}
	return &FrameError{Op: op, APIKey: -1, APIVersion: -1, Size: size, Max: f.max(), Err: err}
}

// payload checks a whole frame's size prefix and returns what follows it.
func (f Framer) payload(op string, frame []byte) ([]byte, error) {
	if len(frame) < sizePrefixLen {
		return nil, frameError(op, -1, -1, io.ErrUnexpectedEOF)
	}
	size := int32(binary.BigEndian.Uint32(frame))
	if err := f.checkSize(op, int64(size)); err != nil {
		return nil, err
	}
	if int(size) != len(frame)-sizePrefixLen {
		err := io.ErrUnexpectedEOF
		if int(size) < len(frame)-sizePrefixLen {
			err = ErrFrameSizeMismatch
		}
		e := frameError(op, -1, -1, err)
		e.Size = int64(size)
		return nil, e
	}
	return frame[sizePrefixLen:], nil
}

// apisByKey is the index's APIs by key, copied once: schema.Lookup returns a copy per
// call, which would cost an allocation per frame.
var apisByKey = func() []*schema.API {
	all := schema.APIs()
	byKey := make([]*schema.API, int(all[len(all)-1].Key)+1)
	for _, a := range all {
		byKey[a.Key] = a
	}
	return byKey
}()

// lookup returns the package's shared, read-only API for key.
func lookup(key int16) (*schema.API, bool) {
	if key < 0 || int(key) >= len(apisByKey) || apisByKey[key] == nil {
		return nil, false
	}
	return apisByKey[key], true
}

// API keys whose framing is special.
const (
	apiVersionsKey = 18 // responses always use response header v0; KIP-511 answers
	produceKey     = 0  // acks=0 requests get no response
)

// lookupVersion finds the API for key and checks that it defines version.
func lookupVersion(op string, key, version int16) (*schema.API, error) {
	api, ok := lookup(key)
	if !ok {
		return nil, frameError(op, key, version, ErrUnknownAPI)
	}
	if !api.Versions.Contains(version) {
		return nil, frameError(op, key, version, ErrUnsupportedVersion)
	}
	return api, nil
}

// PeekRequest reads the API key, API version and correlation id at the start of a request
// frame (size prefix included) without decoding the rest. Every request header version
// starts with these three fields, so this works for any API, known or not.
func PeekRequest(frame []byte) (apiKey, apiVersion int16, correlationID int32, err error) {
	if len(frame) < sizePrefixLen+8 {
		return 0, 0, 0, frameError("peek request", -1, -1, io.ErrUnexpectedEOF)
	}
	p := frame[sizePrefixLen:]
	return int16(binary.BigEndian.Uint16(p)), int16(binary.BigEndian.Uint16(p[2:])),
		int32(binary.BigEndian.Uint32(p[4:])), nil
}

// PeekCorrelationID reads the correlation id at the start of a response frame (size
// prefix included); every response header version starts with it.
func PeekCorrelationID(frame []byte) (int32, error) {
	if len(frame) < sizePrefixLen+4 {
		return 0, frameError("peek response", -1, -1, io.ErrUnexpectedEOF)
	}
	return int32(binary.BigEndian.Uint32(frame[sizePrefixLen:])), nil
}

// ParseRequest decodes a request frame (size prefix included): the API key and version
// at the start of the header select the header version and the body type.
func (f Framer) ParseRequest(frame []byte) (*Request, error) {
	const op = "parse request"
	p, err := f.payload(op, frame)
	if err != nil {
		return nil, err
	}
	if len(p) < 4 {
		return nil, frameError(op, -1, -1, io.ErrUnexpectedEOF)
	}
	key, version := int16(binary.BigEndian.Uint16(p)), int16(binary.BigEndian.Uint16(p[2:]))
	api, err := lookupVersion(op, key, version)
	if err != nil {
		return nil, err
	}
	req := &Request{}
	n, err := serial.UnmarshalPrefix(p, &req.Header, api.RequestHeaderVersion(version))
	if err != nil {
		return nil, frameError(op, key, version, err)
	}
	req.Body = api.NewRequestBody()
	if f.BrokerCompatible {
		_, err = serial.UnmarshalPrefix(p[n:], req.Body, version)
	} else {
		err = serial.Unmarshal(p[n:], req.Body, version)
	}
	if err != nil {
		return nil, frameError(op, key, version, err)
	}
	return req, nil
}

// ParseResponse decodes a response frame (size prefix included) answering a request of
// the given API key and version.
//
// ApiVersions answers are read as Java's ApiVersionsResponse.parse reads them (KIP-511):
// a broker answers an ApiVersions request of a version it does not serve with a version
// 0 body carrying UNSUPPORTED_VERSION and its own ApiVersions range, so a body that does
// not decode at the version asked for, or answers a version beyond kio's schema, is read
// again at version 0. ParseResponseVersion says which version the body was read at.
func (f Framer) ParseResponse(frame []byte, apiKey, apiVersion int16) (*Response, error) {
	resp, _, err := f.ParseResponseVersion(frame, apiKey, apiVersion)
	return resp, err
}

// ParseResponseVersion is ParseResponse, also returning the version the body was read
// at: apiVersion, or 0 for an ApiVersions answer read at version 0 (KIP-511). Encoding
// the body again at that version gives the frame's bytes back.
func (f Framer) ParseResponseVersion(frame []byte, apiKey, apiVersion int16) (*Response, int16, error) {
	const op = "parse response"
	if apiKey == apiVersionsKey {
		return f.parseAPIVersionsResponse(frame, apiVersion)
	}
	api, err := lookupVersion(op, apiKey, apiVersion)
	if err != nil {
		return nil, 0, err
	}
	p, err := f.payload(op, frame)
	if err != nil {
		return nil, 0, err
	}
	resp := &Response{}
	n, err := serial.UnmarshalPrefix(p, &resp.Header, api.ResponseHeaderVersion(apiVersion))
	if err != nil {
		return nil, 0, frameError(op, apiKey, apiVersion, err)
	}
	resp.Body = api.NewResponseBody()
	if err := serial.Unmarshal(p[n:], resp.Body, apiVersion); err != nil {
		return nil, 0, frameError(op, apiKey, apiVersion, err)
	}
	return resp, apiVersion, nil
}

// parseAPIVersionsResponse is ParseResponse for ApiVersions: the version asked for, then
// version 0 (see ParseResponse). The response header is always version 0.
func (f Framer) parseAPIVersionsResponse(frame []byte, apiVersion int16) (*Response, int16, error) {
	const op = "parse response"
	api, ok := lookup(apiVersionsKey)
	if !ok || apiVersion < 0 {
		return nil, 0, frameError(op, apiVersionsKey, apiVersion, ErrUnsupportedVersion)
	}
	p, err := f.payload(op, frame)
	if err != nil {
		return nil, 0, err
	}
	resp := &Response{}
	n, err := serial.UnmarshalPrefix(p, &resp.Header, 0)
	if err != nil {
		return nil, 0, frameError(op, apiVersionsKey, apiVersion, err)
	}
	var first error
	if api.Versions.Contains(apiVersion) {
		body := api.NewResponseBody()
		first = serial.Unmarshal(p[n:], body, apiVersion)
		if first == nil {
			resp.Body = body
			return resp, apiVersion, nil
		}
		if apiVersion == 0 {
			return nil, 0, frameError(op, apiVersionsKey, apiVersion, first)
		}
	}
	body := api.NewResponseBody()
	if err := serial.Unmarshal(p[n:], body, 0); err != nil {
		if first == nil {
			first = err
		}
		return nil, 0, frameError(op, apiVersionsKey, apiVersion, first) // the error at the version asked for
	}
	resp.Body = body
	return resp, 0, nil
}

// ReadRequest reads and decodes one request frame from r. At a clean end of r it returns
// io.EOF.
func (f Framer) ReadRequest(r io.Reader) (*Request, error) {
	frame, err := f.ReadFrame(r)
	if err != nil {
		return nil, err
	}
	return f.ParseRequest(frame)
}

// ReadResponse reads and decodes one response frame from r, answering a request of the
// given API key and version. At a clean end of r it returns io.EOF.
func (f Framer) ReadResponse(r io.Reader, apiKey, apiVersion int16) (*Response, error) {
	frame, err := f.ReadFrame(r)
	if err != nil {
		return nil, err
	}
	return f.ParseResponse(frame, apiKey, apiVersion)
}

// checkBody checks that body is a non-nil pointer to (or a value of) want.
func checkBody(op string, key, version int16, body any, want reflect.Type) error {
	t := reflect.TypeOf(body)
	switch {
	case t == want:
		return nil
	case t != nil && t.Kind() == reflect.Pointer && t.Elem() == want && !reflect.ValueOf(body).IsNil():
		return nil
	}
	return frameError(op, key, version, fmt.Errorf("%w: have %v, want *%v", ErrBodyType, t, want))
}

// AppendRequest appends req as a frame (size prefix, header, body) to dst. The API and
// version come from req.Header; the header version follows from them. On error dst is
// returned unchanged.
func (f Framer) AppendRequest(dst []byte, req *Request) ([]byte, error) {
	return f.appendFrame(dst, "append request", req.Header.RequestApiKey, req.Header.RequestApiVersion, false, &req.Header, req.Body)
}

// AppendResponse appends resp as a frame to dst, for a request of the given API key and
// version. On error dst is returned unchanged.
func (f Framer) AppendResponse(dst []byte, apiKey, apiVersion int16, resp *Response) ([]byte, error) {
	return f.appendFrame(dst, "append response", apiKey, apiVersion, true, &resp.Header, resp.Body)
}

// appendFrame appends a request or response frame of the API key and version, after
// checking that body is the API's request or response type.
func (f Framer) appendFrame(dst []byte, op string, key, version int16, response bool, header, body any) ([]byte, error) {
	api, err := lookupVersion(op, key, version)
	if err != nil {
		return dst, err
	}
	want, headerVersion := api.Request, api.RequestHeaderVersion(version)
	if response {
		want, headerVersion = api.Response, api.ResponseHeaderVersion(version)
	}
	if err := checkBody(op, key, version, body, want); err != nil {
		return dst, err
	}
	start := len(dst)
	out := append(dst, 0, 0, 0, 0)
	out, err = serial.Append(out, header, headerVersion)
	if err == nil {
		out, err = serial.Append(out, body, version)
	}
	if err != nil {
		return dst[:start], frameError(op, key, version, err)
	}
	size := len(out) - start - sizePrefixLen
	if err := f.checkSize(op, int64(size)); err != nil {
		e := err.(*FrameError)
		e.APIKey, e.APIVersion = key, version
		return dst[:start], e
	}
	binary.BigEndian.PutUint32(out[start:], uint32(size))
	return out, nil
}

// WriteRequest writes req as one frame to w, in a single Write.
func (f Framer) WriteRequest(w io.Writer, req *Request) error {
	frame, err := f.AppendRequest(nil, req)
	if err != nil {
		return err
	}
	if _, err := w.Write(frame); err != nil {
		return frameError("write request", req.Header.RequestApiKey, req.Header.RequestApiVersion, err)
	}
	return nil
}

// WriteResponse writes resp as one frame to w, in a single Write, for a request of the
// given API key and version.
func (f Framer) WriteResponse(w io.Writer, apiKey, apiVersion int16, resp *Response) error {
	frame, err := f.AppendResponse(nil, apiKey, apiVersion, resp)
	if err != nil {
		return err
	}
	if _, err := w.Write(frame); err != nil {
		return frameError("write response", apiKey, apiVersion, err)
	}
	return nil
}
