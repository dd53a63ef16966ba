package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The small specs below exercise every attribute the generator understands. Widget is an
// API whose request and response both define Topic (differently: renamed), Part and
// Cursor (identically: shared), and Holder (identical fields, but holding the differing
// Item: renamed). GadgetRecord defines Point twice, identically, in one message.
const widgetRequest = `// Licensed under a header that // has slashes.
{
  "apiKey": 90,
  "type": "request",
  "listeners": ["broker", "controller"],
  "name": "WidgetRequest",
  // Version 3 adds Weight.
  "validVersions": "0-3",
  "deprecatedVersions": "0",
  "latestVersionUnstable": true,
  "flexibleVersions": "2+",
  "fields": [
    // A comment with "quotes" and // more slashes.
    { "name": "Url", "type": "string", "versions": "0+", "default": "http://x//y",
      "about": "A URL // not a comment." },
    { "name": "MaxBytes", "type": "int32", "versions": "0+", "default": "0x7fffffff", "about": "Hex default." },
    { "name": "timeoutMs", "type": "int32", "versions": "1+", "default": -1 },
    { "name": "Owner", "type": "int32", "versions": "0+", "entityType": "brokerId", "about": "Owner broker" },
    { "name": "Topics", "type": "[]Topic", "versions": "0+", "nullableVersions": "1+", "about": "The topics.", "fields": [
      { "name": "Name", "type": "string", "versions": "0+", "entityType": "topicName", "mapKey": true, "about": "Name." },
      { "name": "Parts", "type": "[]Part", "versions": "0+", "about": "Parts.", "fields": [
        { "name": "Index", "type": "int32", "versions": "0+" }
      ]}
    ]},
    { "name": "Cursor", "type": "Cursor", "versions": "2+", "nullableVersions": "2+", "default": "null", "fields": [
      { "name": "Position", "type": "int64", "versions": "0+" }
    ]},
    { "name": "Holders", "type": "[]Holder", "versions": "0+", "fields": [
      { "name": "Items", "type": "[]Item", "versions": "0+", "fields": [
        { "name": "A", "type": "int8", "versions": "0+" }
      ]}
    ]},
    { "name": "Extra", "type": "[]Shared", "versions": "0+" },
    { "name": "Label", "type": "string", "versions": "2+", "nullableVersions": "2+",
      "tag": "0", "taggedVersions": "2+", "default": "null" },
    { "name": "Weight", "type": "int8", "versions": "3+", "tag": 1, "taggedVersions": "3+",
      "ignorable": true, "default": 0 },
    { "name": "Blob", "type": "bytes", "versions": "0+", "zeroCopy": true, "nullableVersions": "0+" },
    { "name": "Ids", "type": "[]int32", "versions": "0+", "entityType": "brokerId" },
    { "name": "Tagline", "type": "string", "versions": "0+", "default": "", "flexibleVersions": "none" },
    { "name": "Enabled", "type": "bool", "versions": "0+", "default": false }
  ],
  "commonStructs": [
    { "name": "Shared", "versions": "0+", "fields": [
      { "name": "Key", "type": "string", "versions": "0+" }
    ]}
  ]
}
`

const widgetResponse = `{
  "apiKey": 90,
  "type": "response",
  "name": "WidgetResponse",
  "validVersions": "0-3",
  "flexibleVersions": "2+",
  "fields": [
    { "name": "ErrorCode", "type": "int16", "versions": "0+" },
    { "name": "Topics", "type": "[]Topic", "versions": "0+", "fields": [
      { "name": "Name", "type": "string", "versions": "0+", "about": "Name." },
      { "name": "Parts", "type": "[]Part", "versions": "0+", "about": "Parts.", "fields": [
        { "name": "Index", "type": "int32", "versions": "0+" }
      ]}
    ]},
    { "name": "Cursor", "type": "Cursor", "versions": "2+", "nullableVersions": "2+", "fields": [
      { "name": "Position", "type": "int64", "versions": "0+" }
    ]},
    { "name": "Holders", "type": "[]Holder", "versions": "0+", "fields": [
      { "name": "Items", "type": "[]Item", "versions": "0+", "fields": [
        { "name": "B", "type": "int8", "versions": "0+" }
      ]}
    ]},
    { "name": "TopicErrorCode", "type": "int16", "versions": "0+" }
  ]
}
`

const gadgetRecord = `{
  "type": "data",
  "name": "GadgetRecord",
  "validVersions": "0-1",
  "flexibleVersions": "none",
  "fields": [
    { "name": "First", "type": "Point", "versions": "0+", "fields": [
      { "name": "X", "type": "int32", "versions": "0+" }
    ]},
    { "name": "Second", "type": "Point", "versions": "0+", "fields": [
      { "name": "X", "type": "int32", "versions": "0+" }
    ]}
  ]
}
`

const smallErrorCodes = `code,name,retriable
-1,UNKNOWN_SERVER_ERROR,false
0,NONE,false
3,UNKNOWN_TOPIC_OR_PARTITION,true
`

// generateDir generates from one folder holding specs and error-codes.csv, as release "test".
func generateDir(dir string) (map[string][]byte, error) {
	files, _, err := generate([]specSource{{Release: "test", Dir: dir}}, []string{filepath.Join(dir, "error-codes.csv")})
	return files, err
}

// writeSpecDir writes files into a new temporary directory and returns it.
func writeSpecDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func smallSpecs() map[string]string {
	return map[string]string{
		"WidgetRequest.json":  widgetRequest,
		"WidgetResponse.json": widgetResponse,
		"GadgetRecord.json":   gadgetRecord,
		"error-codes.csv":     smallErrorCodes,
	}
}

// goField is one struct field of generated source.
type goField struct {
	Name, Type, Tag, Doc string
}

// parseGoTypes parses generated source and returns its struct types' fields by type name,
// plus the names of every declared type in order.
func parseGoTypes(t *testing.T, src []byte) (map[string][]goField, []string) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "gen.go", src, parser.ParseComments)
	if err != nil {
		t.Fatalf("generated code does not parse: %v\n%s", err, src)
	}
	types := map[string][]goField{}
	var names []string
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			names = append(names, ts.Name.Name)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			var fields []goField
			for _, fl := range st.Fields.List {
				gf := goField{Type: string(src[fl.Type.Pos()-f.FileStart : fl.Type.End()-f.FileStart])}
				if len(fl.Names) > 0 {
					gf.Name = fl.Names[0].Name
				}
				if fl.Tag != nil {
					gf.Tag = reflect.StructTag(strings.Trim(fl.Tag.Value, "`")).Get("kafka")
				}
				if fl.Doc != nil {
					gf.Doc = fl.Doc.Text()
				}
				fields = append(fields, gf)
			}
			types[ts.Name.Name] = fields
		}
	}
	return types, names
}

func fieldByName(t *testing.T, fields []goField, name string) goField {
	t.Helper()
	for _, f := range fields {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no field %s in %v", name, fields)
	return goField{}
}

func TestGenerateSmallSpecs(t *testing.T) {
	files, err := generateDir(writeSpecDir(t, smallSpecs()))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for p := range files {
		paths = append(paths, p)
		if !strings.HasPrefix(string(files[p]), generatedHeader+"\n") {
			t.Errorf("%s lacks the generated-code header", p)
		}
	}
	slices.Sort(paths)
	wantPaths := []string{"common/entities.go", "common/errorcodes.go", "gadgetrecord/gadgetrecord.go",
		"index.go", "internal/straightline/straightline.go", "internal/straightline/widget.go", "straightline.go", "widget/apikey.go", "widget/request.go", "widget/response.go"}
	if !slices.Equal(paths, wantPaths) {
		t.Fatalf("generated files %v, want %v", paths, wantPaths)
	}

	if !strings.Contains(string(files["widget/apikey.go"]), "const APIKey int16 = 90") {
		t.Errorf("widget/apikey.go lacks the API key constant:\n%s", files["widget/apikey.go"])
	}
	req, reqNames := parseGoTypes(t, files["widget/request.go"])
	resp, respNames := parseGoTypes(t, files["widget/response.go"])
	wantReqNames := []string{"WidgetRequest", "WidgetRequestTopic", "Part", "Cursor", "WidgetRequestHolder", "WidgetRequestItem", "Shared"}
	wantRespNames := []string{"WidgetResponse", "WidgetResponseTopic", "WidgetResponseHolder", "WidgetResponseItem"}
	if !slices.Equal(reqNames, wantReqNames) || !slices.Equal(respNames, wantRespNames) {
		t.Errorf("types: request file %v, response file %v; want %v and %v", reqNames, respNames, wantReqNames, wantRespNames)
	}

	w := req["WidgetRequest"]
	if w[0].Name != "_" || w[0].Tag != "request,apiKey=90,versions=0-3,flexible=2+,deprecated=0,latestUnstable,listeners=broker|controller" {
		t.Errorf("marker = %+v", w[0])
	}
	want := []goField{
		{Name: "Url", Type: "string", Tag: "type=string,versions=0+,default=http://x//y"},
		{Name: "MaxBytes", Type: "int32", Tag: "type=int32,versions=0+,default=0x7fffffff"},
		{Name: "TimeoutMs", Type: "int32", Tag: "type=int32,versions=1+,default=-1"},
		{Name: "Owner", Type: "common.BrokerId", Tag: "type=int32,versions=0+"},
		{Name: "Topics", Type: "[]WidgetRequestTopic", Tag: "type=[]WidgetRequestTopic,versions=0+,nullable=1+"},
		{Name: "Cursor", Type: "*Cursor", Tag: "type=Cursor,versions=2+,nullable=2+,default=null"},
		{Name: "Holders", Type: "[]WidgetRequestHolder", Tag: "type=[]WidgetRequestHolder,versions=0+"},
		{Name: "Extra", Type: "[]Shared", Tag: "type=[]Shared,versions=0+"},
		{Name: "Label", Type: "*string", Tag: "type=string,versions=2+,nullable=2+,tag=0,tagged=2+,default=null"},
		{Name: "Weight", Type: "int8", Tag: "type=int8,versions=3+,tag=1,tagged=3+,default=0,ignorable"},
		{Name: "Blob", Type: "[]byte", Tag: "type=bytes,versions=0+,nullable=0+"},
		{Name: "Ids", Type: "[]common.BrokerId", Tag: "type=[]int32,versions=0+"},
		{Name: "Tagline", Type: "string", Tag: "type=string,versions=0+,default='',flexible=none"},
		{Name: "Enabled", Type: "bool", Tag: "type=bool,versions=0+,default=false"},
		{Name: "UnknownTags", Type: "kio.RawTags", Tag: "unknownTags"},
	}
	for _, wf := range want {
		got := fieldByName(t, w, wf.Name)
		if got.Type != wf.Type || got.Tag != wf.Tag {
			t.Errorf("WidgetRequest.%s: %s `%s`, want %s `%s`", wf.Name, got.Type, got.Tag, wf.Type, wf.Tag)
		}
	}
	if len(w) != len(want)+1 {
		t.Errorf("WidgetRequest has %d fields, want %d", len(w), len(want)+1)
	}
	docs := map[string]string{
		"Url":   "Url: A URL // not a comment.",
		"Owner": "Owner: Owner broker. Entity type brokerId.",
		"Blob":  "Zero-copy",
	}
	for name, d := range docs {
		if got := fieldByName(t, w, name).Doc; !strings.Contains(got, d) {
			t.Errorf("doc of %s = %q, want it to contain %q", name, got, d)
		}
	}
	if got := fieldByName(t, req["WidgetRequestTopic"], "Name"); got.Type != "common.TopicName" || !strings.Contains(got.Doc, "Map key") {
		t.Errorf("WidgetRequestTopic.Name = %+v", got)
	}
	if got := fieldByName(t, req["WidgetRequestTopic"], "Parts"); got.Type != "[]Part" || got.Tag != "type=[]Part,versions=0+" {
		t.Errorf("WidgetRequestTopic.Parts = %+v", got)
	}
	if got := fieldByName(t, resp["WidgetResponseTopic"], "Parts"); got.Type != "[]Part" {
		t.Errorf("WidgetResponseTopic.Parts = %+v, want the shared []Part", got)
	}
	if got := fieldByName(t, resp["WidgetResponse"], "Cursor"); got.Type != "*Cursor" {
		t.Errorf("WidgetResponse.Cursor = %+v, want the shared *Cursor", got)
	}
	if got := fieldByName(t, req["WidgetRequestHolder"], "Items"); got.Type != "[]WidgetRequestItem" {
		t.Errorf("WidgetRequestHolder.Items = %+v", got)
	}
	for _, name := range []string{"ErrorCode", "TopicErrorCode"} {
		if got := fieldByName(t, resp["WidgetResponse"], name); got.Type != "common.ErrorCode" || got.Tag != "type=int16,versions=0+" {
			t.Errorf("WidgetResponse.%s = %+v", name, got)
		}
	}
	src := string(files["widget/request.go"])
	if !strings.Contains(src, "// Package widget holds the Widget API, key 90") {
		t.Errorf("package doc missing from widget/request.go")
	}

	gadget, gadgetNames := parseGoTypes(t, files["gadgetrecord/gadgetrecord.go"])
	if !slices.Equal(gadgetNames, []string{"GadgetRecord", "Point"}) {
		t.Errorf("gadgetrecord types = %v, want GadgetRecord and one Point", gadgetNames)
	}
	g := gadget["GadgetRecord"]
	if len(g) != 3 || g[0].Tag != "data,versions=0-1,flexible=none" || g[1].Type != "Point" || g[2].Type != "Point" {
		t.Errorf("GadgetRecord = %+v (no UnknownTags expected: never flexible)", g)
	}

	entities := string(files["common/entities.go"])
	for _, s := range []string{"type BrokerId int32", "type TopicName string", "// Package common"} {
		if !strings.Contains(entities, s) {
			t.Errorf("common/entities.go lacks %q", s)
		}
	}
	codes := string(files["common/errorcodes.go"])
	for _, s := range []string{"UnknownServerError ErrorCode = -1", "None ErrorCode = 0", "UnknownTopicOrPartition ErrorCode = 3 // UNKNOWN_TOPIC_OR_PARTITION (retriable)"} {
		if !strings.Contains(strings.Join(strings.Fields(codes), " "), s) {
			t.Errorf("common/errorcodes.go lacks %q", s)
		}
	}
	index := strings.Join(strings.Fields(string(files["index.go"])), " ")
	for _, s := range []string{"reflect.TypeFor[widget.WidgetRequest]()", "reflect.TypeFor[gadgetrecord.GadgetRecord]()",
		`listeners: []string{"broker", "controller"}`, "LatestUnstable: true", "Flexible: tags.Range{Lo: 2, Hi: math.MaxInt16}",
		"newRequest: func() any { return new(widget.WidgetRequest) }"} {
		if !strings.Contains(index, s) {
			t.Errorf("index.go lacks %q", s)
		}
	}
}

// TestGenerateErrors checks that specs the generator cannot translate faithfully are
// refused with a message naming the problem.
func TestGenerateErrors(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(files map[string]string)
		wantErr string
	}{
		{"unknown attribute", func(f map[string]string) {
			f["WidgetRequest.json"] = strings.Replace(widgetRequest, `"ignorable": true,`, `"ignorable": true, "sensitive": true,`, 1)
		}, `unknown field "sensitive"`},
		{"struct defined twice differently in one message", func(f map[string]string) {
			f["GadgetRecord.json"] = strings.Replace(gadgetRecord, `{ "name": "X", "type": "int32", "versions": "0+" }
    ]}
  ]`, `{ "name": "Y", "type": "int32", "versions": "0+" }
    ]}
  ]`, 1)
		}, "Point is defined twice with different fields"},
		{"tag without taggedVersions", func(f map[string]string) {
			f["WidgetRequest.json"] = strings.Replace(widgetRequest, `"tag": 1, "taggedVersions": "3+",`, `"tag": 1,`, 1)
		}, "a tag needs taggedVersions"},
		{"tagged in a non-flexible version", func(f map[string]string) {
			f["WidgetRequest.json"] = strings.Replace(widgetRequest, `"taggedVersions": "3+"`, `"taggedVersions": "1+"`, 1)
		}, "not flexible"},
		{"hex default out of range", func(f map[string]string) {
			f["WidgetRequest.json"] = strings.Replace(widgetRequest, `"ignorable": true, "default": 0`, `"ignorable": true, "default": "0x1ff"`, 1)
		}, `bad default "0x1ff"`},
		{"nullable integer", func(f map[string]string) {
			f["WidgetRequest.json"] = strings.Replace(widgetRequest, `"default": "0x7fffffff",`, `"default": "0x7fffffff", "nullableVersions": "0+",`, 1)
		}, "cannot be nullable"},
		{"undefined struct", func(f map[string]string) {
			f["WidgetRequest.json"] = strings.Replace(widgetRequest, `"type": "[]Shared"`, `"type": "[]Missing"`, 1)
		}, "struct Missing is not defined"},
		{"request without response", func(f map[string]string) { delete(f, "WidgetResponse.json") }, "has no counterpart"},
		{"request and response versions differ", func(f map[string]string) {
			f["WidgetResponse.json"] = strings.Replace(widgetResponse, `"validVersions": "0-3"`, `"validVersions": "0-4"`, 1)
		}, "differ"},
		{"field names clash once exported", func(f map[string]string) {
			f["WidgetRequest.json"] = strings.Replace(widgetRequest, `{ "name": "Url",`, `{ "name": "url", "type": "int8", "versions": "0+" },
    { "name": "Url",`, 1)
		}, "clashes"},
		{"bad version range", func(f map[string]string) {
			f["GadgetRecord.json"] = strings.Replace(gadgetRecord, `"validVersions": "0-1"`, `"validVersions": "1-0"`, 1)
		}, "validVersions"},
		{"unknown type", func(f map[string]string) {
			f["GadgetRecord.json"] = strings.Replace(gadgetRecord, `"type": "int32"`, `"type": "int24"`, 1)
		}, `unknown type "int24"`},
		{"entity type on a boolean", func(f map[string]string) {
			f["WidgetRequest.json"] = strings.Replace(widgetRequest, `"default": false }`, `"default": false, "entityType": "flag" }`, 1)
		}, "entityType flag"},
		{"renamed struct clashes with a type", func(f map[string]string) {
			f["WidgetRequest.json"] = strings.Replace(widgetRequest, `"name": "Shared"`, `"name": "WidgetRequestTopic"`, 1)
			f["WidgetRequest.json"] = strings.Replace(f["WidgetRequest.json"], `"[]Shared"`, `"[]WidgetRequestTopic"`, 1)
		}, "type name WidgetRequestTopic is used by both"},
		{"error codes without NONE", func(f map[string]string) {
			f["error-codes.csv"] = "code,name,retriable\n-1,UNKNOWN_SERVER_ERROR,false\n"
		}, "code 0 must be NONE"},
		{"error codes with a bad row", func(f map[string]string) {
			f["error-codes.csv"] = smallErrorCodes + "x,BROKEN,false\n"
		}, "not an int16"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := smallSpecs()
			c.edit(files)
			_, err := generateDir(writeSpecDir(t, files))
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, c.wantErr)
			}
		})
	}
}

// TestWriteFilesRemovesStale checks that regenerating removes generated files no longer
// produced and leaves hand-written files alone.
func TestWriteFilesRemovesStale(t *testing.T) {
	out := t.TempDir()
	stale := filepath.Join(out, "gone", "gone.go")
	hand := filepath.Join(out, "frame.go")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte(generatedHeader+"\n\npackage gone\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hand, []byte("package schema\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := writeSpecDir(t, smallSpecs())
	if _, err := run([]specSource{{Release: "test", Dir: dir}}, []string{filepath.Join(dir, "error-codes.csv")}, out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale generated file survived: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(stale)); !os.IsNotExist(err) {
		t.Errorf("the emptied folder of a vanished package survived: %v", err)
	}
	if _, err := os.Stat(hand); err != nil {
		t.Errorf("hand-written file removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "widget", "request.go")); err != nil {
		t.Errorf("widget/request.go not written: %v", err)
	}
}

// TestSharingIgnoresAbout checks that a nested struct the request and the response define
// with the same fields is shared even when their about texts differ.
func TestSharingIgnoresAbout(t *testing.T) {
	files := smallSpecs()
	files["WidgetResponse.json"] = strings.Replace(widgetResponse, `{ "name": "Position", "type": "int64", "versions": "0+" }`,
		`{ "name": "Position", "type": "int64", "versions": "0+", "about": "Said differently." }`, 1)
	out, err := generateDir(writeSpecDir(t, files))
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := parseGoTypes(t, out["widget/response.go"])
	if got := fieldByName(t, resp["WidgetResponse"], "Cursor"); got.Type != "*Cursor" {
		t.Errorf("WidgetResponse.Cursor = %+v, want the shared *Cursor", got)
	}
}

const pingRequest = `{
  "apiKey": 91,
  "type": "request",
  "name": "PingRequest",
  "validVersions": "0-3",
  "flexibleVersions": "2+",
  "fields": [
    { "name": "Name", "type": "string", "versions": "0+" },
    { "name": "timeoutMs", "type": "int32", "versions": "1+", "default": -1 },
    { "name": "Note", "type": "string", "versions": "1+", "nullableVersions": "1+", "default": "null" },
    { "name": "Tagline", "type": "string", "versions": "0+", "flexibleVersions": "none" },
    { "name": "Blob", "type": "bytes", "versions": "0+", "nullableVersions": "0+" },
    { "name": "Id", "type": "uuid", "versions": "0+" },
    { "name": "Label", "type": "string", "versions": "3+", "nullableVersions": "3+",
      "tag": 0, "taggedVersions": "3+", "default": "null" }
  ]
}
`

const pingResponse = `{
  "apiKey": 91,
  "type": "response",
  "name": "PingResponse",
  "validVersions": "0-3",
  "flexibleVersions": "2+",
  "fields": [
    { "name": "ErrorCode", "type": "int16", "versions": "0+" },
    { "name": "Nodes", "type": "[]int32", "versions": "2+" }
  ]
}
`

// The straight-line encoders go to the versions without a known tagged field (flat
// ones through straight.go, those with arrays through straight_encode.go), restate no wire rule (they call wire's), and
// check what the interpreter would refuse or treat apart.
func TestGenerateStraightLine(t *testing.T) {
	dir := writeSpecDir(t, map[string]string{"PingRequest.json": pingRequest, "PingResponse.json": pingResponse, "error-codes.csv": smallErrorCodes})
	files, m, err := generate([]specSource{{Release: "test", Dir: dir}}, []string{filepath.Join(dir, "error-codes.csv")})
	if err != nil {
		t.Fatal(err)
	}
	src := string(files["internal/straightline/ping.go"])
	var registered []string
	for _, line := range strings.Split(src, "\n") {
		if strings.Contains(line, "register(") {
			registered = append(registered, strings.TrimSpace(line))
		}
	}
	want := []string{
		"register(reflect.TypeFor[ping.PingRequest](), 0, sizePingRequestV0, appendPingRequestV0)",
		"register(reflect.TypeFor[ping.PingRequest](), 1, sizePingRequestV1, appendPingRequestV1)",
		"register(reflect.TypeFor[ping.PingRequest](), 2, sizePingRequestV2, appendPingRequestV2)",
		// PingRequest v3's known tagged Label and PingResponse's Nodes, an int32 list:
		// the nested encoders (straight_encode.go).
		"register(reflect.TypeFor[ping.PingRequest](), 3, sizePingRequestV3, appendPingRequestV3)",
		"register(reflect.TypeFor[ping.PingResponse](), 0, sizePingResponseV0, appendPingResponseV0)",
		"register(reflect.TypeFor[ping.PingResponse](), 1, sizePingResponseV0, appendPingResponseV0)",
		"register(reflect.TypeFor[ping.PingResponse](), 2, sizePingResponseV2, appendPingResponseV2)",
		"register(reflect.TypeFor[ping.PingResponse](), 3, sizePingResponseV2, appendPingResponseV2)",
	}
	if !slices.Equal(registered, want) {
		t.Errorf("registered:\n%s\nwant:\n%s", strings.Join(registered, "\n"), strings.Join(want, "\n"))
	}
	if m.StraightPairs != len(want) {
		t.Errorf("StraightPairs = %d, want %d", m.StraightPairs, len(want))
	}
	for _, snippet := range []string{
		"(m.TimeoutMs == 0 || m.TimeoutMs == -1)",                 // absent at v0: zero or default
		"(m.Note == nil || *m.Note == \"\")",                      // absent at v0, default null
		"(m.Note == nil || len(*m.Note) <= wire.MaxStringLength)", // nullable from v1
		"b = wire.AppendString(b, string(m.Tagline))",             // flexibleVersions none: classic
		"b = wire.AppendCompactString(b, string(m.Name))",         // flexible v2
		"len(m.UnknownTags) == 0",
		"b = wire.AppendUUID(b, (*[16]byte)(&m.Id))",
		"b = wire.AppendCompactLength(b, wire.Null)",
		"b = append(b, wire.EmptyTaggedFields)",
		"n += wire.CompactLengthSize(len(m.Nodes)) + wire.Int32Size*len(m.Nodes)", // an int32 list's size
		"len(m.Nodes) <= wire.MaxArrayLength",
		"b = wire.AppendCompactLength(b, len(m.Nodes))",
		// Label, tagged 0 from v3, default null: written when set, with its size.
		"if !(m.Label == nil) {",
		"b = wire.AppendUvarint(b, uint32(count))",
		"b = wire.EndTaggedField(b, at)",
		"n = n0 + wire.TaggedFieldSize(0, n-n0)",
	} {
		if !strings.Contains(src, snippet) {
			t.Errorf("the straight-line code lacks %q:\n%s", snippet, src)
		}
	}
	// Decoders: every version of both, with what the plan does spelled out.
	if m.StraightDecoders != 8 {
		t.Errorf("StraightDecoders = %d, want 8", m.StraightDecoders)
	}
	for _, snippet := range []string{
		"registerDecoder(reflect.TypeFor[ping.PingRequest](), 0, decodePingRequestV0)",
		"registerDecoder(reflect.TypeFor[ping.PingRequest](), 3, decodePingRequestV3)",
		"registerDecoder(reflect.TypeFor[ping.PingResponse](), 2, decodePingResponseV2)",
		"m.TimeoutMs = -1",                                   // absent at v0: its default
		"n, next := wire.StringLengthAt(b, off)",             // Tagline: classic at flexible versions
		"m.Blob = b[next : next+n : next+n]",                 // bytes alias the input
		"m.Note = a.StringPtr(arena.String(b[next",           // *string cells from the arenas
		"vs := a.Int32s(n, (len(b)-off)/4)",                  // int32 lists from the arenas' chunks
		"if n > wire.MaxArrayLength+1 || n*4 > len(b)-off {", // before allocating
		"if seen&(1<<0) != 0 {",                              // a repeated tag: the plan's
		"default: // unknown: kept by the interpreter",
	} {
		if !strings.Contains(src, snippet) {
			t.Errorf("the straight-line decoders lack %q:\n%s", snippet, src)
		}
	}
	link := string(files["straightline.go"])
	if !strings.Contains(link, `_ "github.com/kio-go/kafka-protocol/kio/schema/internal/straightline"`) || !strings.Contains(link, "//go:build !kio_general\n") {
		t.Errorf("straightline.go does not link the straight-line package outside kio_general builds:\n%s", link)
	}
	if strings.Contains(string(files["index.go"]), "internal/straightline") {
		t.Error("index.go imports the straight-line package whatever the build")
	}
	if _, ok := files["internal/straightline/straightline.go"]; !ok {
		t.Error("no internal/straightline/straightline.go")
	}
}
