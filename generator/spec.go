package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// specFile is one Kafka JSON message spec exactly as written. Decoding is strict: an
// attribute without a field here is an error, so a spec using something the generator
// does not understand is never silently mistranslated.
type specFile struct {
	APIKey                *int16       `json:"apiKey"`
	Type                  string       `json:"type"`
	Name                  string       `json:"name"`
	ValidVersions         string       `json:"validVersions"`
	FlexibleVersions      string       `json:"flexibleVersions"`
	DeprecatedVersions    string       `json:"deprecatedVersions"`
	LatestVersionUnstable *specBool    `json:"latestVersionUnstable"`
	Listeners             []string     `json:"listeners"`
	Fields                []specField  `json:"fields"`
	CommonStructs         []specStruct `json:"commonStructs"`
}

// specStruct is an entry of commonStructs: a struct shared by several fields of a message.
type specStruct struct {
	Name     string      `json:"name"`
	Versions string      `json:"versions"`
	Fields   []specField `json:"fields"`
}

// specField is one field of a message or struct.
type specField struct {
	Name             string          `json:"name"`
	Type             string          `json:"type"`
	Versions         string          `json:"versions"`
	NullableVersions string          `json:"nullableVersions"`
	TaggedVersions   string          `json:"taggedVersions"`
	FlexibleVersions string          `json:"flexibleVersions"`
	Tag              json.RawMessage `json:"tag"`     // a number, or a number in a string ("0")
	Default          json.RawMessage `json:"default"` // a number, string or boolean literal
	Ignorable        specBool        `json:"ignorable"`
	EntityType       string          `json:"entityType"`
	MapKey           specBool        `json:"mapKey"`
	ZeroCopy         specBool        `json:"zeroCopy"`
	About            string          `json:"about"`
	Fields           []specField     `json:"fields"`
}

// specBool is a boolean attribute. Kafka's FieldSpec reads it with Jackson, which also
// takes the strings "true" and "false", and some released specs write it so.
type specBool bool

// UnmarshalJSON accepts true, false, "true" and "false", nothing else.
func (b *specBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`:
		*b = false
	default:
		return fmt.Errorf("%s is not a boolean", data)
	}
	return nil
}

// stripComments removes `//` comments from a JSON spec. It tracks string literals (and
// their escapes) so a "//" inside a string, such as a URL in an about text, stays. Newlines
// are kept so JSON error offsets still map to the right line.
func stripComments(src []byte) []byte {
	out := make([]byte, 0, len(src))
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			out = append(out, c)
			switch c {
			case '\\':
				if i+1 < len(src) {
					i++
					out = append(out, src[i])
				}
			case '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
		} else if c == '/' && i+1 < len(src) && src[i+1] == '/' {
			for i < len(src) && src[i] != '\n' {
				i++
			}
			if i < len(src) {
				out = append(out, '\n')
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

// parseSpec decodes one spec file's bytes.
func parseSpec(name string, src []byte) (*specFile, error) {
	clean := stripComments(src)
	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.DisallowUnknownFields()
	var spec specFile
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("%s: %w", name, describeJSONError(clean, err))
	}
	// Kafka reads a spec with Jackson, which stops after the first value; Kafka 2.8's
	// DescribeProducersRequest.json ships with a stray "]}" after it. Stray closing
	// brackets are accepted for that reason, anything else is refused.
	rest := clean[dec.InputOffset():]
	if len(bytes.Trim(rest, " \t\r\n]}")) != 0 {
		return nil, fmt.Errorf("%s: data after the top-level object", name)
	}
	clean = clean[:dec.InputOffset()]
	if err := checkDuplicateKeys(clean); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &spec, nil
}

// checkDuplicateKeys refuses an object that names an attribute twice with different
// values: encoding/json would silently keep the last one. Kafka's specs do repeat an
// attribute with the same value (DescribeTopicPartitionsRequest's "versions"), which is
// harmless and accepted.
func checkDuplicateKeys(src []byte) error {
	dec := json.NewDecoder(bytes.NewReader(src))
	type level struct {
		object  bool
		values  map[string]any // scalar value of each key seen; nil for objects and arrays
		key     string         // the key whose value comes next
		wantKey bool
	}
	var stack []*level
	lineAt := func() int { return 1 + bytes.Count(src[:dec.InputOffset()], []byte("\n")) }
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantKey {
			if key, ok := tok.(string); ok {
				top.key, top.wantKey = key, false
				continue
			}
		}
		// tok is a value (or the end of a container) within top.
		if top != nil && top.object && !top.wantKey {
			prev, seen := top.values[top.key]
			_, isDelim := tok.(json.Delim)
			if seen && (isDelim || prev == nil || prev != tok) {
				return fmt.Errorf("line %d: attribute %q appears twice in one object with different values", lineAt(), top.key)
			}
			if isDelim {
				top.values[top.key] = nil
			} else {
				top.values[top.key] = tok
			}
			top.wantKey = true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &level{object: true, values: map[string]any{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &level{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	}
}

// describeJSONError adds the line number to JSON errors that carry an offset.
func describeJSONError(src []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var offset int64 = -1
	switch {
	case errors.As(err, &syntax):
		offset = syntax.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 || offset > int64(len(src)) {
		return err
	}
	line := 1 + bytes.Count(src[:offset], []byte("\n"))
	return fmt.Errorf("line %d: %w", line, err)
}

// readSpecs reads every *.json spec of dir, sorted by file name.
func readSpecs(dir string) ([]*specFile, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no *.json specs in %s", dir)
	}
	sort.Strings(paths)
	specs := make([]*specFile, 0, len(paths))
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		spec, err := parseSpec(filepath.Base(p), src)
		if err != nil {
			return nil, err
		}
		if want := strings.TrimSuffix(filepath.Base(p), ".json"); spec.Name != want {
			return nil, fmt.Errorf("%s: name %q does not match the file name", filepath.Base(p), spec.Name)
		}
		specs = append(specs, spec)
	}
	return specs, nil
}
