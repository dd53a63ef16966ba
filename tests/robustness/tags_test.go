package robustness

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/tags"
)

// FuzzTagParser parses any tag as a field and as a marker. It must give an error (a
// *tags.Error) or a value, never a panic; and the value must be what the tag says:
//   - a tag without quotes is checked item by item against what the parser returned
//     (the type, each version range, the tag id, the default literal, the words);
//   - any parsed value, written back as a tag, parses to the same value.
//
// The seeds are every tag of the generated schema, so the fuzzer starts from the
// grammar as it is used.
func FuzzTagParser(f *testing.F) {
	for _, s := range []string{
		"type=[]MetadataRequestTopic,versions=0+,nullable=1+", "request,apiKey=3,versions=0-12,flexible=9+",
		"tag=0,tagged=2+,default='a,b',ignorable", "-", "unknownTags", "versions=none,flexible=none",
		"type=int64,default=0x7fffffffffffffff", "data,listeners=a|b,latestUnstable,deprecated=0-3",
	} {
		f.Add(s)
	}
	for _, m := range allMessages {
		addStructTags(f, m.Type, map[reflect.Type]bool{})
	}
	f.Fuzz(func(t *testing.T, s string) {
		if fl, err := tags.ParseField(s); err == nil {
			if !strings.Contains(s, "'") {
				checkFieldItems(t, s, fl)
			}
			back, err := tags.ParseField(writeField(fl))
			if err != nil || back != fl {
				t.Fatalf("field %q parsed as %+v; written back as %q it parses as %+v, %v", s, fl, writeField(fl), back, err)
			}
		} else if !errors.As(err, new(*tags.Error)) {
			t.Fatalf("untyped error %T", err)
		}
		if m, err := tags.ParseMessage(s); err == nil {
			if !strings.Contains(s, "'") {
				checkMessageItems(t, s, m)
			}
			back, err := tags.ParseMessage(writeMessage(m))
			if err != nil || !reflect.DeepEqual(back, m) {
				t.Fatalf("marker %q parsed as %+v; written back as %q it parses as %+v, %v", s, m, writeMessage(m), back, err)
			}
		} else if !errors.As(err, new(*tags.Error)) {
			t.Fatalf("untyped error %T", err)
		}
	})
}

// addStructTags adds every kafka tag of struct type t and the structs it holds.
func addStructTags(f *testing.F, t reflect.Type, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		sf := t.Field(i)
		if tag, ok := sf.Tag.Lookup("kafka"); ok {
			f.Add(tag)
		}
		addStructTags(f, sf.Type, seen)
	}
}

// mustRange parses a range the parser accepted; the range parser has its own tests.
func mustRange(t *testing.T, s string) tags.Range {
	t.Helper()
	r, err := tags.ParseRange(s)
	if err != nil {
		t.Fatalf("the tag parsed, but its range %q does not: %v", s, err)
	}
	return r
}

// checkFieldItems reads a quote-free tag item by item, independently of the parser,
// and compares each item with the field the parser returned.
func checkFieldItems(t *testing.T, s string, fl tags.Field) {
	t.Helper()
	if s == "-" {
		if !fl.Skip {
			t.Fatalf("%q: not Skip", s)
		}
		return
	}
	want := tags.Field{Versions: tags.All(), Nullable: tags.None(), Tag: -1, Tagged: tags.None(), Flexible: tags.None()}
	ranges := map[string]*tags.Range{"versions": &want.Versions, "nullable": &want.Nullable, "tagged": &want.Tagged}
	for _, item := range items(s) {
		k, v, hasValue := strings.Cut(item, "=")
		switch {
		case !hasValue && k == "ignorable":
			want.Ignorable = true
		case !hasValue && k == "unknownTags":
			want.UnknownTags = true
		case k == "type":
			want.Type = v
		case ranges[k] != nil:
			*ranges[k] = mustRange(t, v)
		case k == "flexible":
			want.Flexible, want.HasFlexible = mustRange(t, v), true
		case k == "tag":
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil {
				t.Fatalf("%q: tag %q accepted but not a number", s, v)
			}
			want.Tag = int32(n)
		case k == "default":
			want.Default, want.HasDefault = v, true
		default:
			t.Fatalf("%q: item %q accepted, but the grammar has no such item", s, item)
		}
	}
	if fl != want {
		t.Fatalf("%q parsed as\n%+v\nits items say\n%+v", s, fl, want)
	}
}

// checkMessageItems does the same for a marker tag.
func checkMessageItems(t *testing.T, s string, m tags.Message) {
	t.Helper()
	want := tags.Message{APIKey: -1, Versions: tags.All(), Flexible: tags.None(), Deprecated: tags.None()}
	kinds := map[string]tags.Kind{"request": tags.Request, "response": tags.Response, "header": tags.Header, "data": tags.Data}
	ranges := map[string]*tags.Range{"versions": &want.Versions, "flexible": &want.Flexible, "deprecated": &want.Deprecated}
	for _, item := range items(s) {
		k, v, hasValue := strings.Cut(item, "=")
		switch {
		case !hasValue && kinds[k] != 0:
			want.Kind = kinds[k]
		case !hasValue && k == "latestUnstable":
			want.LatestUnstable = true
		case k == "apiKey":
			n, err := strconv.ParseInt(v, 10, 16)
			if err != nil {
				t.Fatalf("%q: apiKey %q accepted but not a number", s, v)
			}
			want.APIKey = int16(n)
		case ranges[k] != nil:
			*ranges[k] = mustRange(t, v)
		case k == "listeners":
			want.Listeners = strings.Split(v, "|")
		default:
			t.Fatalf("%q: item %q accepted, but the grammar has no such item", s, item)
		}
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("%q parsed as\n%+v\nits items say\n%+v", s, m, want)
	}
}

// items splits a quote-free tag into its items; the empty tag has none.
func items(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// quoteValue quotes a value that holds a comma or a quote, as the grammar requires.
func quoteValue(v string) string {
	if strings.ContainsAny(v, ",'") {
		return "'" + v + "'"
	}
	return v
}

// writeField writes a parsed field back as a tag.
func writeField(f tags.Field) string {
	if f.Skip {
		return "-"
	}
	if f.UnknownTags {
		return "unknownTags"
	}
	items := []string{"versions=" + f.Versions.String()}
	if f.Type != "" {
		items = append(items, "type="+quoteValue(f.Type))
	}
	if !f.Nullable.IsNone() {
		items = append(items, "nullable="+f.Nullable.String())
	}
	if f.IsTagged() {
		items = append(items, "tag="+strconv.Itoa(int(f.Tag)), "tagged="+f.Tagged.String())
	}
	if f.HasDefault {
		items = append(items, "default="+quoteValue(f.Default))
	}
	if f.Ignorable {
		items = append(items, "ignorable")
	}
	if f.HasFlexible {
		items = append(items, "flexible="+f.Flexible.String())
	}
	return strings.Join(items, ",")
}

// writeMessage writes a parsed marker back as a tag.
func writeMessage(m tags.Message) string {
	var items []string
	if m.Kind != tags.Plain {
		items = append(items, m.Kind.String())
	}
	if m.APIKey >= 0 {
		items = append(items, "apiKey="+strconv.Itoa(int(m.APIKey)))
	}
	items = append(items, "versions="+m.Versions.String(), "flexible="+m.Flexible.String(), "deprecated="+m.Deprecated.String())
	if m.LatestUnstable {
		items = append(items, "latestUnstable")
	}
	if m.Listeners != nil {
		items = append(items, "listeners="+quoteValue(strings.Join(m.Listeners, "|")))
	}
	return strings.Join(items, ",")
}
