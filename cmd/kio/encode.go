package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kio-go/kafka-protocol/kio/kafkajson"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/schema/responseheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
)

// runEncode reads a message's JSON (a body, or a line as decode prints it) and writes
// it as a frame (size prefix, header, body) or, with -body, the body alone.
func runEncode(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("encode", flag.ContinueOnError)
	apiName := fs.String("api", "", "the API (name or key); taken from a decode line where omitted")
	version := fs.Int("version", -1, "the version; taken from a decode line where omitted")
	response := fs.Bool("response", false, "the JSON is a response (default: a request)")
	bodyOnly := fs.Bool("body", false, "write the body alone, without size prefix and header")
	correlation := fs.Int("correlation", -1, "the correlation id (default: the decode line's, else 1)")
	clientID := fs.String("client-id", "\x00", "the client id (default: the decode line's, else kio)")
	hexOut := fs.Bool("hex", false, "write hex instead of bytes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	in := stdin
	if fs.NArg() > 0 {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(io.LimitReader(in, maxFrame))
	if err != nil {
		return err
	}
	// A decode line holds the body under "body" and names what it is.
	var line struct {
		Dir           string          `json:"dir"`
		API           string          `json:"api"`
		Version       *int            `json:"version"`
		CorrelationID *int32          `json:"correlationId"`
		ClientID      *string         `json:"clientId"`
		Body          json.RawMessage `json:"body"`
	}
	body := data
	if json.Unmarshal(data, &line) == nil && line.Body != nil {
		body = line.Body
		if *apiName == "" {
			*apiName = line.API
		}
		if *version < 0 && line.Version != nil {
			*version = *line.Version
		}
		if line.Dir == "response" {
			*response = true
		}
		if *correlation < 0 && line.CorrelationID != nil {
			*correlation = int(*line.CorrelationID)
		}
		if *clientID == "\x00" && line.ClientID != nil {
			*clientID = *line.ClientID
		}
	}
	if *apiName == "" || *version < 0 {
		return errors.New("encode: -api and -version are needed (or a line as kio decode prints it)")
	}
	api, ok := lookupAPI(*apiName)
	if !ok {
		return fmt.Errorf("encode: no API %q", *apiName)
	}
	v := int16(*version)
	if !api.Versions.Contains(v) {
		return fmt.Errorf("encode: %s has versions %v", api.Name, api.Versions)
	}
	msg := api.NewRequestBody()
	if *response {
		msg = api.NewResponseBody()
	}
	if err := kafkajson.Unmarshal(body, msg, v); err != nil {
		return err
	}
	out, err := serial.Marshal(msg, v)
	if err != nil {
		return err
	}
	if !*bodyOnly {
		corr := int32(1)
		if *correlation >= 0 {
			corr = int32(*correlation)
		}
		var hdr []byte
		if *response {
			hdr, err = serial.Marshal(&responseheader.ResponseHeader{CorrelationId: corr}, api.ResponseHeaderVersion(v))
		} else {
			id := "kio"
			if *clientID != "\x00" {
				id = *clientID
			}
			hdr, err = serial.Marshal(&requestheader.RequestHeader{RequestApiKey: api.Key, RequestApiVersion: v, CorrelationId: corr, ClientId: &id}, api.RequestHeaderVersion(v))
		}
		if err != nil {
			return err
		}
		frame := binary.BigEndian.AppendUint32(nil, uint32(len(hdr)+len(out)))
		out = append(append(frame, hdr...), out...)
	}
	if *hexOut {
		_, err = fmt.Fprintf(stdout, "%x\n", out)
		return err
	}
	_, err = io.Copy(stdout, bytes.NewReader(out))
	return err
}
