package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ngGuard sits between a pcapng file and gopacket's NgReader, which sizes buffers
// by the lengths a packet block claims (its captured length, or an interface's snap
// length) before it reads them: a hostile file could make it allocate gigabytes. The
// guard reads each block's header first and refuses, as an error of the read, a
// block longer than maxBlock or a packet block whose packet is longer than the block
// holding it; only then does it pass the block's bytes on. It parses nothing else.
type ngGuard struct {
	r         io.Reader
	bigEndian bool
	head      []byte // the current block's header bytes, not yet passed on
	remaining int64  // bytes of the current block after head, not yet passed on
	err       error
}

const maxBlock = 16 << 20

var errBlock = errors.New("pcapng block")

func (g *ngGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if len(g.head) == 0 && g.remaining == 0 {
		if err := g.nextBlock(); err != nil {
			g.err = err
			if len(g.head) == 0 {
				return 0, err
			}
		}
	}
	if len(g.head) > 0 {
		n := copy(p, g.head)
		g.head = g.head[n:]
		return n, nil
	}
	if int64(len(p)) > g.remaining {
		p = p[:g.remaining]
	}
	n, err := g.r.Read(p)
	g.remaining -= int64(n)
	if err == io.EOF && g.remaining > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (g *ngGuard) u32(b []byte) uint32 {
	if g.bigEndian {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// nextBlock reads the next block's header (8 bytes, and the fields that say how long
// its packet is) into head and checks the lengths.
func (g *ngGuard) nextBlock() error {
	var buf [28]byte
	n, err := io.ReadFull(g.r, buf[:8])
	g.head = append(g.head[:0], buf[:n]...)
	if err != nil {
		return err // io.EOF at a block boundary is the clean end
	}
	typ := binary.LittleEndian.Uint32(buf[:4])
	if typ == 0x0a0d0d0a { // section header: its byte-order magic sets the endianness
		if _, err := io.ReadFull(g.r, buf[8:12]); err != nil {
			return io.ErrUnexpectedEOF
		}
		g.head = append(g.head, buf[8:12]...)
		g.bigEndian = binary.BigEndian.Uint32(buf[8:12]) == 0x1a2b3c4d
	} else {
		typ = g.u32(buf[:4])
	}
	length := int64(g.u32(buf[4:8]))
	if length < int64(len(g.head)) || length > maxBlock || length%4 != 0 {
		return fmt.Errorf("%w of type %#x claims %d bytes", errBlock, typ, length)
	}
	switch typ {
	case 2, 6: // (obsolete) packet block, enhanced packet block: captured length at 20
		if _, err := io.ReadFull(g.r, buf[8:28]); err != nil {
			return io.ErrUnexpectedEOF
		}
		g.head = append(g.head, buf[8:28]...)
		if captured := int64(g.u32(buf[20:24])); captured > length-32 {
			return fmt.Errorf("%w: a packet of %d bytes in a block of %d", errBlock, captured, length)
		}
	case 3: // simple packet block: original length at 8, the packet up to the block's end
		if _, err := io.ReadFull(g.r, buf[8:12]); err != nil {
			return io.ErrUnexpectedEOF
		}
		g.head = append(g.head, buf[8:12]...)
		if orig := int64(g.u32(buf[8:12])); orig > length-16 {
			return fmt.Errorf("%w: a simple packet of %d bytes in a block of %d", errBlock, orig, length)
		}
	}
	g.remaining = length - int64(len(g.head))
	return nil
}
