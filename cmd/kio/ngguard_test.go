package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// ngFile builds a little-endian pcapng file block by block.
type ngFile struct{ bytes.Buffer }

// block appends a block of type typ with the given body (fixed fields and options),
// padded to 4 bytes, and its two lengths.
func (f *ngFile) block(typ uint32, body []byte) *ngFile {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	f.Write(binary.LittleEndian.AppendUint32(nil, typ))
	f.Write(binary.LittleEndian.AppendUint32(nil, n))
	f.Write(body)
	f.Write(binary.LittleEndian.AppendUint32(nil, n))
	return f
}

// option encodes one option, padded.
func option(code uint16, value []byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, code)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(value)))
	b = append(b, value...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func sectionHeader() []byte {
	b := binary.LittleEndian.AppendUint32(nil, 0x1a2b3c4d)
	b = binary.LittleEndian.AppendUint16(b, 1) // version 1.0
	b = binary.LittleEndian.AppendUint16(b, 0)
	return binary.LittleEndian.AppendUint64(b, ^uint64(0)) // section length unknown
}

// interfaceDescription is an Ethernet interface with the given options.
func interfaceDescription(opts ...[]byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, 1) // Ethernet
	b = append(b, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, 65535)
	for _, o := range opts {
		b = append(b, o...)
	}
	return b
}

// enhancedPacket is a packet block on interface 0 whose captured length says
// captured while it holds the bytes of data.
func enhancedPacket(captured uint32, data []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 0)
	b = binary.LittleEndian.AppendUint64(b, 1)
	b = binary.LittleEndian.AppendUint32(b, captured)
	b = binary.LittleEndian.AppendUint32(b, captured)
	return append(b, data...)
}

// TestDecodeRefusesHostilePcapng: pcapng files whose blocks or options gopacket's
// reader would index, divide by or allocate for without checking end in a
// *CaptureError wrapping errBlock: no panic, no allocation sized by the lie.
// Each fails (a panic, or a 16 MiB allocation) without ngGuard's checks.
func TestDecodeRefusesHostilePcapng(t *testing.T) {
	packet := enhancedPacket(4, []byte{1, 2, 3, 4})
	isb := func(opts ...[]byte) []byte {
		b := make([]byte, 12) // interface 0, timestamp 0
		for _, o := range opts {
			b = append(b, o...)
		}
		return b
	}
	for _, c := range []struct {
		name string
		file *ngFile
	}{
		{"binary timestamp resolution of 2^-64", new(ngFile).block(ngSectionHeader, sectionHeader()).
			block(ngInterfaceDescription, interfaceDescription(option(9, []byte{0x80 | 64}))).block(ngEnhancedPacket, packet)},
		{"decimal timestamp resolution of 10^-64", new(ngFile).block(ngSectionHeader, sectionHeader()).
			block(ngInterfaceDescription, interfaceDescription(option(9, []byte{64}))).block(ngEnhancedPacket, packet)},
		{"empty timestamp resolution", new(ngFile).block(ngSectionHeader, sectionHeader()).
			block(ngInterfaceDescription, interfaceDescription(option(9, nil))).block(ngEnhancedPacket, packet)},
		{"empty filter", new(ngFile).block(ngSectionHeader, sectionHeader()).
			block(ngInterfaceDescription, interfaceDescription(option(11, nil)))},
		{"short timestamp offset", new(ngFile).block(ngSectionHeader, sectionHeader()).
			block(ngInterfaceDescription, interfaceDescription(option(14, []byte{1, 2, 3})))},
		{"short statistics start time", new(ngFile).block(ngSectionHeader, sectionHeader()).
			block(ngInterfaceDescription, interfaceDescription()).block(ngInterfaceStatistics, isb(option(2, []byte{1})))},
		{"option overrunning its block", new(ngFile).block(ngSectionHeader, sectionHeader()).
			block(ngInterfaceDescription, append(interfaceDescription(), 2, 0, 200, 0))},
		{"interface description shorter than its fields", new(ngFile).block(ngSectionHeader, sectionHeader()).
			block(ngInterfaceDescription, []byte{1, 0})},
		{"a 16 MiB packet in a short file", new(ngFile).block(ngSectionHeader, sectionHeader()).
			block(ngInterfaceDescription, interfaceDescription()).block(ngEnhancedPacket, enhancedPacket(4, make([]byte, 4)))},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := c.file.Bytes()
			cut := c.name == "a 16 MiB packet in a short file"
			if cut {
				// The last block (36 bytes) claims 16 MiB, its packet all of it.
				at := len(data) - 36
				binary.LittleEndian.PutUint32(data[at+4:], maxBlock)
				binary.LittleEndian.PutUint32(data[at+20:], maxBlock-32)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var errOut bytes.Buffer
			err := runDecode(nil, bytes.NewReader(data), io.Discard, &errOut)
			runtime.ReadMemStats(&after)
			var ce *CaptureError
			if cut {
				// A capture cut short: decoded up to the cut, and said.
				if err != nil || !strings.Contains(errOut.String(), io.ErrUnexpectedEOF.Error()) {
					t.Fatalf("got %v (%s), want the cut reported", err, errOut.String())
				}
			} else if !errors.As(err, &ce) || !errors.Is(err, errBlock) {
				t.Fatalf("got %v, want a *CaptureError of a pcapng block", err)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
				t.Errorf("allocated %d bytes for a file of %d", grew, len(data))
			}
		})
	}
}

// TestDecodePcapngOptions: the options the guard checks, with values gopacket can
// use, pass: a file with a timestamp resolution, offset, filter and statistics
// decodes to its end.
func TestDecodePcapngOptions(t *testing.T) {
	f := new(ngFile).block(ngSectionHeader, sectionHeader()).
		block(ngInterfaceDescription, interfaceDescription(option(9, []byte{9}), option(11, []byte{0, 't', 'c', 'p'}),
			option(14, make([]byte, 8)), option(0, nil))).
		block(ngInterfaceStatistics, append(make([]byte, 12), option(2, make([]byte, 8))...)).
		block(ngEnhancedPacket, enhancedPacket(4, []byte{1, 2, 3, 4}))
	var errOut bytes.Buffer
	if err := runDecode(nil, bytes.NewReader(f.Bytes()), io.Discard, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
}
