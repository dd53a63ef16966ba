package main

import (
	"strings"
	"testing"
)

func TestStripComments(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"line comment", "{ // note\n}", "{ \n}"},
		{"comment at end without newline", "{}\n// last", "{}\n"},
		{"slashes in a string", `{"about": "see http://kafka.apache.org"} // c`, `{"about": "see http://kafka.apache.org"} `},
		{"escaped quote before slashes", `{"a": "x\"//y"}`, `{"a": "x\"//y"}`},
		{"escaped backslash ends the string", `{"a": "x\\"} // c`, `{"a": "x\\"} `},
		{"single slash stays", `{"a": 1/2}`, `{"a": 1/2}`},
		{"comment holding a quote", "{ // say \"hi\n\"a\": 1}", "{ \n\"a\": 1}"},
	}
	for _, c := range cases {
		if got := string(stripComments([]byte(c.in))); got != c.want {
			t.Errorf("%s: stripComments(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

func TestParseSpecStrict(t *testing.T) {
	good := `// header
{ "type": "data", "name": "X", "validVersions": "0", "fields": [
  { "name": "A", "type": "int8", "versions": "0+", "tag": "0", "taggedVersions": "0+", "default": 0x1 }
]}`
	// 0x1 unquoted is not JSON: the decoder must say so, with a line number.
	if _, err := parseSpec("X.json", []byte(good)); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("unquoted hex default: err = %v, want a JSON error on line 3", err)
	}
	bad := []struct{ name, src, want string }{
		{"unknown top-level attribute", `{"type": "data", "name": "X", "colour": "red"}`, `unknown field "colour"`},
		{"unknown field attribute", `{"type": "data", "name": "X", "fields": [{"name": "A", "type": "int8", "versions": "0+", "sensitive": true}]}`, `unknown field "sensitive"`},
		{"unknown nested field attribute", `{"type": "data", "name": "X", "fields": [{"name": "A", "type": "[]B", "versions": "0+", "fields": [{"name": "C", "type": "int8", "versions": "0+", "hint": 1}]}]}`, `unknown field "hint"`},
		{"unknown common struct attribute", `{"type": "data", "name": "X", "commonStructs": [{"name": "B", "versions": "0+", "mapped": true}]}`, `unknown field "mapped"`},
		{"repeated attribute", `{"type": "data", "name": "X", "fields": [{"name": "A", "type": "int8", "versions": "0+", "versions": "1+"}]}`, `"versions" appears twice`},
		{"repeated object attribute", `{"type": "data", "name": "X", "fields": [], "fields": []}`, `"fields" appears twice`},
		{"two top-level objects", `{"type": "data", "name": "X"} {}`, "after the top-level object"},
		{"wrong attribute type", `{"type": "data", "name": "X", "validVersions": 3}`, "line 1"},
	}
	same := `{"type": "data", "name": "X", "validVersions": "0", "fields": [{"name": "A", "type": "int8", "versions": "0+", "versions": "0+"}]}`
	if _, err := parseSpec("X.json", []byte(same)); err != nil {
		t.Errorf("attribute repeated with the same value: %v", err)
	}
	for _, c := range bad {
		if _, err := parseSpec("X.json", []byte(c.src)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

// TestReleasedSpecQuirks checks what released specs write and Kafka's own generator
// accepts: a tagged field without versions (it takes its taggedVersions), "true" and
// "false" strings for boolean attributes, and stray closing brackets after the object.
func TestReleasedSpecQuirks(t *testing.T) {
	src := `{ "type": "data", "name": "X", "validVersions": "0-3", "flexibleVersions": "0+",
  "fields": [
    { "name": "A", "type": "int32", "tag": 0, "taggedVersions": "2+", "ignorable": "true" },
    { "name": "B", "type": "[]Y", "versions": "0+", "fields": [
      { "name": "K", "type": "string", "versions": "0+", "mapKey": "false" }
    ]}
  ]
}
  ]
}`
	spec, err := parseSpec("X.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m, err := buildMessage(spec)
	if err != nil {
		t.Fatal(err)
	}
	a := m.Fields[0]
	if a.Versions.String() != "2+" || a.Tagged.String() != "2+" || !a.Ignorable || m.Structs[0].Fields[0].MapKey {
		t.Errorf("A: versions %s, tagged %s, ignorable %v; K mapKey %v", a.Versions, a.Tagged, a.Ignorable, m.Structs[0].Fields[0].MapKey)
	}
	for _, bad := range []string{`"ignorable": "yes"`, `"ignorable": 1`} {
		s := strings.Replace(src, `"ignorable": "true"`, bad, 1)
		if _, err := parseSpec("X.json", []byte(s)); err == nil || !strings.Contains(err.Error(), "not a boolean") {
			t.Errorf("%s: err = %v, want a boolean error", bad, err)
		}
	}
	if _, err := parseSpec("X.json", []byte(src+" x")); err == nil {
		t.Error("trailing text after the stray brackets was accepted")
	}
	noVersions := strings.Replace(src, `"tag": 0, "taggedVersions": "2+", `, "", 1)
	if spec, err := parseSpec("X.json", []byte(noVersions)); err != nil {
		t.Fatal(err)
	} else if _, err := buildMessage(spec); err == nil || !strings.Contains(err.Error(), "versions is missing") {
		t.Errorf("a field without versions or taggedVersions: err = %v", err)
	}
}
