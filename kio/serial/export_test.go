package serial

import (
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/internal/arena"
	"github.com/kio-go/kafka-protocol/kio/internal/straight"
)

// Hooks for the external differential test (fastpath_test.go), which needs kiotest and
// kio/schema, both importing this package.

// MarshalWith encodes the struct v points to at version with plans compiled with the
// fast paths on (general false) or off, and returns the bytes with the size pass's
// answer, which must be their length.
func MarshalWith(v any, version int16, general bool) ([]byte, int, error) {
	ti, p, pl, err := planWith(v, version, general)
	if err != nil {
		return nil, 0, errorFor(err, "encode", typeOfValue(v, ti), version, -1)
	}
	size := pl.size(p)
	out, err := pl.encode(make([]byte, 0, size), p)
	if err != nil {
		return nil, size, errorFor(err, "encode", ti.typ, version, -1)
	}
	return out, size, nil
}

// UnmarshalWith is Unmarshal with plans compiled with the fast paths on or off.
func UnmarshalWith(data []byte, v any, version int16, general bool) error {
	ti, p, pl, err := planWith(v, version, general)
	if err != nil {
		return errorFor(err, "decode", typeOfValue(v, ti), version, 0)
	}
	r := reader{buf: data}
	ti.zero(p)
	pl.decode(&r, p)
	if r.err != nil {
		if _, ok := r.err.(*Error); !ok {
			r.err = &Error{Offset: r.failAt, Err: r.err}
		}
		return errorFor(r.err, "decode", ti.typ, version, r.failAt)
	}
	if r.off != len(data) {
		return errorFor(causef(ErrTrailing, "%d bytes after the message", len(data)-r.off), "decode", ti.typ, version, r.off)
	}
	return nil
}

func planWith(v any, version int16, general bool) (*typeInfo, unsafe.Pointer, *plan, error) {
	ti, p, _, err := locateStruct(v, true)
	if err != nil {
		return ti, nil, nil, err
	}
	if _, err := ti.planAt(version); err != nil {
		return ti, nil, nil, err
	}
	return ti, p, ti.planOf(version, ti.lt.Message.Flexible.Contains(version), general), nil
}

// FastPaths is optimize, for tests whose expectations differ with the fast paths off
// (the kio_general build): what a fast path saves, not what it decodes.
const FastPaths = optimize

// StraightWith runs the straight-line encoder registered for the type v points to at
// version (kio/internal/straight), whether or not optimize lets Append and Marshal use
// it: has says whether there is one, sizeOK and appendOK whether its size and append
// functions handled v, size is the size it gave and out what it appended (to a buffer
// of exactly that size when it handled v).
func StraightWith(v any, version int16) (out []byte, size int, has, sizeOK, appendOK bool) {
	ti, p, _, err := locateStruct(v, true)
	if err != nil {
		return nil, 0, false, false, false
	}
	e, has := straight.Lookup(ti.typ, version)
	if !has {
		return nil, 0, false, false, false
	}
	size, sizeOK = e.Size(p)
	out, appendOK = e.Append(make([]byte, 0, size), p)
	return out, size, true, sizeOK, appendOK
}

// UsesStraight reports whether Append and Marshal of the type v points to at version
// try a straight-line encoder before the plan.
func UsesStraight(v any, version int16) bool {
	ti, _, _, err := locateStruct(v, true)
	if err != nil {
		return false
	}
	pl, err := ti.planAt(version)
	return err == nil && pl.straight.Append != nil
}

// StraightDecodeWith runs the straight-line decoder registered for the type v points
// to at version on data, into v zeroed, whether or not optimize lets the entry points
// use it: has says whether there is one, n is what it returned (negative: declined).
func StraightDecodeWith(data []byte, v any, version int16) (n int, has bool) {
	ti, p, _, err := locateStruct(v, true)
	if err != nil {
		return -1, false
	}
	d := straight.LookupDecoder(ti.typ, version)
	if d == nil {
		return -1, false
	}
	ti.zero(p)
	var a arena.Arenas
	return d(data, &a, p), true
}

// UsesStraightDecoder reports whether Unmarshal of the type v points to at version
// tries a straight-line decoder before the plan.
func UsesStraightDecoder(v any, version int16) bool {
	ti, _, _, err := locateStruct(v, true)
	if err != nil {
		return false
	}
	pl, err := ti.planAt(version)
	return err == nil && pl.straightDecode != nil
}
