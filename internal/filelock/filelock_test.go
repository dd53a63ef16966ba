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

// TestTryLock checks that TryLock fails while the lock is held and succeeds after.
func TestTryLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	unlock, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	if u, ok, err := TryLock(path); err != nil || ok {
		if ok {
			u()
		}
		t.Fatalf("TryLock while held = %v, %v; want false, nil", ok, err)
	}
	unlock()
	u, ok, err := TryLock(path)
	if err != nil || !ok {
		t.Fatalf("TryLock after release = %v, %v; want true, nil", ok, err)
	}
	u()
}
