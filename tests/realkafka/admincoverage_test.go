package realkafka

import "testing"

// TestCheckAdminCoverage shows that the Java clients test fails when the driver reports
// an Admin method it did not call, or no coverage line at all.
func TestCheckAdminCoverage(t *testing.T) {
	for _, c := range []struct {
		out string
		ok  bool
	}{
		{"deleteTopics ok\nadmin methods: 66 of 66 called; not called: none\nfailures 0\n", true},
		{"admin methods: 65 of 66 called; not called: listGroups\nfailures 0\n", false},
		{"admin methods: 64 of 66 called; not called: listGroups metrics\n", false},
		{"admin methods: 0 of 0 called; not called: none\n", false},
		{"admin methods: sixty\n", false},
		{"failures 0\n", false},
	} {
		_, err := checkAdminCoverage(c.out)
		if (err == nil) != c.ok {
			t.Errorf("checkAdminCoverage(%q) = %v, want ok %v", c.out, err, c.ok)
		}
	}
}
