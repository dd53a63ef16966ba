package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/tags"
)

// Two small releases of one API, Gizmo (key 7): the old release defines v0-3 with v3
// unstable, the new one v2-4 (v0-1 dropped), renames the API to Gadget, the struct Part
// to Piece and the field Size to Length, drops the field Legacy (v0-1 only) and adds Extra
// (v4+). A data schema exists only in the old release, another only in the new one.
const oldGizmoRequest = `{
  "apiKey": 7, "type": "request", "name": "GizmoRequest",
  "validVersions": "0-3", "flexibleVersions": "2+", "latestVersionUnstable": true,
  "listeners": ["zkBroker", "broker"],
  "fields": [
    { "name": "Id", "type": "int32", "versions": "0+" },
    { "name": "Legacy", "type": "string", "versions": "0-1", "about": "Gone in the new release." },
    { "name": "Parts", "type": "[]Part", "versions": "0+", "fields": [
      { "name": "Size", "type": "int64", "versions": "0+" },
      { "name": "Note", "type": "string", "versions": "2+", "nullableVersions": "2+", "tag": 0, "taggedVersions": "2+" }
    ]},
    { "name": "Unstable", "type": "int8", "versions": "3+" }
  ]
}`

const oldGizmoResponse = `{
  "apiKey": 7, "type": "response", "name": "GizmoResponse",
  "validVersions": "0-3", "flexibleVersions": "2+",
  "fields": [ { "name": "ErrorCode", "type": "int16", "versions": "0+" } ]
}`

const newGadgetRequest = `{
  "apiKey": 7, "type": "request", "name": "GadgetRequest",
  "validVersions": "2-4", "flexibleVersions": "2+",
  "listeners": ["broker"],
  "fields": [
    { "name": "Id", "type": "int32", "versions": "0+" },
    { "name": "Pieces", "type": "[]Piece", "versions": "0+", "fields": [
      { "name": "Length", "type": "int64", "versions": "0+" },
      { "name": "Note", "type": "string", "versions": "2+", "nullableVersions": "2+", "tag": 0, "taggedVersions": "2+" }
    ]},
    { "name": "Extra", "type": "int8", "versions": "4+" }
  ]
}`

const newGadgetResponse = `{
  "apiKey": 7, "type": "response", "name": "GadgetResponse",
  "validVersions": "2-4", "flexibleVersions": "2+",
  "fields": [ { "name": "ErrorCode", "type": "int16", "versions": "0+" } ]
}`

const oldOnlyData = `{ "type": "data", "name": "OldRecord", "validVersions": "0", "flexibleVersions": "none",
  "fields": [ { "name": "A", "type": "int32", "versions": "0+" } ] }`

const newOnlyData = `{ "type": "data", "name": "NewRecord", "validVersions": "0-1", "flexibleVersions": "0+",
  "fields": [ { "name": "B", "type": "int32", "versions": "1+" } ] }`

func writeRelease(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mergeFixture(t *testing.T, newRequest string) ([]specSource, []string) {
	t.Helper()
	old := writeRelease(t, map[string]string{"GizmoRequest.json": oldGizmoRequest, "GizmoResponse.json": oldGizmoResponse,
		"OldRecord.json": oldOnlyData, "error-codes.csv": "code,name,retriable\n0,NONE,false\n7,OLD_NAME,false\n"})
	cur := writeRelease(t, map[string]string{"GadgetRequest.json": newRequest, "GadgetResponse.json": newGadgetResponse,
		"NewRecord.json": newOnlyData, "error-codes.csv": "code,name,retriable\n0,NONE,false\n7,NEW_NAME,true\n8,ADDED,false\n"})
	return []specSource{{Release: "1.0", Dir: old}, {Release: "2.0", Dir: cur}},
		[]string{filepath.Join(old, "error-codes.csv"), filepath.Join(cur, "error-codes.csv")}
}

func TestMergeReleases(t *testing.T) {
	sources, errorFiles := mergeFixture(t, newGadgetRequest)
	files, m, err := generate(sources, errorFiles)
	if err != nil {
		t.Fatal(err)
	}
	wantRenames := []string{
		"error code 7 OLD_NAME -> NEW_NAME",
		"field Piece.Size (1.0) -> Piece.Length in GadgetRequest",
		"field GadgetRequest.Parts (1.0) -> GadgetRequest.Pieces in GadgetRequest",
		"message GizmoRequest (1.0) -> GadgetRequest",
		"message GizmoResponse (1.0) -> GadgetResponse",
		"type Part (1.0) -> Piece",
	}
	slices.Sort(wantRenames)
	if !slices.Equal(m.Renames, wantRenames) {
		t.Errorf("renames:\n%s\nwant:\n%s", strings.Join(m.Renames, "\n"), strings.Join(wantRenames, "\n"))
	}
	req, _ := parseGoTypes(t, files["gadget/request.go"])
	want := []goField{
		{Name: "_", Type: "struct{}", Tag: "request,apiKey=7,versions=0-4,flexible=2+,listeners=broker"},
		{Name: "Id", Type: "int32", Tag: "type=int32,versions=0+"},
		// Dropped with v0-1, back at its old place.
		{Name: "Legacy", Type: "string", Tag: "type=string,versions=0-1"},
		{Name: "Pieces", Type: "[]Piece", Tag: "type=[]Piece,versions=0+"},
		// The old release's unstable v3 is redefined by the new one: its field is left out.
		{Name: "Extra", Type: "int8", Tag: "type=int8,versions=4+"},
		{Name: "UnknownTags", Type: "kio.RawTags", Tag: "unknownTags"},
	}
	got := req["GadgetRequest"]
	if len(got) != len(want) {
		t.Fatalf("GadgetRequest fields %+v", got)
	}
	for i, w := range want {
		if got[i].Name != w.Name || got[i].Type != w.Type || got[i].Tag != w.Tag {
			t.Errorf("field %d: %s %s `%s`, want %s %s `%s`", i, got[i].Name, got[i].Type, got[i].Tag, w.Name, w.Type, w.Tag)
		}
	}
	if f := fieldByName(t, req["Piece"], "Length"); f.Tag != "type=int64,versions=0+" {
		t.Errorf("Piece.Length = %+v", f)
	}
	if _, ok := files["gizmo/gizmo.go"]; !ok {
		t.Fatalf("no alias package gizmo; files %v", keys(files))
	}
	alias := string(files["gizmo/gizmo.go"])
	for _, s := range []string{"type GizmoRequest = gadget.GadgetRequest", "type GizmoResponse = gadget.GadgetResponse",
		"type Part = gadget.Piece", "const APIKey = gadget.APIKey", "Deprecated:"} {
		if !strings.Contains(alias, s) {
			t.Errorf("gizmo/gizmo.go lacks %q:\n%s", s, alias)
		}
	}
	for _, p := range []string{"oldrecord/oldrecord.go", "newrecord/newrecord.go"} {
		if _, ok := files[p]; !ok {
			t.Errorf("%s missing: schemas of either release are kept", p)
		}
	}
	index := strings.Join(strings.Fields(string(files["index.go"])), " ")
	for _, s := range []string{`var releases = [...]string{"1.0", "2.0"}`,
		`releases: []ReleaseVersions{{Release: "1.0", Versions: tags.Range{Lo: 0, Hi: 3}, Unstable: tags.Range{Lo: 3, Hi: 3}}, {Release: "2.0", Versions: tags.Range{Lo: 2, Hi: 4}, Unstable: tags.None()}}`,
		`Name: "OldRecord", Kind: tags.Data, APIKey: -1, Package: "github.com/kio-go/kafka-protocol/kio/schema/oldrecord", Type: reflect.TypeFor[oldrecord.OldRecord](), Versions: tags.Range{Lo: 0, Hi: 0}, Flexible: tags.None(), releases: []ReleaseVersions{{Release: "1.0", Versions: tags.Range{Lo: 0, Hi: 0}, Unstable: tags.None()}, {Release: "2.0", Versions: tags.None(), Unstable: tags.None()}}`,
	} {
		if !strings.Contains(index, s) {
			t.Errorf("index.go lacks %q", s)
		}
	}
	codes := strings.Join(strings.Fields(string(files["common/errorcodes.go"])), " ")
	for _, s := range []string{"NewName ErrorCode = 7 // NEW_NAME (retriable)", "OldName = NewName", "Added ErrorCode = 8"} {
		if !strings.Contains(codes, s) {
			t.Errorf("errorcodes.go lacks %q", s)
		}
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestMergeRefusals checks that merges that cannot hold every release's layout fail.
func TestMergeRefusals(t *testing.T) {
	cases := []struct {
		name, newRequest, want string
	}{
		{"a shared version's field changes type", strings.Replace(newGadgetRequest, `"name": "Id", "type": "int32"`, `"name": "Id", "type": "int64"`, 1),
			"field GadgetRequest.Id: type int32 in 1.0 but int64 in 2.0"},
		{"a field's versions are not one range", strings.Replace(newGadgetRequest, `{ "name": "Extra", "type": "int8", "versions": "4+" }`,
			`{ "name": "Legacy", "type": "string", "versions": "4+" }`, 1), "field GadgetRequest.Legacy"},
		{"a default changes", strings.Replace(newGadgetRequest, `{ "name": "Id", "type": "int32", "versions": "0+" }`,
			`{ "name": "Id", "type": "int32", "versions": "0+", "default": 5 }`, 1), "default"},
		{"the versions leave a hole", strings.Replace(strings.Replace(newGadgetRequest, `"2-4"`, `"4-5"`, 1), `"flexibleVersions": "2+"`, `"flexibleVersions": "2+"`, 1),
			"not one range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sources, errorFiles := mergeFixture(t, c.newRequest)
			if c.name == "the versions leave a hole" {
				resp := strings.Replace(newGadgetResponse, `"2-4"`, `"4-5"`, 1)
				if err := os.WriteFile(filepath.Join(sources[1].Dir, "GadgetResponse.json"), []byte(resp), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := generate(sources, errorFiles)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

// TestMergeCheckCatchesLayoutChange breaks a merged message after merging and requires
// the layout check to see it: a field moved, a nullability or tag range narrowed.
func TestMergeCheckCatchesLayoutChange(t *testing.T) {
	sources, _ := mergeFixture(t, newGadgetRequest)
	var rels []specRelease
	for _, s := range sources {
		specs, err := readSpecs(s.Dir)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []*message
		for _, sp := range specs {
			m, err := buildMessage(sp)
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, m)
		}
		rels = append(rels, specRelease{Name: s.Release, Msgs: msgs})
	}
	breaks := map[string]func(m *message){
		"fields swapped": func(m *message) { m.Fields[0], m.Fields[1] = m.Fields[1], m.Fields[0] },
		"legacy range":   func(m *message) { m.Fields[1].Versions = tags.Range{Lo: 0, Hi: 0} },
		"note untagged":  func(m *message) { m.Structs[0].Fields[1].Tagged = tags.Range{Lo: 3, Hi: tags.All().Hi} },
		"note nullable":  func(m *message) { m.Structs[0].Fields[1].Nullable = tags.None() },
		"flexible":       func(m *message) { m.Flexible = tags.Range{Lo: 3, Hi: tags.All().Hi} },
	}
	for name, breakIt := range breaks {
		t.Run(name, func(t *testing.T) {
			mm := newMessageMerge(rels, "request/7")
			m, err := mm.merge()
			if err != nil {
				t.Fatal(err)
			}
			breakIt(m)
			if err := mm.check(); err == nil || !strings.Contains(err.Error(), "layout differs") {
				t.Errorf("check after %s: %v", name, err)
			}
		})
	}
}
