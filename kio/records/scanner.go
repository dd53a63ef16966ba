package records

// Scanner walks the batches of a records blob, such as the records of one partition in
// a Fetch response: any mix of magics, possibly ending with a batch the broker cut
// short at its size limit. That tail is not an error: Next stops, Partial reports it
// and Rest returns it. A batch that is corrupt stops Next with Err set to a
// *BatchError.
//
//	s := records.NewScanner(data)
//	for s.Next() {
//		b := s.Batch()
//		...
//	}
//	if err := s.Err(); err != nil { ... }
//	if s.Partial() { /* fetch again from the offset after the last batch */ }
type Scanner struct {
	data    []byte
	pos     int
	cfg     readConfig
	batch   *Batch
	err     error
	partial bool
}

// NewScanner returns a Scanner over data. Decoded records alias data as DecodeBatch
// describes.
func NewScanner(data []byte, opts ...ReadOption) *Scanner {
	return &Scanner{data: data, cfg: newReadConfig(opts)}
}

// Next decodes the next complete batch and reports whether there was one.
func (s *Scanner) Next() bool {
	s.batch = nil
	if s.err != nil || s.partial || s.pos >= len(s.data) {
		return false
	}
	b := new(Batch)
	n, partial, err := decodeOne(s.data[s.pos:], b, &s.cfg)
	switch {
	case err != nil:
		s.err = decodeErrorAt(err, s.pos)
		return false
	case partial:
		s.partial = true
		return false
	}
	s.pos += n
	s.batch = b
	return true
}

// Batch returns the batch decoded by the last successful Next. Each call of Next
// decodes into a new Batch, so batches may be kept.
func (s *Scanner) Batch() *Batch { return s.batch }

// Err returns the error that stopped Next, if any: a *BatchError.
func (s *Scanner) Err() error { return s.err }

// Partial reports whether Next stopped at an incomplete batch at the end of the data.
func (s *Scanner) Partial() bool { return s.partial }

// Rest returns the bytes not decoded yet: after Next returned false, the partial tail,
// the bytes from the corrupt batch on, or nothing.
func (s *Scanner) Rest() []byte { return s.data[s.pos:] }

// ReadBatches decodes every complete batch of data. rest is the incomplete tail (empty
// when data ends on a batch boundary). On error, batches holds the batches before the
// corrupt one and rest starts at it.
func ReadBatches(data []byte, opts ...ReadOption) (batches []*Batch, rest []byte, err error) {
	s := NewScanner(data, opts...)
	for s.Next() {
		batches = append(batches, s.Batch())
	}
	return batches, s.Rest(), s.Err()
}
