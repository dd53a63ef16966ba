// Package filelock serialises work across processes with an exclusive lock on a file:
// go test runs test packages in parallel processes, and more than one of them may build
// the same Maven module or fetch the same Kafka release into a shared cache.
package filelock

import (
	"os"
	"syscall"
)

// Lock takes an exclusive lock on path, creating the file, and returns its release.
func Lock(path string) (unlock func(), err error) {
	unlock, _, err = flock(path, syscall.LOCK_EX)
	return unlock, err
}

// TryLock is Lock that does not wait: when another holder has path locked it reports
// false and holds nothing.
func TryLock(path string) (unlock func(), ok bool, err error) {
	return flock(path, syscall.LOCK_EX|syscall.LOCK_NB)
}

// flock opens path and takes the lock how says; ok is false when a non-blocking lock
// is held elsewhere.
func flock(path string, how int) (unlock func(), ok bool, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		if err == syscall.EWOULDBLOCK {
			return nil, false, nil
		}
		return nil, false, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, true, nil
}
