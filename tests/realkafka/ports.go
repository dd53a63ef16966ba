package realkafka

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/kio-go/kafka-protocol/internal/filelock"
)

// A JVM binds its ports seconds after they are chosen, so a port that was free when
// chosen must stay unwanted by everyone else until then. Two things used to take one in
// between: the kernel, which hands ports of its ephemeral range to every outgoing
// connection (a cluster's nodes open dozens to each other while they start) and to every
// listener on port 0; and the suites running in other processes at the same time, which
// choose the same way. So ports are chosen below the ephemeral range, where the kernel
// never hands one out, and each is reserved across processes by an flock on a file named
// after it, held until the process exits.

// reservation holds the releases of this process's port locks.
var reservation = struct {
	sync.Mutex
	held map[int]func()
}{held: map[int]func(){}}

// portSpan is how many ports below the ephemeral range are candidates.
const portSpan = 12000

// candidateRange is the range [lo, hi) ports are chosen from: the portSpan ports below
// the kernel's ephemeral range (ip_local_port_range), never below 1024.
func candidateRange() (lo, hi int, err error) {
	hi = 32768 // Linux's default lower end
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				hi = n
			}
		}
	}
	lo = max(hi-portSpan, 1024)
	if hi-lo < 1000 {
		return 0, 0, fmt.Errorf("realkafka: the ephemeral port range starts at %d, leaving too few ports below it", hi)
	}
	return lo, hi, nil
}

// reserve locks port for this process and checks that it can be bound on 127.0.0.1
// now; it reports false when another process (or this one) holds it or it is in use.
// Call with reservation locked.
func reserve(dir string, port int) (bool, error) {
	if reservation.held[port] != nil {
		return false, nil
	}
	unlock, ok, err := filelock.TryLock(filepath.Join(dir, strconv.Itoa(port)))
	if !ok || err != nil {
		return false, err
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		unlock()
		return false, nil
	}
	l.Close()
	reservation.held[port] = unlock
	return true, nil
}

// lockDir is the directory of the port lock files, shared by every process of the user.
func lockDir() (string, error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("kio-test-ports-%d", os.Getuid()))
	return dir, os.MkdirAll(dir, 0o700)
}

// FreePorts reserves n distinct TCP ports on 127.0.0.1 for the rest of the process: each
// was free when reserved, lies below the kernel's ephemeral range (so no outgoing
// connection or port-0 listener takes it meanwhile), and is returned to no other caller
// in any process using FreePorts or PortRun until this one exits.
func FreePorts(n int) ([]int, error) {
	return reservePorts(n, false)
}

// PortRun reserves n consecutive ports as FreePorts does and returns the first, for a
// program that takes a base port and counts up from it.
func PortRun(n int) (int, error) {
	ports, err := reservePorts(n, true)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// reservePorts reserves n ports, consecutive ones if asked, trying at random in
// candidateRange.
func reservePorts(n int, consecutive bool) ([]int, error) {
	lo, hi, err := candidateRange()
	if err != nil {
		return nil, err
	}
	dir, err := lockDir()
	if err != nil {
		return nil, err
	}
	reservation.Lock()
	defer reservation.Unlock()
	var ports []int
	release := func() {
		for _, p := range ports {
			reservation.held[p]()
			delete(reservation.held, p)
		}
		ports = ports[:0]
	}
	for tries := 0; tries < 100*n; tries++ {
		var p int
		if consecutive && len(ports) > 0 {
			p = ports[len(ports)-1] + 1
		} else {
			p = lo + rand.IntN(hi-lo-n)
		}
		ok, err := reserve(dir, p)
		if err != nil {
			release()
			return nil, err
		}
		switch {
		case ok:
			ports = append(ports, p)
			if len(ports) == n {
				return ports, nil
			}
		case consecutive:
			release()
		}
	}
	release()
	return nil, fmt.Errorf("realkafka: no %d free ports in [%d, %d) after %d tries", n, lo, hi, 100*n)
}
