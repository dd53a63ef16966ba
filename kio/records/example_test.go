package records_test

import (
	"errors"
	"fmt"

	"github.com/kio-go/kafka-protocol/kio/records"
)

func Example() {
	// Build a zstd batch as a producer sends it, and append it to a buffer.
	b := records.NewBatch(
		records.Record{Timestamp: 1700000000000, Key: []byte("user-1"), Value: []byte("hello"),
			Headers: []records.Header{{Key: "trace", Value: []byte("abc")}}},
		records.Record{Timestamp: 1700000000005, Value: []byte("world")},
	)
	b.Compression = records.CompressionZstd
	buf, err := records.AppendBatch(nil, b)
	if err != nil {
		panic(err)
	}

	// A Fetch response may end with a batch cut short: here, a second copy's first 20 bytes.
	fetched := append(buf, buf[:20]...)
	s := records.NewScanner(fetched)
	for s.Next() {
		batch := s.Batch()
		fmt.Println("batch", batch.BaseOffset, "to", batch.LastOffset(), batch.Compression)
		for _, r := range batch.Records {
			fmt.Printf("  offset %d key %q value %q headers %d\n", r.Offset, r.Key, r.Value, len(r.Headers))
		}
	}
	fmt.Println("partial:", s.Partial(), "rest:", len(s.Rest()), "err:", s.Err())

	// Corruption is a typed error.
	buf[len(buf)-1] ^= 0xff
	_, err = records.DecodeBatch(buf, new(records.Batch))
	var be *records.BatchError
	fmt.Println(errors.Is(err, records.ErrCRC), errors.As(err, &be) && be.BaseOffset == 0)
	// Output:
	// batch 0 to 1 zstd
	//   offset 0 key "user-1" value "hello" headers 1
	//   offset 1 key "" value "world" headers 0
	// partial: true rest: 20 err: <nil>
	// true true
}

// A Scanner walks the records of a Fetch response partition: whole batches, then a
// batch the broker cut short (not an error: Partial and Rest say where to fetch from),
// or a corrupt batch (a *BatchError saying where it starts).
func ExampleScanner() {
	first, _ := records.AppendBatch(nil, records.NewBatch(records.Record{Value: []byte("a")}, records.Record{Value: []byte("b")}))
	// The broker numbers batches as it appends them to the log: the second starts at 2.
	second := records.NewBatch(records.Record{Value: []byte("c")})
	second.BaseOffset, second.Records[0].Offset = 2, 2
	blob, _ := records.AppendBatch(first, second)

	// Two batches, then the first 30 bytes of a third.
	fetched := append(append([]byte(nil), blob...), blob[:30]...)
	s := records.NewScanner(fetched)
	for s.Next() {
		for _, r := range s.Batch().Records {
			fmt.Printf("offset %d %s\n", r.Offset, r.Value)
		}
	}
	fmt.Println("err:", s.Err(), "partial:", s.Partial(), "rest:", len(s.Rest()))

	// The same with a bit of the second batch's records flipped: its CRC fails.
	fetched[len(blob)-2] ^= 1
	s = records.NewScanner(fetched)
	for s.Next() {
		fmt.Println("batch at offset", s.Batch().BaseOffset)
	}
	var be *records.BatchError
	if errors.As(s.Err(), &be) {
		fmt.Println(errors.Is(be, records.ErrCRC), be.Op, "at byte", be.Offset, "= first batch's length:", be.Offset == len(first))
	}
	// Output:
	// offset 0 a
	// offset 1 b
	// offset 2 c
	// err: <nil> partial: true rest: 30
	// batch at offset 0
	// true decode at byte 77 = first batch's length: true
}
