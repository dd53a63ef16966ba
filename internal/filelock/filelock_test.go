package filelock

import (
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestLockExcludes holds the lock and checks that a second taker waits for its release.
func TestLockExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	unlock, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	var released, took atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		u, err := Lock(path)
		if err != nil {
			t.Error(err)
			return
		}
		took.Store(released.Load())
		u()
	}()
	time.Sleep(50 * time.Millisecond)
	released.Store(true)
	unlock()
	<-done
	if !took.Load() {
		t.Fatal("the second Lock returned while the first was held")
	}
}
