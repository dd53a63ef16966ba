package client

import (
	"testing"
	"time"
)

// TestReauthPoint: a session is re-authenticated between 85 % and 95 % of its
// lifetime, and never later than reauthMargin (half a session shorter than twice
// that) before it ends.
func TestReauthPoint(t *testing.T) {
	start := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct{ lifetime, earliest, latest time.Duration }{
		{300 * time.Millisecond, 150 * time.Millisecond, 150 * time.Millisecond},
		{3 * time.Second, 2 * time.Second, 2 * time.Second},
		{10 * time.Second, 8500 * time.Millisecond, 9 * time.Second},
		{time.Hour, 51 * time.Minute, 57 * time.Minute},
	} {
		lo, hi := time.Duration(1<<62), time.Duration(0)
		for range 1000 {
			var conn Conn
			conn.setSession(nil, 0, start, c.lifetime)
			d := conn.reauthAt.Sub(start)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < c.earliest || hi > c.latest {
			t.Errorf("lifetime %v: re-authenticates between %v and %v, want within [%v, %v]", c.lifetime, lo, hi, c.earliest, c.latest)
		}
		if c.earliest < c.latest && lo == hi {
			t.Errorf("lifetime %v: always at %v, want spread", c.lifetime, lo)
		}
	}
}
