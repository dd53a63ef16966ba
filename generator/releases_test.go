package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/internal/kafkarelease"
	"github.com/kio-go/kafka-protocol/internal/testenv"
)

// oldReleases are releases the generator must read as they ship, besides the pinned ones
// (kafkarelease): the last patch releases of 2.8, 3.0 and 3.5, whose specs hold what newer
// ones cleaned up (a stray "]}" in 2.8's DescribeProducersRequest, "ignorable": "true",
// a tagged field without "versions" in 3.5's FetchRequest).
var oldReleases = []string{"2.8.2", "3.0.2", "3.5.2"}

// TestReleasesAsTheyShip generates kio/schema from each release's specs exactly as its
// kafka-clients jar on Maven Central carries them, and from all of them merged, and
// builds and vets each output in a copy of the module.
func TestReleasesAsTheyShip(t *testing.T) {
	if testing.Short() {
		t.Skip("builds six generated schemas; skipped in -short mode")
	}
	testenv.RequireTools(t, "go")
	versions := append(append([]string{}, oldReleases...), kafkarelease.All()...)
	var all []specSource
	var allErrors []string
	for _, v := range versions {
		r := releaseSpecs(t, v)
		all = append(all, specSource{Release: v, Dir: r.Specs})
		allErrors = append(allErrors, r.ErrorCodes)
	}
	root := moduleRoot(t)
	for i, v := range versions {
		t.Run(v, func(t *testing.T) {
			buildGenerated(t, root, all[i:i+1], allErrors[i:i+1])
		})
	}
	t.Run("merged", func(t *testing.T) {
		m := buildGenerated(t, root, all, allErrors)
		// Every release's every API version is in the merged schema.
		for _, p := range m.Packages {
			for _, msg := range p.Messages {
				for _, rv := range msg.Releases {
					if !rv.Versions.IsNone() && rv.Versions.Intersect(msg.Versions) != rv.Versions && rv.Unstable.IsNone() {
						t.Errorf("%s: %s defines %s, the merged schema %s", msg.Name, rv.Release, rv.Versions, msg.Versions)
					}
				}
			}
		}
		t.Logf("merged %d releases: %d renames", len(all), len(m.Renames))
	})
}

// buildGenerated generates from sources into a copy of the module's hand-written code and
// runs go vet (which type-checks every package) on the result.
func buildGenerated(t *testing.T, root string, sources []specSource, errorFiles []string) *model {
	t.Helper()
	start := time.Now()
	mod := t.TempDir()
	copyHandWritten(t, root, mod)
	files, m, err := generate(sources, errorFiles)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFiles(filepath.Join(mod, "kio", "schema"), files); err != nil {
		t.Fatal(err)
	}
	// kio/schema and everything it imports; kio/records needs data schemas old releases lack.
	cmd := exec.Command("go", "vet", "./kio/schema/...")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOPROXY=off", "GOFLAGS=-mod=readonly")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the generated schema: %v\n%s", err, out)
	}
	apis := 0
	for _, p := range m.Packages {
		if len(p.Messages) == 2 {
			apis++
		}
	}
	t.Logf("%d files, %d APIs, %d packages; built and vetted in %v", len(files), apis, len(m.Packages), time.Since(start).Round(time.Millisecond))
	return m
}

// copyHandWritten copies go.mod, go.sum and every hand-written non-test Go file of the
// module outside tests, examples and the generator (kio/schema's generated files are
// left out: the generator writes them).
func copyHandWritten(t *testing.T, root, dst string) {
	t.Helper()
	for _, f := range []string{"go.mod", "go.sum"} {
		src, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			switch first, _, _ := strings.Cut(filepath.ToSlash(rel), "/"); {
			case rel != "." && strings.HasPrefix(d.Name(), "."), first == "tests", first == "examples", first == "generator", d.Name() == "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		if generated, err := isGeneratedFile(p); err != nil || generated {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, src, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
