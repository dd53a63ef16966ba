package arena

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Many distinct strings from many goroutines: every decode returns its own bytes
// (run under -race in CI), however the table's sets are overwritten.
func TestInternConcurrentDistinctStrings(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3000 {
				want := fmt.Sprintf("topic-%d-%d", i%500, g%2) // repeats across goroutines
				if got := Intern([]byte(want)); got != want {
					t.Errorf("interned %q as %q", want, got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// sameShort agrees with Go's string comparison at every length it is used for, with
// a difference at every position.
func TestSameShort(t *testing.T) {
	for n := 1; n <= MaxInternLen; n++ {
		a := []byte(strings.Repeat("abcdefghij", 7)[:n])
		if !sameShort(string(a), a) {
			t.Fatalf("length %d: equal bytes reported different", n)
		}
		for i := 0; i < n; i++ {
			b := append([]byte(nil), a...)
			b[i] ^= 0x40
			if got, want := sameShort(string(a), b), string(a) == string(b); got != want {
				t.Fatalf("length %d, byte %d changed: sameShort %v, == %v", n, i, got, want)
			}
		}
	}
}
