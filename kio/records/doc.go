// Package records reads and writes Kafka's log format: the bytes of the `records`
// fields of Produce and Fetch.
//
// It covers record batches (magic 2) with every header field, the legacy message sets
// (magic 0 and 1, including compressed wrapper messages), all five codecs (none, gzip,
// snappy in both its plain and xerial-framed forms, lz4 frames, zstd) and control
// records (transaction markers and the KRaft control records).
//
// Snappy: Kafka's Java client writes snappy-java's xerial framing (a header, then
// length-prefixed plain snappy blocks of 32 KiB input each); librdkafka and franz-go
// write one plain block. Every Kafka reader accepts both. This package reads both and
// writes the xerial framing, as the Java client does, unless WithRawSnappy is given.
// WithCompressionLevel picks gzip, lz4 and zstd levels.
//
// Writing: build a Batch and append it to a buffer.
//
//	b := records.NewBatch(
//		records.Record{Timestamp: now, Key: []byte("k"), Value: []byte("v")},
//	)
//	b.Compression = records.CompressionZstd
//	buf, err := records.AppendBatch(nil, b)
//
// Reading: walk a blob with a Scanner; it stops without error at a batch the broker cut
// short (Partial, Rest), and with a *BatchError at a corrupt one.
//
//	s := records.NewScanner(fetched)
//	for s.Next() {
//		for _, r := range s.Batch().Records {
//			fmt.Println(r.Offset, string(r.Key), string(r.Value))
//		}
//	}
//	if err := s.Err(); err != nil {
//		// errors.Is(err, records.ErrCRC), errors.As(err, new(*records.BatchError)), ...
//	}
//
// Aliasing: decoding copies nothing it does not have to. Keys, values and header values
// of an uncompressed batch are sub-slices of the input (capacity-limited, so appending
// to one cannot clobber the next); keep the input unchanged while they are in use, or
// decode WithCopy. Compressed batches decode into a fresh buffer owned by the batch.
// Header keys are strings and never alias the input.
//
// Hostile input: every length and count is checked against the bytes actually present
// before anything is allocated for it, a batch longer than the size limit (WithMaxSize,
// 100 MiB by default) is refused before decompression, and decompression stops as soon
// as the output passes the limit (ErrTooLarge).
package records
