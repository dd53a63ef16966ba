package serial

// optimize turns the plans' fast paths on: the encode and decode loops' inline cases
// for common kinds (fixed-width numbers, short compact strings and counts, int32 lists,
// compact bytes, struct arrays), the direct loops for arrays of flat structs
// (direct.go, direct_decode.go: compiled only into fast plans), Marshal's inline size
// pass, the empty tagged-field section, and the generated straight-line encoders of
// flat messages (kio/internal/straight) in Append and Marshal, and the generated
// straight-line decoders in Unmarshal and UnmarshalPrefix. Each shortcuts a
// general rule of kinds.go, which stays the reference: as with encoding/json v2's
// optimizeCommon, every test must pass whichever way it is set.
// Building with the tag kio_general turns it off (CI runs the codec's suites so), and
// TestFastPathsAgree compares both kinds of plan in one process over every message,
// version and generated value.
const optimize = !generalBuild
