package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ngGuard sits between a pcapng file and gopacket's NgReader, which trusts what a
// file says: it sizes buffers by the lengths a packet block claims before it reads
// them (a hostile file could make it allocate gigabytes), and it indexes option
// values and divides by a timestamp resolution without checking them (a hostile
// file makes it panic). The guard reads each block whole, up to maxBlock, into a
// buffer that grows with the bytes that arrive rather than with what the block
// claims, and refuses, as an error of the read, a block whose lengths do not hold
// together: shorter than its fixed fields, a packet longer than the block holding
// it, an option overrunning its block, or an option gopacket indexes or divides by
// without a value it can use. Only then does it pass the block on, so gopacket
// never reads past the block it is in nor allocates for bytes that are not there.
type ngGuard struct {
	r         io.Reader
	bigEndian bool
	block     bytes.Buffer // the current block, checked; read from by Read
	err       error
}

const (
	maxBlock     = 16 << 20
	maxMetaBlock = 1 << 20 // a section header, interface description or statistics block

	ngSectionHeader        = 0x0a0d0d0a
	ngInterfaceDescription = 1
	ngObsoletePacket       = 2
	ngSimplePacket         = 3
	ngInterfaceStatistics  = 5
	ngEnhancedPacket       = 6
)

var errBlock = errors.New("pcapng block")

func (g *ngGuard) Read(p []byte) (int, error) {
	if g.block.Len() == 0 {
		if g.err != nil {
			return 0, g.err
		}
		if g.err = g.nextBlock(); g.err != nil {
			// gopacket gets the error, none of the block that failed its check.
			g.block.Reset()
			return 0, g.err
		}
	}
	return g.block.Read(p)
}

func (g *ngGuard) u16(b []byte) uint16 {
	if g.bigEndian {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (g *ngGuard) u32(b []byte) uint32 {
	if g.bigEndian {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// fixedLength is the length of a block of type typ without options: its header (type
// and length), the fields gopacket reads, and the trailing length. Unknown blocks,
// which gopacket skips, have header and trailer only.
func fixedLength(typ uint32) int64 {
	switch typ {
	case ngSectionHeader:
		return 28 // byte-order magic, version, section length
	case ngInterfaceDescription:
		return 20 // link type, reserved, snap length
	case ngObsoletePacket, ngEnhancedPacket:
		return 32 // interface, timestamp, captured and original lengths
	case ngSimplePacket:
		return 16 // original length
	case ngInterfaceStatistics:
		return 24 // interface, timestamp
	}
	return 12
}

// nextBlock reads the next block into g.block and checks it.
func (g *ngGuard) nextBlock() error {
	g.block.Reset()
	var hdr [12]byte
	if _, err := io.ReadFull(g.r, hdr[:8]); err != nil {
		return err // io.EOF at a block boundary is the clean end
	}
	g.block.Write(hdr[:8])
	typ := binary.LittleEndian.Uint32(hdr[:4])
	if typ == ngSectionHeader { // its byte-order magic sets the endianness
		if _, err := io.ReadFull(g.r, hdr[8:12]); err != nil {
			return io.ErrUnexpectedEOF
		}
		g.block.Write(hdr[8:12])
		switch magic := binary.BigEndian.Uint32(hdr[8:12]); magic {
		case 0x1a2b3c4d:
			g.bigEndian = true
		case 0x4d3c2b1a:
			g.bigEndian = false
		default:
			return fmt.Errorf("%w: a section header with byte-order magic %#08x", errBlock, magic)
		}
	} else {
		typ = g.u32(hdr[:4])
	}
	length := int64(g.u32(hdr[4:8]))
	limit := int64(maxBlock)
	switch typ {
	case ngSectionHeader, ngInterfaceDescription, ngInterfaceStatistics:
		limit = maxMetaBlock
	}
	if length < fixedLength(typ) || length > limit || length%4 != 0 {
		return fmt.Errorf("%w of type %#x claims %d bytes", errBlock, typ, length)
	}
	// CopyN grows the buffer with the bytes that arrive, not with the length claimed.
	if _, err := io.CopyN(&g.block, g.r, length-int64(g.block.Len())); err != nil {
		return io.ErrUnexpectedEOF
	}
	b := g.block.Bytes()
	switch typ {
	case ngObsoletePacket, ngEnhancedPacket: // captured length at 20
		if captured := int64(g.u32(b[20:24])); captured > length-32 {
			return fmt.Errorf("%w: a packet of %d bytes in a block of %d", errBlock, captured, length)
		}
	case ngSimplePacket: // original length at 8, the packet up to the block's end
		if orig := int64(g.u32(b[8:12])); orig > length-16 {
			return fmt.Errorf("%w: a simple packet of %d bytes in a block of %d", errBlock, orig, length)
		}
	case ngSectionHeader, ngInterfaceDescription, ngInterfaceStatistics:
		if err := g.checkOptions(typ, b[fixedLength(typ)-4:length-4]); err != nil {
			return fmt.Errorf("%w of type %#x: %w", errBlock, typ, err)
		}
	}
	return nil
}

// checkOptions checks the options of a block of type typ: each fits in the block,
// end of options is empty, and the options gopacket indexes or computes with hold a
// value it can use.
func (g *ngGuard) checkOptions(typ uint32, opts []byte) error {
	for len(opts) > 0 {
		if len(opts) < 4 {
			return fmt.Errorf("%d bytes left after the last option", len(opts))
		}
		code, n := g.u16(opts), int(g.u16(opts[2:]))
		padded := (n + 3) &^ 3
		if 4+padded > len(opts) {
			return fmt.Errorf("option %d of %d bytes overruns the block", code, n)
		}
		value := opts[4 : 4+n]
		opts = opts[4+padded:]
		if code == 0 { // end of options: gopacket skips the rest
			if n != 0 {
				return fmt.Errorf("end of options of %d bytes", n)
			}
			return nil
		}
		need := 0
		switch {
		case typ == ngInterfaceDescription && code == 9: // if_tsresol
			if n >= 1 && !usableResolution(value[0]) {
				return fmt.Errorf("timestamp resolution %#02x", value[0])
			}
			need = 1
		case typ == ngInterfaceDescription && code == 11: // if_filter: kind, then filter
			need = 1
		case typ == ngInterfaceDescription && code == 14: // if_tsoffset
			need = 8
		case typ == ngInterfaceStatistics && code >= 2 && code <= 5: // start, end, received, dropped
			need = 8
		}
		if n < need {
			return fmt.Errorf("option %d of %d bytes, needs %d", code, n, need)
		}
	}
	return nil
}

// usableResolution reports whether a timestamp resolution (if_tsresol) gives a
// non-zero unit in a uint64, as gopacket computes it: 2^-e seconds with the high bit
// set, 10^-e without.
func usableResolution(r byte) bool {
	if r&0x80 != 0 {
		return r&0x7f < 64
	}
	return r <= 19
}
