package records

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/rand"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// reseal recomputes the CRC-32C of a magic 2 batch after a test edited it, so the
// edit is what the decoder trips over.
func reseal(b []byte) []byte {
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

// rawV2 builds a batch header by hand around payload, claiming count records.
func rawV2(codec Compression, count int32, payload []byte) []byte {
	b := make([]byte, 61, 61+len(payload))
	binary.BigEndian.PutUint64(b, 42)
	binary.BigEndian.PutUint32(b[8:], uint32(49+len(payload)))
	binary.BigEndian.PutUint32(b[12:], 0xffffffff)
	b[16] = 2
	binary.BigEndian.PutUint16(b[21:], uint16(codec))
	binary.BigEndian.PutUint32(b[23:], uint32(max(count-1, 0)))
	binary.BigEndian.PutUint64(b[43:], 0xffffffffffffffff)
	binary.BigEndian.PutUint16(b[51:], 0xffff)
	binary.BigEndian.PutUint32(b[53:], 0xffffffff)
	binary.BigEndian.PutUint32(b[57:], uint32(count))
	return reseal(append(b, payload...))
}

func edit(src []byte, f func(b []byte)) []byte {
	b := append([]byte(nil), src...)
	f(b)
	return b
}

// wantBatchError checks err is a *BatchError with the sentinel and base offset.
func wantBatchError(t *testing.T, name string, err, sentinel error, base int64) *BatchError {
	t.Helper()
	var be *BatchError
	if !errors.As(err, &be) {
		t.Errorf("%s: error %v (%T) is not a *BatchError", name, err, err)
		return nil
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("%s: error %v is not %v", name, err, sentinel)
	}
	if be.BaseOffset != base {
		t.Errorf("%s: base offset %d, want %d", name, be.BaseOffset, base)
	}
	return be
}

func TestCorruptV2(t *testing.T) {
	for _, tc := range []struct {
		name     string
		data     []byte
		sentinel error
	}{
		{"flipped payload byte", edit(goldenV2, func(b []byte) { b[70] ^= 1 }), ErrCRC},
		{"flipped CRC", edit(goldenV2, func(b []byte) { b[18] ^= 0x80 }), ErrCRC},
		{"flipped attributes", edit(goldenV2, func(b []byte) { b[22] ^= 0x10 }), ErrCRC},
		{"truncated", goldenV2[:50], ErrTruncated},
		{"truncated by one", goldenV2[:len(goldenV2)-1], ErrTruncated},
		{"magic 3", edit(goldenV2, func(b []byte) { b[16] = 3 }), ErrMagic},
		{"magic -1", edit(goldenV2, func(b []byte) { b[16] = 0xff }), ErrMagic},
		{"length below any message", edit(goldenV2, func(b []byte) { binary.BigEndian.PutUint32(b[8:], 13) }), ErrMalformed},
		{"negative length", edit(goldenV2, func(b []byte) { binary.BigEndian.PutUint32(b[8:], 0x80000000) }), ErrMalformed},
		{"length below the batch header", reseal(edit(goldenV2, func(b []byte) { binary.BigEndian.PutUint32(b[8:], 40) }))[:52], ErrMalformed},
		{"length above the limit", edit(goldenV2, func(b []byte) { binary.BigEndian.PutUint32(b[8:], 0x7fffffff) }), ErrTooLarge},
		{"count one more than the records", reseal(edit(goldenV2, func(b []byte) { b[60] = 3 })), ErrMalformed},
		{"count one less than the records", reseal(edit(goldenV2, func(b []byte) { b[60] = 1 })), ErrMalformed},
		{"count far beyond the bytes", reseal(edit(goldenV2, func(b []byte) { binary.BigEndian.PutUint32(b[57:], 0x7fffffff) })), ErrMalformed},
		{"negative count", reseal(edit(goldenV2, func(b []byte) { binary.BigEndian.PutUint32(b[57:], 0xffffffff) })), ErrMalformed},
		{"record length beyond the batch", reseal(edit(goldenV2, func(b []byte) { b[61] = 0x7e })), ErrMalformed},
		{"record length short of its fields", reseal(edit(goldenV2, func(b []byte) { b[61] = 0x20 })), ErrMalformed},
		{"negative record length", reseal(edit(goldenV2, func(b []byte) { b[61] = 0x21 })), ErrMalformed},
		{"key length beyond the record", reseal(edit(goldenV2, func(b []byte) { b[65] = 0x7e })), ErrMalformed},
		{"key length -2", reseal(edit(goldenV2, func(b []byte) { b[65] = 0x03 })), ErrMalformed},
		{"header count beyond the record", reseal(edit(goldenV2, func(b []byte) { b[74] = 0x7e })), ErrMalformed},
		{"negative header count", reseal(edit(goldenV2, func(b []byte) { b[74] = 0x01 })), ErrMalformed},
		{"negative header key length", reseal(edit(goldenV2, func(b []byte) { b[75] = 0x01 })), ErrMalformed},
		{"overlong varint", reseal(edit(goldenV2, func(b []byte) {
			for i := 63; i < 74; i++ {
				b[i] = 0xff
			}
		})), ErrMalformed},
		{"unknown codec 5", reseal(edit(goldenV2, func(b []byte) { b[22] = 5 })), ErrCompression},
		{"gzip garbage", rawV2(CompressionGzip, 1, []byte("not gzip at all")), ErrCompression},
		{"snappy garbage", rawV2(CompressionSnappy, 1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), ErrCompression},
		{"lz4 garbage", rawV2(CompressionLZ4, 1, []byte("not lz4 at all")), ErrCompression},
		{"zstd garbage", rawV2(CompressionZstd, 1, []byte("not zstd at all")), ErrCompression},
		{"empty gzip", rawV2(CompressionGzip, 0, nil), ErrCompression},
		{"xerial chunk beyond the data", rawV2(CompressionSnappy, 1, append(append([]byte(nil), xerialHeader...), 0, 0, 1, 0, 1)), ErrCompression},
	} {
		var b Batch
		_, err := DecodeBatch(tc.data, &b)
		be := wantBatchError(t, tc.name, err, tc.sentinel, int64(binary.BigEndian.Uint64(tc.data)))
		if be != nil && (be.Offset != 0 || be.Pos != be.Offset || be.Op != "decode") {
			t.Errorf("%s: offset %d (Pos %d, Op %q)", tc.name, be.Offset, be.Pos, be.Op)
		}
		if tc.sentinel == ErrTruncated && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: %v is not io.ErrUnexpectedEOF", tc.name, err)
		}
		if len(b.Records) != 0 {
			t.Errorf("%s: %d records left in the batch after an error", tc.name, len(b.Records))
		}
	}
}

func TestCorruptInScannerHasPosition(t *testing.T) {
	blob := append(append([]byte(nil), goldenV2...), edit(goldenV2, func(b []byte) { b[70] ^= 1 })...)
	s := NewScanner(blob)
	if !s.Next() {
		t.Fatalf("first batch: %v", s.Err())
	}
	if s.Next() {
		t.Fatal("corrupt second batch decoded")
	}
	be := wantBatchError(t, "second batch", s.Err(), ErrCRC, 5)
	if be != nil && (be.Offset != len(goldenV2) || be.Pos != be.Offset || be.Op != "decode") {
		t.Errorf("offset %d (Pos %d, Op %q), want %d", be.Offset, be.Pos, be.Op, len(goldenV2))
	}
	if s.Partial() || len(s.Rest()) != len(goldenV2) {
		t.Errorf("partial %v, rest %d", s.Partial(), len(s.Rest()))
	}
}

func TestPartialTailIsNotAnError(t *testing.T) {
	blob := append(append([]byte(nil), goldenV2...), goldenV2...)
	for cut := len(goldenV2) + 1; cut < len(blob); cut++ {
		batches, rest, err := ReadBatches(blob[:cut])
		if err != nil || len(batches) != 1 || len(rest) != cut-len(goldenV2) {
			t.Fatalf("cut %d: %d batches, rest %d, %v", cut, len(batches), len(rest), err)
		}
	}
	s := NewScanner(blob[:len(blob)-3])
	for s.Next() {
	}
	if !s.Partial() || s.Err() != nil {
		t.Errorf("partial %v, err %v", s.Partial(), s.Err())
	}
}

func TestCorruptLegacy(t *testing.T) {
	gz := func(inner []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(inner)
		w.Close()
		return buf.Bytes()
	}
	inner := append(append([]byte(nil), goldenV1...), goldenV1...)
	wrapper := func(value []byte) []byte { return appendLegacyMessage(nil, 1, 20, 1, 0, nil, value) }
	for _, tc := range []struct {
		name     string
		data     []byte
		sentinel error
	}{
		{"v0 flipped value", edit(goldenV0, func(b []byte) { b[len(b)-1] ^= 1 }), ErrCRC},
		{"v1 flipped timestamp", edit(goldenV1, func(b []byte) { b[20] ^= 1 }), ErrCRC},
		{"v1 size below a v1 message", edit(goldenV0, func(b []byte) { b[16] = 1 }), ErrMalformed},
		{"v0 value length beyond", resealLegacy(edit(goldenV0, func(b []byte) { b[25] = 9 })), ErrMalformed},
		{"v0 key length -2", resealLegacy(edit(goldenV0, func(b []byte) { b[21] = 0xfe })), ErrMalformed},
		{"v0 value shorter than the message", resealLegacy(edit(goldenV0, func(b []byte) { b[25] = 2 })), ErrMalformed},
		{"wrapper with a null value", wrapper(nil), ErrMalformed},
		{"wrapper with nothing inside", wrapper(gz(nil)), ErrMalformed},
		{"wrapper with a cut inner message", wrapper(gz(inner[:len(inner)-2])), ErrMalformed},
		{"wrapper with a corrupt inner message", wrapper(gz(edit(inner, func(b []byte) { b[30] ^= 1 }))), ErrCRC},
		{"wrapper with a v0 inner message", wrapper(gz(goldenV0)), ErrMalformed},
		{"wrapper inside a wrapper", wrapper(gz(wrapper(gz(goldenV1)))), ErrMalformed},
		{"wrapper with garbage", wrapper([]byte("garbage")), ErrCompression},
	} {
		var b Batch
		_, err := DecodeBatch(tc.data, &b)
		wantBatchError(t, tc.name, err, tc.sentinel, int64(binary.BigEndian.Uint64(tc.data)))
	}
}

func resealLegacy(b []byte) []byte {
	binary.BigEndian.PutUint32(b[12:], crc32.ChecksumIEEE(b[16:]))
	return b
}

func TestLegacyLZ4V0BrokenHeaderChecksum(t *testing.T) {
	in := &Batch{Compression: CompressionLZ4, Records: []Record{{Offset: 0, Timestamp: -1, Value: []byte("x")}}}
	enc, err := AppendMessageSet(nil, in, MagicV0)
	if err != nil {
		t.Fatal(err)
	}
	// The value's LZ4 frame starts after offset, size, CRC, magic, attributes, key -1 and
	// value length; make its header checksum the one Kafka's magic 0 writer produced:
	// xxHash32 over the frame magic number and descriptor rather than the descriptor.
	frame := enc[12+4+1+1+4+4:]
	if binary.LittleEndian.Uint32(frame) != 0x184D2204 || frame[4]&0x09 != 0 {
		t.Fatalf("unexpected frame start % x", frame[:8])
	}
	frame[6] = byte(xxh32(frame[:6], 0) >> 8)
	resealLegacy(enc)
	var b Batch
	if _, err := DecodeBatch(enc, &b); err != nil || string(b.Records[0].Value) != "x" {
		t.Fatalf("magic 0 with Kafka's header checksum: %v", err)
	}
	// Magic 1 data gets no such leniency.
	enc1, _ := AppendMessageSet(nil, in, MagicV1)
	frame1 := enc1[12+4+1+1+8+4+4:]
	frame1[6] = byte(xxh32(frame1[:6], 0) >> 8)
	resealLegacy(enc1)
	if _, err := DecodeBatch(enc1, &b); !errors.Is(err, ErrCompression) {
		t.Fatalf("magic 1 with a wrong header checksum: %v", err)
	}
}

func TestXXH32(t *testing.T) {
	for in, want := range map[string]uint32{
		"":    0x02CC5D05,
		"a":   0x550D7456,
		"abc": 0x32D153FF,
		"Nobody inspects the spammish repetition": 0xE2293B2F,
	} {
		if got := xxh32([]byte(in), 0); got != want {
			t.Errorf("xxh32(%q) = %08x, want %08x", in, got, want)
		}
	}
	// And it agrees with the header checksum pierrec/lz4 writes.
	var buf bytes.Buffer
	w := lz4.NewWriter(&buf)
	w.Write([]byte("hello"))
	w.Close()
	f := buf.Bytes()
	if got := byte(xxh32(f[4:6], 0) >> 8); got != f[6] {
		t.Errorf("header checksum %02x, lz4 wrote %02x", got, f[6])
	}
}

// zeroBomb compresses n zero bytes with codec, streaming, without holding them.
func zeroBomb(t *testing.T, codec Compression, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch codec {
	case CompressionGzip:
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	case CompressionZstd:
		zw, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	case CompressionLZ4:
		w = lz4.NewWriter(&buf)
	}
	zeros := make([]byte, 1<<20)
	for i := 0; i < n; i += len(zeros) {
		if _, err := w.Write(zeros); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestZipBomb(t *testing.T) {
	const gib = 1 << 30
	for _, tc := range []struct {
		codec    Compression
		size     int
		limit    int
		maxAlloc uint64
	}{
		// 1 GiB of zeros against the default 100 MiB limit: stops at the limit.
		{CompressionZstd, gib, 0, 300 << 20},
		{CompressionGzip, gib, 0, 300 << 20},
		// Smaller bombs against a small limit: allocation follows the limit.
		{CompressionZstd, 64 << 20, 4 << 20, 48 << 20},
		{CompressionGzip, 64 << 20, 4 << 20, 48 << 20},
		{CompressionLZ4, 64 << 20, 4 << 20, 48 << 20},
	} {
		bomb := zeroBomb(t, tc.codec, tc.size)
		// A whole message set of magic 1 gets the same treatment.
		for _, data := range [][]byte{
			rawV2(tc.codec, 1, bomb),
			appendLegacyMessage(nil, 1, 0, int8(tc.codec), 0, nil, bomb),
		} {
			if tc.codec == CompressionZstd && data[16] == 1 {
				continue // no zstd before magic 2
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			var b Batch
			_, err := DecodeBatch(data, &b, WithMaxSize(tc.limit))
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			name := tc.codec.String() + " magic " + itoa(int(data[16])) + " bomb of " + itoa(tc.size>>20) + " MiB (" + itoa(len(bomb)) + " bytes)"
			wantBatchError(t, name, err, ErrTooLarge, int64(binary.BigEndian.Uint64(data)))
			if alloc > tc.maxAlloc {
				t.Errorf("%s: allocated %d MiB", name, alloc>>20)
			}
			if took > 5*time.Second {
				t.Errorf("%s: took %v", name, took)
			}
			t.Logf("%s: %v, allocated %d MiB", name, took, alloc>>20)
		}
	}
}

// TestClaimedSizes checks that sizes declared inside compressed data are refused or
// bounded before anything is allocated for them.
func TestClaimedSizes(t *testing.T) {
	measure := func(name string, data []byte, sentinel error) {
		t.Helper()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var b Batch
		_, err := DecodeBatch(data, &b)
		runtime.ReadMemStats(&after)
		wantBatchError(t, name, err, sentinel, 42)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("%s: allocated %d KiB", name, alloc>>10)
		}
	}
	// A plain snappy block claiming 1 GiB (varint 0x80 0x80 0x80 0x80 0x04).
	measure("snappy claiming 1 GiB", rawV2(CompressionSnappy, 1, []byte{0x80, 0x80, 0x80, 0x80, 0x04, 0}), ErrTooLarge)
	// A plain snappy block claiming 50 MiB in 6 bytes: within the limit, but more than
	// snappy can encode in so few bytes.
	measure("snappy claiming 50 MiB", rawV2(CompressionSnappy, 1, []byte{0x80, 0x80, 0x80, 0x19, 0, 0}), ErrCompression)
	// A xerial chunk doing the same.
	x := append(append([]byte(nil), xerialHeader...), 0, 0, 0, 6, 0x80, 0x80, 0x80, 0x80, 0x04, 0)
	measure("xerial chunk claiming 1 GiB", rawV2(CompressionSnappy, 1, x), ErrTooLarge)
	// A zstd frame header claiming 1 GiB of content (single segment, 4-byte size).
	z := []byte{0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0, 0x40, 1, 0, 0}
	measure("zstd frame claiming 1 GiB", rawV2(CompressionZstd, 1, z), ErrTooLarge)
	// One claiming 50 MiB, under the limit, in a dozen bytes: not believed, decoded
	// by streaming, which finds the data missing.
	z = []byte{0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0x20, 0x03, 1, 0, 0}
	measure("zstd frame claiming 50 MiB", rawV2(CompressionZstd, 1, z), ErrCompression)
	// A gzip stream whose trailer claims 1 GiB.
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write([]byte("tiny"))
	w.Close()
	g := buf.Bytes()
	binary.LittleEndian.PutUint32(g[len(g)-4:], 1<<30)
	measure("gzip trailer claiming 1 GiB", rawV2(CompressionGzip, 1, g), ErrCompression)
}

// TestRandomCorruptionNeverPanics flips, cuts and splices valid blobs of every codec
// and magic; every outcome must be batches or a *BatchError.
func TestRandomCorruptionNeverPanics(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var blobs [][]byte
	for _, codec := range allCodecs {
		b := goldenV2Batch()
		b.Compression = codec
		enc, err := AppendBatch(nil, b)
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, enc)
		if codec != CompressionZstd {
			l := &Batch{Compression: codec, Records: []Record{{Offset: 1, Value: []byte("v")}, {Offset: 2, Key: []byte("k")}}}
			for _, magic := range []int8{0, 1} {
				enc, err := AppendMessageSet(nil, l, magic)
				if err != nil {
					t.Fatal(err)
				}
				blobs = append(blobs, enc)
			}
		}
	}
	for i := 0; i < 20000; i++ {
		data := append([]byte(nil), blobs[rng.Intn(len(blobs))]...)
		switch rng.Intn(4) {
		case 0:
			data[rng.Intn(len(data))] ^= byte(1 << rng.Intn(8))
		case 1:
			data = data[:rng.Intn(len(data))]
		case 2:
			data[rng.Intn(len(data))] = byte(rng.Intn(256))
			if data[16] == 2 {
				reseal(data)
			} else {
				resealLegacy(data)
			}
		case 3:
			// Overwrite a 4-byte window with an extreme value, then reseal.
			p := rng.Intn(len(data) - 4)
			binary.BigEndian.PutUint32(data[p:], []uint32{0, 0x7fffffff, 0x80000000, 0xffffffff}[rng.Intn(4)])
			if len(data) > 21 && data[16] == 2 && p >= 21 {
				reseal(data)
			}
		}
		s := NewScanner(data)
		for s.Next() {
		}
		if err := s.Err(); err != nil {
			var be *BatchError
			if !errors.As(err, &be) {
				t.Fatalf("error %v is not a *BatchError", err)
			}
		}
	}
}

func FuzzScanner(f *testing.F) {
	f.Add(goldenV2)
	f.Add(goldenV0)
	f.Add(goldenV1)
	for _, codec := range allCodecs {
		b := goldenV2Batch()
		b.Compression = codec
		enc, _ := AppendBatch(nil, b)
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := NewScanner(data, WithMaxSize(1<<20))
		for s.Next() {
			b := s.Batch()
			for i := range b.Records {
				if b.Control {
					ParseControl(&b.Records[i])
				}
			}
		}
		if err := s.Err(); err != nil {
			var be *BatchError
			if !errors.As(err, &be) {
				t.Fatalf("error %v is not a *BatchError", err)
			}
		}
	})
}

func TestCorruptControl(t *testing.T) {
	for _, tc := range []struct {
		name       string
		key, value []byte
		sentinel   error
	}{
		{"key of 3 bytes", []byte{0, 0, 0}, nil, ErrTruncated},
		{"version 0 key of 5 bytes", []byte{0, 0, 0, 1, 9}, []byte{0, 0, 0, 0, 0, 0}, ErrMalformed},
		{"marker of 5 bytes", []byte{0, 0, 0, 0}, []byte{0, 0, 0, 0, 0}, ErrTruncated},
		{"version 0 marker of 7 bytes", []byte{0, 0, 0, 1}, []byte{0, 0, 0, 0, 0, 1, 2}, ErrMalformed},
		{"leader change of 1 byte", []byte{0, 0, 0, 2}, []byte{0}, ErrTruncated},
		{"leader change version 5", []byte{0, 0, 0, 2}, []byte{0, 5, 0, 0, 0, 1, 1, 1, 0}, ErrMalformed},
		{"leader change cut in the voters", []byte{0, 0, 0, 2}, []byte{0, 0, 0, 0, 0, 1, 3, 0, 0, 0, 1, 0}, ErrTruncated},
		{"leader change claiming 2^31 voters", []byte{0, 0, 0, 2}, []byte{0, 0, 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x08, 1, 0}, nil},
		{"leader change with trailing bytes", []byte{0, 0, 0, 2}, []byte{0, 0, 0, 0, 0, 1, 1, 1, 0, 9}, ErrMalformed},
		{"snapshot header cut", []byte{0, 0, 0, 3}, []byte{0, 0, 0, 0}, ErrTruncated},
	} {
		_, err := ParseControl(&Record{Key: tc.key, Value: tc.value})
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
			t.Errorf("%s: %v is not %v", tc.name, err, tc.sentinel)
		}
		if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v is neither ErrTruncated nor ErrMalformed", tc.name, err)
		}
	}
	// An unknown control type decodes its key and leaves the value alone.
	c, err := ParseControl(&Record{Key: []byte{0, 0, 0, 99}, Value: []byte("?")})
	if err != nil || c.Key.Type != 99 || c.EndTxn != nil || c.LeaderChange != nil {
		t.Errorf("unknown type: %+v, %v", c, err)
	}
}

// TestBatchErrorText checks the message's layout, shared by kio's error types: package,
// operation, byte offset, then the cause, with the sentinel's prefix said once.
func TestBatchErrorText(t *testing.T) {
	blob := append(append([]byte(nil), goldenV2...), edit(goldenV2, func(b []byte) { b[70] ^= 1 })...)
	_, _, err := ReadBatches(blob)
	want := "records: decode batch at byte " + itoa(len(goldenV2)) + " (base offset 5, magic 2): checksum mismatch: stored CRC-32C"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start %q", err, want)
	}
}

// TestMalformedRecordIsTyped checks that a record the batch's bytes cannot hold is an
// ErrMalformed *BatchError naming the record.
func TestMalformedRecordIsTyped(t *testing.T) {
	body := []byte{0x02, 0x00} // record 0: length 1, then attributes and nothing more
	var b Batch
	be := parseRecords(body, 1, false, &b)
	if be == nil || !errors.Is(be, ErrMalformed) || be.Detail != "record 0: bad timestamp delta" {
		t.Errorf("parseRecords = %v", be)
	}
	if be := parseRecords(append(body[:0:0], 0x00), 1, false, &b); be == nil || be.Detail != "record 0: empty" {
		t.Errorf("empty record: %v", be)
	}
}
