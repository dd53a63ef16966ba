// Package layers_test checks that the module's dependencies point down: no package
// outside tests/ (kio/, internal/, generator/, examples/), nor its tests, imports a
// package of tests/, since tests/ sits on top of everything else.
package layers_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/testenv"
)

const module = "github.com/kio-go/kafka-protocol"

// TestNothingOutsideTestsImportsTests lists, with go list -deps -test, every package each
// package outside tests/ needs to build and test, and fails on any package of tests/.
func TestNothingOutsideTestsImportsTests(t *testing.T) {
	testenv.RequireTools(t, "go")
	root := moduleRoot(t)
	all := goList(t, root, "-f", "{{.ImportPath}}", "./...")
	var outside []string
	for _, p := range all {
		if !isTests(p) {
			outside = append(outside, p)
		}
	}
	if len(outside) < 100 || len(outside) == len(all) {
		t.Fatalf("%d packages outside tests/ of %d: the listing is wrong", len(outside), len(all))
	}
	// One package per run, so a bad import is blamed on the package that has it.
	bad := 0
	for _, p := range outside {
		for _, dep := range goList(t, root, "-deps", "-test", "-f", "{{.ImportPath}}", p) {
			if isTests(dep) {
				t.Errorf("%s depends on %s: only tests/ may import tests/ (shared code goes in internal/)", p, dep)
				bad++
			}
		}
	}
	t.Logf("%d packages outside tests/ (of %d), with their tests: %d imports of tests/", len(outside), len(all), bad)
}

// TestIsTests checks the rule the listing is judged by.
func TestIsTests(t *testing.T) {
	for p, want := range map[string]bool{
		module + "/tests":                     true,
		module + "/tests/kafkadist":           true,
		module + "/tests/kafkadist.test":      true,
		module + "/tests/kafkadist [x.test]":  true,
		module + "/testsuite":                 false,
		module + "/internal/kafkarelease":     false,
		"github.com/other/module/tests/thing": false,
	} {
		if got := isTests(p); got != want {
			t.Errorf("isTests(%q) = %v", p, got)
		}
	}
}

// isTests reports whether import path p, as go list -test prints it (maybe with ".test"
// or a " [x.test]" variant), is tests/ or a package under it.
func isTests(p string) bool {
	p, _, _ = strings.Cut(p, " ")
	p = strings.TrimSuffix(p, ".test")
	return p == module+"/tests" || strings.HasPrefix(p, module+"/tests/")
}

func goList(t *testing.T, dir string, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "..", "..")
}
