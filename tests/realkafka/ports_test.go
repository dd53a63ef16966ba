package realkafka

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

func TestFreePorts(t *testing.T) {
	if os.Getenv("KIO_PORTS_CHILD") != "" {
		portsChild(t)
		return
	}
	lo, hi, err := candidateRange()
	if err != nil {
		t.Fatal(err)
	}
	ports, err := FreePorts(40)
	if err != nil {
		t.Fatal(err)
	}
	base, err := PortRun(5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		ports = append(ports, base+i)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p < lo || p >= hi {
			t.Errorf("port %d outside [%d, %d)", p, lo, hi)
		}
		if seen[p] {
			t.Errorf("port %d handed out twice", p)
		}
		seen[p] = true
	}
	// Another process may reserve none of them while this one lives.
	var list []string
	for _, p := range ports {
		list = append(list, strconv.Itoa(p))
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFreePorts$", "-test.v")
	cmd.Env = append(os.Environ(), "KIO_PORTS_CHILD="+strings.Join(list, ","))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// portsChild runs in a second process: it must find every port the parent reserved
// taken, and still reserve others.
func portsChild(t *testing.T) {
	dir, err := lockDir()
	if err != nil {
		t.Fatal(err)
	}
	parent := map[int]bool{}
	for _, s := range strings.Split(os.Getenv("KIO_PORTS_CHILD"), ",") {
		p, _ := strconv.Atoi(s)
		parent[p] = true
		reservation.Lock()
		ok, err := reserve(dir, p)
		reservation.Unlock()
		if err != nil || ok {
			t.Errorf("port %d reserved by the parent: reserve = %v, %v", p, ok, err)
		}
	}
	mine, err := FreePorts(40)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range mine {
		if parent[p] {
			t.Errorf("port %d handed to two processes", p)
		}
	}
}
