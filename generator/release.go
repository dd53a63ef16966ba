package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kio-go/kafka-protocol/internal/kafkaspecs"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// A new Kafka release in one command: `go run ./generator -release 4.4.0` fetches the
// release's specs and error codes (kafkaspecs, from Maven Central), makes it the newest
// release kio/schema merges in place of the current newest (the pinned 3.9.x stays),
// regenerates kio/schema, moves the pin in internal/kafkarelease and prints what changed.
// Run with the current newest release it regenerates the schema and changes nothing else.

// pinsFile is the file of internal/kafkarelease that holds the pins, from the module root.
var pinsFile = filepath.Join("internal", "kafkarelease", "kafkarelease.go")

// pinPattern finds a pin in pinsFile: `Kafka39 = "3.9.2"`, `Newest = "4.4.0"`.
func pinPattern(name string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^(\s*` + name + `\s*=\s*)"([0-9]+\.[0-9]+\.[0-9]+)"`)
}

// pins are the releases the schema merges, as pinsFile names them.
type pins struct{ Kafka39, Newest string }

// readPins reads the pins from pinsFile under root.
func readPins(root string) (pins, []byte, error) {
	src, err := os.ReadFile(filepath.Join(root, pinsFile))
	if err != nil {
		return pins{}, nil, err
	}
	var p pins
	for name, dst := range map[string]*string{"Kafka39": &p.Kafka39, "Newest": &p.Newest} {
		m := pinPattern(name).FindAllSubmatch(src, -1)
		if len(m) != 1 {
			return pins{}, nil, fmt.Errorf("%s: %d lines pin %s, want one", pinsFile, len(m), name)
		}
		*dst = string(m[0][2])
	}
	return p, src, nil
}

// releaseSources are the inputs of the schema for the pinned 3.9.x and newest release:
// both releases' specs, and the newest release's error codes.
func releaseSources(kafka39, newest kafkaspecs.Release) ([]specSource, []string) {
	return []specSource{{Release: kafka39.Version, Dir: kafka39.Specs}, {Release: newest.Version, Dir: newest.Specs}},
		[]string{newest.ErrorCodes}
}

// updateRelease makes version the newest release of the tree at root: it regenerates
// root/kio/schema from the pinned 3.9.x and version, moves the Newest pin, and writes
// what changed to w. get fetches a release's specs (kafkaspecs.Get on the cache).
func updateRelease(root, version string, get func(version string) (kafkaspecs.Release, error), w io.Writer) error {
	p, pinSrc, err := readPins(root)
	if err != nil {
		return err
	}
	newer, err := newerRelease(version, p.Kafka39)
	if err != nil {
		return err
	}
	if !newer {
		return fmt.Errorf("release %s is not newer than the pinned %s, which stays", version, p.Kafka39)
	}
	var rels [3]kafkaspecs.Release
	for i, v := range []string{p.Kafka39, p.Newest, version} {
		if rels[i], err = get(v); err != nil {
			return fmt.Errorf("the specs of Kafka %s: %w", v, err)
		}
	}
	before, err := load(releaseSources(rels[0], rels[1]))
	if err != nil {
		return fmt.Errorf("the schema of %s and %s: %w", p.Kafka39, p.Newest, err)
	}
	files, after, err := generate(releaseSources(rels[0], rels[2]))
	if err != nil {
		return fmt.Errorf("the schema of %s and %s: %w", p.Kafka39, version, err)
	}
	if err := writeFiles(filepath.Join(root, "kio", "schema"), files); err != nil {
		return err
	}
	moved := pinPattern("Newest").ReplaceAll(pinSrc, []byte(`${1}"`+version+`"`))
	if err := os.WriteFile(filepath.Join(root, pinsFile), moved, 0o644); err != nil {
		return err
	}
	if version == p.Newest {
		fmt.Fprintf(w, "Kafka %s stays the newest release kio/schema merges, beside %s; kio/schema regenerated.\n", version, p.Kafka39)
	} else {
		fmt.Fprintf(w, "Kafka %s replaces %s as the newest release kio/schema merges (%s stays); %s pins it.\n", version, p.Newest, p.Kafka39, pinsFile)
	}
	changes := schemaChanges(before, after)
	if len(changes) == 0 {
		fmt.Fprintln(w, "No API, version, message, error code or name changed.")
	}
	for _, c := range changes {
		fmt.Fprintln(w, c)
	}
	return nil
}

// newerRelease reports whether release a is newer than release b (both X.Y.Z).
func newerRelease(a, b string) (bool, error) {
	pa, err := releaseNumbers(a)
	if err != nil {
		return false, err
	}
	pb, err := releaseNumbers(b)
	if err != nil {
		return false, err
	}
	return slices.Compare(pa, pb) > 0, nil
}

func releaseNumbers(v string) ([]int, error) {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("release %q is not a full release number such as 4.4.0", v)
	}
	out := make([]int, 3)
	for i, s := range parts {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("release %q is not a full release number such as 4.4.0", v)
		}
		out[i] = n
	}
	return out, nil
}

// schemaChanges lists, one line each, what differs between two models: APIs, headers and
// data schemas added or removed, versions added or removed, unstable versions, renames
// new to after, error codes added or removed.
func schemaChanges(before, after *model) []string {
	var out []string
	type entry struct {
		title            string
		versions         tags.Range
		unstable         tags.Range
		packageName, key string
	}
	index := func(m *model) (map[string]entry, []string) {
		byID := map[string]entry{}
		var ids []string
		for _, p := range m.Packages {
			msg := p.Messages[0]
			e := entry{title: p.Title, versions: msg.Versions, unstable: tags.None(), packageName: p.Name}
			if msg.LatestUnstable {
				e.unstable = tags.Range{Lo: msg.Versions.Hi, Hi: msg.Versions.Hi}
			}
			// APIs are told apart by key (a renamed API keeps its key), schemas by name.
			id := "schema " + msg.Name
			if len(p.Messages) == 2 {
				id = fmt.Sprintf("API %03d", msg.APIKey)
				e.key = fmt.Sprintf(" (key %d)", msg.APIKey)
			}
			byID[id] = e
			ids = append(ids, id)
		}
		slices.Sort(ids)
		return byID, ids
	}
	old, oldIDs := index(before)
	cur, curIDs := index(after)
	kind := func(id string) string { return strings.Fields(id)[0] }
	for _, id := range curIDs {
		c := cur[id]
		o, ok := old[id]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("new %s: %s%s %s (package %s)", kind(id), c.title, c.key, versionsText(c.versions), c.packageName))
			continue
		case o.title != c.title:
			out = append(out, fmt.Sprintf("renamed %s: %s%s is now %s (package %s)", kind(id), o.title, c.key, c.title, c.packageName))
		}
		for _, v := range versionList(c.versions) {
			if !o.versions.Contains(v) {
				out = append(out, fmt.Sprintf("new version: %s%s v%d", c.title, c.key, v))
			}
		}
		for _, v := range versionList(o.versions) {
			if !c.versions.Contains(v) {
				out = append(out, fmt.Sprintf("removed version: %s%s v%d", c.title, c.key, v))
			}
		}
		if o.unstable != c.unstable {
			out = append(out, fmt.Sprintf("unstable: %s%s %s, was %s", c.title, c.key, versionsText(c.unstable), versionsText(o.unstable)))
		}
	}
	for _, id := range oldIDs {
		if _, ok := cur[id]; !ok {
			o := old[id]
			out = append(out, fmt.Sprintf("removed %s: %s%s %s (package %s)", kind(id), o.title, o.key, versionsText(o.versions), o.packageName))
		}
	}
	for _, r := range after.Renames {
		if !slices.Contains(before.Renames, r) {
			out = append(out, "renamed: "+r)
		}
	}
	codes := func(m *model) map[int16]string {
		c := map[int16]string{}
		for _, e := range m.Codes {
			c[e.Code] = e.Name
		}
		return c
	}
	oldCodes, curCodes := codes(before), codes(after)
	for _, e := range after.Codes {
		if name, ok := oldCodes[e.Code]; !ok {
			out = append(out, fmt.Sprintf("new error code: %d %s", e.Code, e.Name))
		} else if name != e.Name {
			out = append(out, fmt.Sprintf("renamed error code: %d %s is now %s", e.Code, name, e.Name))
		}
	}
	for _, e := range before.Codes {
		if _, ok := curCodes[e.Code]; !ok {
			out = append(out, fmt.Sprintf("removed error code: %d %s", e.Code, e.Name))
		}
	}
	return out
}

// versionList lists the versions of a closed range (merged ranges are closed).
func versionList(r tags.Range) []int16 {
	var out []int16
	if r.IsNone() || r.IsOpen() {
		return out
	}
	for v := r.Lo; v <= r.Hi; v++ {
		out = append(out, v)
	}
	return out
}

// versionsText writes a range as the changes list does: "v0-13", "v6", "none".
func versionsText(r tags.Range) string {
	if r.IsNone() {
		return "none"
	}
	return "v" + r.String()
}
