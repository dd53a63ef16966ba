package records

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Decompression never sizes a buffer by what the compressed data claims beyond what it
// could plausibly hold: declared sizes (gzip ISIZE, zstd frame content size, snappy
// block length) are trusted only up to a codec-specific expansion bound, and every
// stream is read through readLimited, which stops one byte past the limit. Encoders and
// decoders are pooled: building one costs far more than a small batch.

// errLimit is readLimited's "one byte past the limit" signal, turned into ErrTooLarge.
var errLimit = errors.New("limit reached")

// decompress inflates src, compressed with codec, into a new buffer of at most limit
// bytes. lz4V0 tolerates the wrong LZ4 header checksum Kafka writes for magic 0.
func decompress(src []byte, codec Compression, limit int, lz4V0 bool) ([]byte, *BatchError) {
	var (
		out []byte
		err error
	)
	switch codec {
	case CompressionGzip:
		out, err = inflateGzip(src, limit)
	case CompressionSnappy:
		out, err = inflateSnappy(src, limit)
	case CompressionLZ4:
		out, err = inflateLZ4(src, limit, lz4V0)
	case CompressionZstd:
		out, err = inflateZstd(src, limit)
	default:
		return nil, &BatchError{Err: ErrCompression, Detail: "unknown codec " + itoa(int(codec))}
	}
	if err == nil && len(out) > limit {
		err = errLimit
	}
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, errLimit), errors.Is(err, zstd.ErrDecoderSizeExceeded), errors.Is(err, zstd.ErrWindowSizeExceeded):
		return nil, &BatchError{Err: ErrTooLarge, Detail: codec.String() + " data inflates past the limit of " + itoa(limit) + " bytes"}
	default:
		return nil, &BatchError{Err: ErrCompression, Detail: codec.String() + " data does not decompress", Cause: err}
	}
}

// readLimited reads r to its end into a buffer that starts at hint bytes and doubles,
// never past limit+1; reaching limit+1 bytes is errLimit.
func readLimited(r io.Reader, hint, limit int) ([]byte, error) {
	buf := make([]byte, min(max(hint, 512), limit+1))
	n := 0
	for {
		if n == len(buf) {
			if n > limit {
				return nil, errLimit
			}
			bigger := make([]byte, min(2*len(buf), limit+1))
			copy(bigger, buf)
			buf = bigger
		}
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			if n > limit {
				return nil, errLimit
			}
			return buf[:n:n], nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// sizeHint bounds a declared inflated size by the codec's largest possible expansion
// ratio and the limit, so a lying header cannot make us allocate.
func sizeHint(declared uint64, compressed, ratio, limit int) int {
	bound := uint64(compressed)*uint64(ratio) + 64
	return int(min(declared, bound, uint64(limit)+1))
}

// onlyReader hides bytes.Reader's extra methods so decoders take their plain streaming
// path (zstd decodes a whole bytes.Reader at once otherwise, past any limit we set).
type onlyReader struct{ r io.Reader }

func (o *onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// gzip

// gzipMaxRatio is deflate's largest expansion: 258 bytes from about 2 bits.
const gzipMaxRatio = 1032

type gzipInflater struct {
	src bytes.Reader
	zr  gzip.Reader
}

var gzipInflaters sync.Pool

func inflateGzip(src []byte, limit int) ([]byte, error) {
	g, _ := gzipInflaters.Get().(*gzipInflater)
	if g == nil {
		g = new(gzipInflater)
	}
	defer gzipInflaters.Put(g)
	g.src.Reset(src)
	if err := g.zr.Reset(&g.src); err != nil {
		return nil, err
	}
	// The trailer's ISIZE is the inflated size modulo 2^32: a good first guess when true.
	declared := uint64(4 * len(src))
	if len(src) >= 4 {
		declared = uint64(binary.LittleEndian.Uint32(src[len(src)-4:])) + 1
	}
	return readLimited(&g.zr, sizeHint(declared, len(src), gzipMaxRatio, limit), limit)
}

// gzipDeflaters pools gzip writers per level; level 0 is gzip's default.
var gzipDeflaters = deflaterPool{codec: "gzip", newWriter: func(level int) (streamWriter, error) {
	if level == 0 {
		level = gzip.DefaultCompression
	}
	return gzip.NewWriterLevel(nil, level)
}}

// streamWriter is a compressing writer that can be pointed at a new output: gzip's
// and lz4's.
type streamWriter interface {
	io.WriteCloser
	Reset(io.Writer)
}

// deflaterPool pools a codec's streamWriters per level (Kafka's compression.*.level, 1
// to 9; 0 is the codec's default), each with the buffer it appends to.
type deflaterPool struct {
	codec     string
	newWriter func(level int) (streamWriter, error)
	levels    [10]sync.Pool
}

type deflater struct {
	out appendWriter
	zw  streamWriter
}

// deflate appends src compressed at level to dst.
func (p *deflaterPool) deflate(dst, src []byte, level int) ([]byte, error) {
	if level < 0 || level > 9 {
		return dst, fmt.Errorf("%w: %s level %d, want 1 to 9", ErrInvalidBatch, p.codec, level)
	}
	pool := &p.levels[level]
	g, _ := pool.Get().(*deflater)
	if g == nil {
		zw, err := p.newWriter(level)
		if err != nil {
			return dst, err
		}
		g = &deflater{zw: zw}
	}
	defer pool.Put(g)
	g.out.buf = dst
	g.zw.Reset(&g.out)
	if _, err := g.zw.Write(src); err != nil {
		return dst, err
	}
	err := g.zw.Close()
	dst, g.out.buf = g.out.buf, nil
	return dst, err
}

// appendWriter is an io.Writer that appends to buf.
type appendWriter struct{ buf []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// lz4

type lz4Inflater struct {
	src  bytes.Reader
	only onlyReader
	zr   *lz4.Reader
}

var lz4Inflaters sync.Pool

func inflateLZ4(src []byte, limit int, v0 bool) ([]byte, error) {
	exact, upper, err := lz4Bounds(src)
	if err != nil {
		return nil, err
	}
	if exact > uint64(limit) {
		return nil, errLimit
	}
	g, _ := lz4Inflaters.Get().(*lz4Inflater)
	if g == nil {
		g = &lz4Inflater{zr: lz4.NewReader(nil)}
		g.only.r = &g.src
	}
	defer lz4Inflaters.Put(g)
	if v0 {
		src = fixLZ4HeaderChecksum(src)
	}
	g.src.Reset(src)
	g.zr.Reset(&g.only)
	// One more byte than the bound, so the read that finds the end needs no growth.
	return readLimited(g.zr, int(min(upper, uint64(limit))+1), limit)
}

const (
	lz4FrameMagic     = 0x184D2204
	lz4SkippableMagic = 0x184D2A50 // to 0x184D2A5F
)

// lz4Bounds walks the frames and block headers of src without decoding them and
// returns the output size known exactly (declared content sizes and stored blocks) and
// an upper bound on the whole output (compressed blocks count as the frame's largest
// block), which sizes the output buffer.
func lz4Bounds(src []byte) (exact, upper uint64, err error) {
	errCut := errors.New("lz4 frame cut short")
	for len(src) > 0 {
		if len(src) < 8 {
			return 0, 0, errCut
		}
		switch magic := binary.LittleEndian.Uint32(src); {
		case magic&0xFFFFFFF0 == lz4SkippableMagic:
			skip := 8 + uint64(binary.LittleEndian.Uint32(src[4:]))
			if skip > uint64(len(src)) {
				return 0, 0, errCut
			}
			src = src[skip:]
			continue
		case magic != lz4FrameMagic:
			return 0, 0, errors.New("not an lz4 frame")
		}
		flg, bd := src[4], src[5]
		blockMax := uint64(1) << (8 + 2*((bd>>4)&7)) // 4: 64 KiB, 5: 256 KiB, 6: 1 MiB, 7: 4 MiB
		p := 7                                       // magic, FLG, BD, header checksum
		var contentSize uint64
		if flg&0x08 != 0 {
			if len(src) < p+8 {
				return 0, 0, errCut
			}
			contentSize = binary.LittleEndian.Uint64(src[6:])
			p += 8
		}
		if flg&0x01 != 0 {
			p += 4 // dictionary id
		}
		var frameExact, frameUpper uint64
		for {
			if len(src) < p+4 {
				return 0, 0, errCut
			}
			size := binary.LittleEndian.Uint32(src[p:])
			p += 4
			if size == 0 { // end mark
				break
			}
			stored := uint64(size & 0x7FFFFFFF)
			if size&0x80000000 != 0 {
				frameExact += stored
				frameUpper += stored
			} else {
				frameUpper += blockMax
			}
			if flg&0x10 != 0 {
				stored += 4 // block checksum
			}
			if stored > uint64(len(src)-p) {
				return 0, 0, errCut
			}
			p += int(stored)
		}
		if flg&0x04 != 0 {
			p += 4 // content checksum
		}
		if p > len(src) {
			return 0, 0, errCut
		}
		if flg&0x08 != 0 {
			if contentSize > frameUpper || contentSize < frameExact {
				return 0, 0, errors.New("lz4 content size does not match its blocks")
			}
			frameExact, frameUpper = contentSize, contentSize
		}
		exact += frameExact
		upper += frameUpper
		src = src[p:]
	}
	return exact, upper, nil
}

// lz4Deflaters pools lz4 writers per level; level 0 is pierrec/lz4's default, Fast.
var lz4Deflaters = deflaterPool{codec: "lz4", newWriter: func(level int) (streamWriter, error) {
	zlevel := lz4.Fast
	if level > 0 {
		zlevel = lz4.Level1 << (level - 1)
	}
	zw := lz4.NewWriter(nil)
	// 64 KiB blocks as Kafka's Java client writes, rather than 4 MiB: less memory per
	// batch on both sides.
	err := zw.Apply(lz4.BlockSizeOption(lz4.Block64Kb), lz4.CompressionLevelOption(zlevel))
	return zw, err
}}

// fixLZ4HeaderChecksum returns src with its LZ4 frame header checksum recomputed.
// Kafka's magic 0 writer hashed the frame magic number into it by mistake, and Kafka's
// magic 0 reader ignores it; we do the same by making it right before decoding.
func fixLZ4HeaderChecksum(src []byte) []byte {
	const magic = 0x184D2204
	if len(src) < 7 || binary.LittleEndian.Uint32(src) != magic {
		return src // not a frame: let the decoder say so
	}
	end := 6 // FLG and BD follow the magic number
	if src[4]&0x08 != 0 {
		end += 8 // content size
	}
	if src[4]&0x01 != 0 {
		end += 4 // dictionary id
	}
	if len(src) <= end {
		return src
	}
	hc := byte(xxh32(src[4:end], 0) >> 8)
	if src[end] == hc {
		return src
	}
	fixed := append([]byte(nil), src...)
	fixed[end] = hc
	return fixed
}

// zstd

// zstdMaxBlock is the most a zstd block can regenerate (Block_Maximum_Size).
const zstdMaxBlock = 128 << 10

var (
	zstdDecoderOnce sync.Once
	zstdDecoder     *zstd.Decoder
	zstdDecoderErr  error
)

// inflateZstd decodes with DecodeAll, which keeps its history in the output buffer
// (the streaming decoder allocates a ring as large as the window the frame declares).
// The output buffer is sized once from the frames' own structure, never past the limit
// plus one block, and DecodeAll may not grow it (WithDecodeAllCapLimit): a block that
// does not fit fails the decode instead of reallocating.
func inflateZstd(src []byte, limit int) ([]byte, error) {
	exact, upper, err := zstdBounds(src, limit)
	if err != nil {
		return nil, err
	}
	if exact > uint64(limit) {
		return nil, errLimit
	}
	zstdDecoderOnce.Do(func() {
		zstdDecoder, zstdDecoderErr = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0),
			zstd.WithDecodeAllCapLimit(true), zstd.WithDecoderMaxMemory(1<<40))
	})
	if zstdDecoderErr != nil {
		return nil, zstdDecoderErr
	}
	// The slack covers the decoder's over-long copies at the end of a block.
	size := min(upper, uint64(limit)+zstdMaxBlock) + 64
	out, err := zstdDecoder.DecodeAll(src, make([]byte, 0, size))
	if err != nil && (len(out) > limit || errors.Is(err, zstd.ErrDecoderSizeExceeded)) {
		return nil, errLimit
	}
	return out, err
}

// zstdBounds walks the frames and block headers of src without decoding them and
// returns the output size known exactly (declared content sizes, raw and RLE blocks,
// which the limit can refuse at once; a declared size above limit is errLimit) and an upper bound on the whole output (compressed
// blocks count as the largest block), which is what the bytes can really produce.
func zstdBounds(src []byte, limit int) (exact, upper uint64, err error) {
	for len(src) > 0 {
		var h zstd.Header
		if err := h.Decode(src); err != nil {
			return 0, 0, err
		}
		if h.Skippable {
			skip := uint64(h.HeaderSize) + uint64(h.SkippableSize)
			if skip > uint64(len(src)) {
				return 0, 0, errors.New("zstd skippable frame cut short")
			}
			src = src[skip:]
			continue
		}
		if h.HasFCS && h.FrameContentSize > uint64(limit) {
			return 0, 0, errLimit
		}
		src = src[h.HeaderSize:]
		var frameExact, frameUpper uint64
		for last := false; !last; {
			if len(src) < 3 {
				return 0, 0, errors.New("zstd block header cut short")
			}
			bh := uint32(src[0]) | uint32(src[1])<<8 | uint32(src[2])<<16
			last = bh&1 != 0
			size := uint64(bh >> 3)
			content := size
			switch (bh >> 1) & 3 {
			case 0: // raw
				frameExact += size
				frameUpper += size
			case 1: // RLE: one byte repeated size times
				content = 1
				frameExact += size
				frameUpper += size
			case 2: // compressed
				frameUpper += zstdMaxBlock
			default:
				return 0, 0, errors.New("zstd reserved block type")
			}
			if content > uint64(len(src)-3) {
				return 0, 0, errors.New("zstd block cut short")
			}
			src = src[3+content:]
		}
		if h.HasCheckSum {
			if len(src) < 4 {
				return 0, 0, errors.New("zstd checksum cut short")
			}
			src = src[4:]
		}
		if h.HasFCS {
			if h.FrameContentSize > frameUpper || h.FrameContentSize < frameExact {
				return 0, 0, errZstdLength
			}
			frameExact, frameUpper = h.FrameContentSize, h.FrameContentSize
		}
		exact += frameExact
		upper += frameUpper
	}
	return exact, upper, nil
}

var errZstdLength = errors.New("zstd frame content size does not match its blocks")

// zstdEncoders holds one encoder (EncodeAll is safe for concurrent use) per
// klauspost/compress speed, indexed by zstd.EncoderLevel.
var zstdEncoders [zstd.SpeedBestCompression + 1]struct {
	once sync.Once
	enc  *zstd.Encoder
	err  error
}

// deflateZstd compresses at a zstd level (Kafka's compression.zstd.level), mapped to the
// nearest of klauspost/compress's four speeds; 0 is zstd's default, 3.
func deflateZstd(dst, src []byte, level int) ([]byte, error) {
	speed := zstd.SpeedDefault
	if level != 0 {
		speed = zstd.EncoderLevelFromZstd(level)
	}
	e := &zstdEncoders[speed]
	e.once.Do(func() {
		// Zero frames: an empty batch still gets a frame every reader accepts. The
		// encoder keeps a state per CPU; a 1 MiB window (a typical batch's size limit)
		// and the lower-memory mode keep each state small, where the default window
		// would cost up to 16 MiB of history per CPU.
		e.enc, e.err = zstd.NewWriter(nil, zstd.WithZeroFrames(true), zstd.WithEncoderLevel(speed),
			zstd.WithWindowSize(1<<20), zstd.WithLowerEncoderMem(true))
	})
	if e.err != nil {
		return dst, e.err
	}
	return e.enc.EncodeAll(src, dst), nil
}

// compress appends src compressed with codec to dst.
func compress(dst, src []byte, codec Compression, cfg *writeConfig) ([]byte, error) {
	switch codec {
	case CompressionGzip:
		return gzipDeflaters.deflate(dst, src, cfg.level)
	case CompressionSnappy:
		if cfg.rawSnappy {
			return appendSnappyBlock(dst, src), nil
		}
		return appendXerial(dst, src), nil
	case CompressionLZ4:
		return lz4Deflaters.deflate(dst, src, cfg.level)
	case CompressionZstd:
		return deflateZstd(dst, src, cfg.level)
	}
	return dst, errors.New("unknown codec " + codec.String())
}
