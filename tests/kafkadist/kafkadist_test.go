package kafkadist

import (
	"slices"
	"testing"
)

func TestEachReleaseRunsEveryRelease(t *testing.T) {
	var ran []string
	t.Run("suite", func(t *testing.T) {
		EachRelease(t, "starts nothing", func(t *testing.T, version string) {
			if want := "TestEachReleaseRunsEveryRelease/suite/" + version; t.Name() != want {
				t.Errorf("subtest %q, want %q", t.Name(), want)
			}
			ran = append(ran, version)
		})
	})
	want := Releases
	if testing.Short() {
		want = nil // skipped
	}
	if !slices.Equal(ran, want) {
		t.Errorf("ran %v, want %v (short %v)", ran, want, testing.Short())
	}
}

func TestCountFromEnv(t *testing.T) {
	for _, c := range []struct {
		env  string
		want int
	}{{"", 7}, {"12", 12}, {"0", 7}, {"-3", 7}, {"many", 7}} {
		t.Setenv("KIO_TEST_COUNT", c.env)
		if got := CountFromEnv("KIO_TEST_COUNT", 7); got != c.want {
			t.Errorf("KIO_TEST_COUNT=%q: %d, want %d", c.env, got, c.want)
		}
	}
}
