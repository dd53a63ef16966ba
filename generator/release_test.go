package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/kafkarelease"
	"github.com/kio-go/kafka-protocol/internal/kafkaspecs"
	"github.com/kio-go/kafka-protocol/internal/kafkaspecs/specstest"
)

// rolledBack is the release the test rolls the newest back to: the newest 4.3.x on
// Maven Central, the last line before 4.4.0.
const rolledBack = "4.3.2"

// TestReleaseUpdateReproducesSchema runs the one-command release update on a copy of the
// tree (kio/schema and the pins) twice: first rolling the newest release back to 4.3.2,
// which must change the pins and the schema, then forward to the pinned newest, which
// must give back the committed schema and pins byte for byte and say what changed.
func TestReleaseUpdateReproducesSchema(t *testing.T) {
	root := moduleRoot(t)
	tree := t.TempDir()
	copyTree(t, filepath.Join(root, "kio", "schema"), filepath.Join(tree, "kio", "schema"))
	copyTree(t, filepath.Join(root, "internal", "kafkarelease"), filepath.Join(tree, "internal", "kafkarelease"))
	get := func(v string) (kafkaspecs.Release, error) { return specstest.Release(t, v), nil }

	var out bytes.Buffer
	if err := updateRelease(tree, rolledBack, get, &out); err != nil {
		t.Fatal(err)
	}
	p, _, err := readPins(tree)
	if err != nil || p.Newest != rolledBack || p.Kafka39 != kafkarelease.Kafka39 {
		t.Fatalf("pins after rolling back: %+v, %v", p, err)
	}
	if diff := treeDiff(t, filepath.Join(root, "kio", "schema"), filepath.Join(tree, "kio", "schema")); len(diff) == 0 {
		t.Fatalf("rolling back to %s changed nothing in kio/schema", rolledBack)
	}
	t.Logf("rolled back:\n%s", out.String())

	out.Reset()
	if err := updateRelease(tree, kafkarelease.Newest, get, &out); err != nil {
		t.Fatal(err)
	}
	for _, d := range [][2]string{{"kio/schema", "kio/schema"}, {"internal/kafkarelease", "internal/kafkarelease"}} {
		if diff := treeDiff(t, filepath.Join(root, d[0]), filepath.Join(tree, d[1])); len(diff) != 0 {
			t.Errorf("%s after the update differs from the committed one: %s", d[0], strings.Join(diff, ", "))
		}
	}
	report := out.String()
	t.Logf("updated:\n%s", report)
	want := []string{"Kafka " + kafkarelease.Newest + " replaces " + rolledBack}
	if kafkarelease.Newest == "4.4.0" {
		want = append(want,
			"new version: ApiVersions (key 18) v5",
			"new API: UnregisterController (key 94) v0 (package unregistercontroller)",
			"new schema: AbortedTxn v0 (package abortedtxn)",
			"renamed: field TxnOffsetCommitRequest.GenerationId (3.9.2) -> TxnOffsetCommitRequest.GenerationIdOrMemberEpoch in TxnOffsetCommitRequest",
			"new error code: 136 CONTROLLER_ID_NOT_REGISTERED")
	}
	for _, w := range want {
		if !strings.Contains(report, w+"\n") && !strings.HasPrefix(report, w) {
			t.Errorf("the update did not print %q", w)
		}
	}
}

// TestReleaseUpdateRefuses checks the releases and pins the update refuses.
func TestReleaseUpdateRefuses(t *testing.T) {
	tree := t.TempDir()
	pins := filepath.Join(tree, pinsFile)
	if err := os.MkdirAll(filepath.Dir(pins), 0o755); err != nil {
		t.Fatal(err)
	}
	noFetch := func(v string) (kafkaspecs.Release, error) {
		t.Fatalf("fetched %s", v)
		return kafkaspecs.Release{}, nil
	}
	cases := []struct{ pins, version, want string }{
		{"const (\n\tKafka39 = \"3.9.2\"\n\tNewest = \"4.4.0\"\n)\n", "3.8.1", "not newer than the pinned 3.9.2"},
		{"const (\n\tKafka39 = \"3.9.2\"\n\tNewest = \"4.4.0\"\n)\n", "4.4", "not a full release number"},
		{"const (\n\tKafka39 = \"3.9.2\"\n)\n", "4.4.0", "0 lines pin Newest"},
	}
	for _, c := range cases {
		if err := os.WriteFile(pins, []byte(c.pins), 0o644); err != nil {
			t.Fatal(err)
		}
		err := updateRelease(tree, c.version, noFetch, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("release %s: err = %v, want %q", c.version, err, c.want)
		}
	}
}

// copyTree copies the files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// treeDiff lists the files that differ between two trees, or exist in one only.
func treeDiff(t *testing.T, a, b string) []string {
	t.Helper()
	read := func(root string) map[string][]byte {
		files := map[string][]byte{}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			files[filepath.ToSlash(rel)], err = os.ReadFile(p)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	fa, fb := read(a), read(b)
	var diff []string
	for n, src := range fa {
		if other, ok := fb[n]; !ok {
			diff = append(diff, n+" missing")
		} else if !bytes.Equal(src, other) {
			diff = append(diff, n+" differs")
		}
	}
	for n := range fb {
		if _, ok := fa[n]; !ok {
			diff = append(diff, n+" extra")
		}
	}
	return diff
}
