// Package kiotest is property-based testing for kafka-tagged structs with gopter: the
// generated messages of kio/schema and hand-written structs alike.
//
// Gen[T](version) (or GenOf(t, version) for a type known at run time) is a gopter.Gen
// of values of the struct type T that are valid at version, and RoundTrip(v, version)
// checks that the codec (kio/serial) encodes v, decodes it to an equal value and
// encodes that to the same bytes. RoundTripProp[T](version) is the two together as a
// gopter property:
//
//	props := gopter.NewProperties(kiotest.Parameters(100))
//	props.Property("MetadataRequest v12", kiotest.RoundTripProp[metadata.MetadataRequest](12))
//	props.Property("custom check", prop.ForAll(func(m metadata.MetadataRequest) string {
//		if err := kiotest.RoundTrip(&m, 12); err != nil {
//			return err.Error() // gopter reports it with the shrunk m
//		}
//		return ""
//	}, kiotest.Gen[metadata.MetadataRequest](12)))
//	props.TestingRun(t)
//
// # Generated values
//
// A generated value is one the codec must round-trip exactly:
//
//   - fields absent at the version hold their defaults (serial.SetDefaults'), as a
//     decoder leaves them;
//   - nullable fields are null (nil *string, []byte, slice or *Struct) and not null,
//     null only where the field is nullable at the version; non-nullable slices and
//     bytes are never nil, possibly empty;
//   - tagged fields are left at their default or set to a value unlike it (even
//     treating nil and empty alike), so the codec must write them;
//   - an `unknownTags` field holds, at flexible versions only, one or two unknown
//     tagged fields above every tag id the struct knows, or none;
//   - arrays are empty and not; strings are printable UTF-8, mostly short, at most 800
//     bytes (Kafka allows 32767); bytes are random; now and then a string, bytes or
//     array of non-structs is long (100 or more) so that lengths need multi-byte
//     varints; integers span their full range, often at a boundary; floats are finite;
//   - `type=records` fields hold random bytes, or with WithRecords valid record
//     batches built with kio/records in any codec.
//
// Flexibility comes from the top-level struct's marker and is inherited by nested
// structs, as on the wire; a struct without a marker is classic at every version, as
// the codec reads it.
//
// Every generator has a shrinker: when a property fails, gopter reports the smallest
// failing value it reaches by nulling fields, resetting tagged fields to their default,
// emptying or halving arrays, strings and bytes and moving numbers toward zero. Every
// shrunk value is still valid at the version. Treat generated values as read-only:
// shrinking starts from the value the property was given.
//
// # One reading of the tags
//
// kiotest does not interpret the tags on its own where the codec does: a generator is
// built only after serial.Check accepts the type, and an error from building one is the
// codec's error (a *serial.Error wrapping serial.ErrSchema or serial.ErrVersion). Field
// versions, nullability and tags are read with kio/tags, the codec's parser, and
// defaults come from serial.SetDefaults. Gen and GenOf panic with that error, which
// fails the test that builds them and shows the codec's message; NewGen returns it.
//
// # Options and coverage
//
// Options tune generators: WithLimits (sizes), WithRecords (valid record batches) and
// WithCoverage, which records in a Coverage which field states the generated values
// reached (null and non-null, set and unset, unknown tags present and absent, arrays
// empty and not). A suite can require every state to be reached:
//
//	cov := kiotest.NewCoverage()
//	gen := kiotest.Gen[metadata.MetadataRequest](12, kiotest.WithCoverage(cov))
//	// ... run properties over gen ...
//	for _, f := range cov.Missing() {
//		t.Errorf("never generated %v: %v", f.Missing(), f)
//	}
//
// Parameters, Cases and Seed give gopter parameters with a fixed seed and a case count
// that KIO_PROP_SEED and KIO_PROP_CASES change, so runs are reproducible and long runs
// need no code change. Sample draws one value outside a property, e.g. for fuzz seeds.
package kiotest
