package tags

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Range is an inclusive range of protocol versions, written as in Kafka's specs:
// "3" (only 3), "0-5", "9+" (9 and later) or "none" (no version).
type Range struct {
	Lo, Hi int16 // Hi < Lo means the empty range
}

// None returns the empty range: no version is in it. (A function rather than a
// variable, so that no package can change what every other one reads.)
func None() Range { return Range{Lo: 0, Hi: -1} }

// All returns "0+": every version.
func All() Range { return Range{Lo: 0, Hi: math.MaxInt16} }

// Contains reports whether version v is in r.
func (r Range) Contains(v int16) bool { return v >= r.Lo && v <= r.Hi }

// IsNone reports whether r holds no version.
func (r Range) IsNone() bool { return r.Hi < r.Lo }

// IsOpen reports whether r has no upper end ("N+").
func (r Range) IsOpen() bool { return !r.IsNone() && r.Hi == math.MaxInt16 }

// Intersect returns the versions in both r and o.
func (r Range) Intersect(o Range) Range {
	out := Range{Lo: max(r.Lo, o.Lo), Hi: min(r.Hi, o.Hi)}
	if out.IsNone() {
		return None()
	}
	return out
}

// String writes r back in the spec's notation.
func (r Range) String() string {
	switch {
	case r.IsNone():
		return "none"
	case r.IsOpen():
		return strconv.Itoa(int(r.Lo)) + "+"
	case r.Lo == r.Hi:
		return strconv.Itoa(int(r.Lo))
	default:
		return strconv.Itoa(int(r.Lo)) + "-" + strconv.Itoa(int(r.Hi))
	}
}

// ParseRange reads a version range in the spec's notation.
func ParseRange(s string) (Range, error) {
	if s == "none" {
		return None(), nil
	}
	if lo, ok := strings.CutSuffix(s, "+"); ok {
		v, err := parseVersion(lo)
		if err != nil {
			return None(), fmt.Errorf("bad version range %q: %v", s, err)
		}
		return Range{Lo: v, Hi: math.MaxInt16}, nil
	}
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		l, err := parseVersion(lo)
		if err != nil {
			return None(), fmt.Errorf("bad version range %q: %v", s, err)
		}
		h, err := parseVersion(hi)
		if err != nil {
			return None(), fmt.Errorf("bad version range %q: %v", s, err)
		}
		if h < l {
			return None(), fmt.Errorf("bad version range %q: upper end below lower end", s)
		}
		return Range{Lo: l, Hi: h}, nil
	}
	v, err := parseVersion(s)
	if err != nil {
		return None(), fmt.Errorf("bad version range %q: %v", s, err)
	}
	return Range{Lo: v, Hi: v}, nil
}

func parseVersion(s string) (int16, error) {
	if s == "" || strings.TrimSpace(s) != s || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("%q is not a version", s)
	}
	n, err := strconv.ParseInt(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("%q is not a version", s)
	}
	return int16(n), nil
}
