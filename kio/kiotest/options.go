package kiotest

import "fmt"

// Option configures a generator built by Gen, GenOf or NewGen.
type Option func(*config)

// Limits bound the size of generated values. A zero field takes the default written
// beside it.
type Limits struct {
	// MaxString is the longest ordinary string, in runes (default 16, at most 8191 so
	// that a string of 4-byte runes stays within Kafka's 32767 bytes).
	MaxString int
	// MaxBytes is the longest ordinary bytes, records or unknown-tag payload (default 16,
	// at most 1 MiB).
	MaxBytes int
	// MaxElems is the most elements an array holds near the top of a value (default 4);
	// arrays two structs deep or more hold at most half as many, so values stay small.
	MaxElems int
	// LongOneIn makes one string, bytes value or array of non-structs in LongOneIn a long
	// one (100 to 200 runes, 100 to 300 bytes, 100 to 150 elements), so that lengths need
	// multi-byte varints (default 16; negative: never).
	LongOneIn int
	// MaxDepth is how many structs deep arrays may still hold elements and nullable
	// struct pointers may still be non-null (default 8, deeper than any Kafka message).
	MaxDepth int
}

// Kafka's limits on what a generator may produce.
const (
	maxStringRunes = 8191    // 4-byte runes: 32764 bytes, within an int16 string length
	maxBytesLimit  = 1 << 20 // far within an int32 length; larger only slows tests down
	longStringMax  = 200     // runes of a long string: at most 800 bytes
)

// config is what the options set.
type config struct {
	limits   Limits
	coverage *Coverage
	records  bool
}

// WithLimits replaces the default size limits; zero fields keep their defaults.
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// WithCoverage records in c which field states the generated values reached. One
// Coverage may serve many generators, also running in parallel.
func WithCoverage(c *Coverage) Option { return func(cf *config) { cf.coverage = c } }

// WithRecords makes every `type=records` field hold one or two valid record batches
// (magic 2, built with kio/records, any codec) when it is not null or empty. Without
// it such fields hold arbitrary bytes, which the codec carries without looking inside.
func WithRecords() Option { return func(c *config) { c.records = true } }

func newConfig(opts []Option) (config, error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	l := &c.limits
	if l.MaxString < 0 || l.MaxString > maxStringRunes {
		return c, fmt.Errorf("kiotest: MaxString %d: want 0 to %d runes, so strings stay within Kafka's 32767 bytes", l.MaxString, maxStringRunes)
	}
	if l.MaxBytes < 0 || l.MaxBytes > maxBytesLimit {
		return c, fmt.Errorf("kiotest: MaxBytes %d: want 0 to %d", l.MaxBytes, maxBytesLimit)
	}
	if l.MaxString == 0 {
		l.MaxString = 16
	}
	if l.MaxBytes == 0 {
		l.MaxBytes = 16
	}
	if l.MaxElems <= 0 {
		l.MaxElems = 4
	}
	if l.LongOneIn == 0 {
		l.LongOneIn = 16
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 8
	}
	return c, nil
}
