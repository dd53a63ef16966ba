package main

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"testing"
)

// FuzzDecode: any bytes given to decode (hostile pcaps above all: the seeds are small
// captures, and raw and hex frames) end in nil or a typed error with a position
// (*CaptureError, *FrameError), never a panic or a hang.
func FuzzDecode(f *testing.F) {
	r := rand.New(rand.NewSource(8))
	conns := connNames(2)
	exs := genExchanges(f, r, conns, 6)
	var capture bytes.Buffer
	writeCapture(newPcap(&capture, 200), exs, conns)
	f.Add(capture.Bytes())
	var ng bytes.Buffer
	nb, nw := newPcapng(&ng, 200)
	writeCapture(nb, exs[:3], conns)
	nw.Flush()
	f.Add(ng.Bytes())
	var raw bytes.Buffer
	for _, e := range exs {
		raw.Write(e.reqFrame)
		raw.Write(e.respFrame)
	}
	f.Add(raw.Bytes())
	f.Add([]byte("00000008000300000000000100\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := runDecode([]string{"-records"}, bytes.NewReader(data), io.Discard, io.Discard)
		var ce *CaptureError
		var fe *FrameError
		if err != nil && !errors.As(err, &ce) && !errors.As(err, &fe) {
			t.Fatalf("untyped error: %v", err)
		}
	})
}
