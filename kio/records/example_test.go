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
