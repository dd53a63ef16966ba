package main

import (
	"flag"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

func runAPIs(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("apis", flag.ContinueOnError)
	release := fs.String("release", "", "only the versions this release defines ("+strings.Join(schema.Releases(), ", ")+"; 3.9.2 names 3.9)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rel := ""
	if *release != "" {
		for _, r := range schema.Releases() {
			if r == *release || strings.HasPrefix(*release, r+".") {
				rel = r
			}
		}
		if rel == "" {
			return fmt.Errorf("-release %q: kio merges %s", *release, strings.Join(schema.Releases(), ", "))
		}
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KEY\tAPI\tVERSIONS\tFLEXIBLE\tREQUEST HEADER\tRESPONSE HEADER\tNOTES")
	for _, a := range schema.APIs() {
		versions := a.Versions
		if rel != "" {
			r, _ := a.Release(rel)
			versions = r.Versions
			if versions.IsNone() {
				continue
			}
		}
		var notes []string
		if d := a.Deprecated.Intersect(versions); !d.IsNone() {
			notes = append(notes, "deprecated "+d.String())
		}
		if u := a.Unstable.Intersect(versions); !u.IsNone() {
			notes = append(notes, "unstable "+u.String())
		}
		if rel == "" {
			for _, r := range a.Releases() {
				notes = append(notes, r.Release+": "+r.Versions.String())
			}
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Key, a.Name, versions, a.Flexible.Intersect(versions),
			headerVersions(versions, a.RequestHeaderVersion), headerVersions(versions, a.ResponseHeaderVersion), strings.Join(notes, "; "))
	}
	return w.Flush()
}

// headerVersions summarises the header version of each version in r: "v0-8: 1, v9+: 2".
func headerVersions(r tags.Range, of func(int16) int16) string {
	var parts []string
	for v := r.Lo; v <= r.Hi; {
		h := of(v)
		end := v
		for end < r.Hi && of(end+1) == h {
			end++
		}
		parts = append(parts, fmt.Sprintf("%s:%d", tags.Range{Lo: v, Hi: end}, h))
		v = end + 1
	}
	return strings.Join(parts, " ")
}

func runDescribe(args []string, stdout io.Writer) error {
	if len(args) < 2 {
		return fmt.Errorf("describe: usage: kio describe API|MESSAGE VERSION [request|response]")
	}
	version, err := strconv.ParseInt(args[1], 10, 16)
	if err != nil {
		return fmt.Errorf("describe: version %q: %v", args[1], err)
	}
	var typ reflect.Type
	var versions tags.Range
	if api, ok := lookupAPI(args[0]); ok {
		typ, versions = api.Request, api.Versions
		if len(args) > 2 {
			switch args[2] {
			case "request":
			case "response":
				typ = api.Response
			default:
				return fmt.Errorf("describe: %q is neither request nor response", args[2])
			}
		}
	} else if m, ok := schema.LookupMessage(args[0]); ok {
		typ, versions = m.Type, m.Versions
	} else {
		return fmt.Errorf("describe: no API or message %q", args[0])
	}
	if !versions.Contains(int16(version)) {
		return fmt.Errorf("describe: %s has versions %v", typ.Name(), versions)
	}
	fmt.Fprintf(stdout, "%s v%d\n", typ.Name(), version)
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "FIELD\tJSON\tTYPE\tNULLABLE\tTAG\tDEFAULT")
	describeStruct(w, typ, int16(version), "")
	return w.Flush()
}

// describeStruct lists the fields of struct t present at version, read from its tags,
// nested structs indented below their field.
func describeStruct(w io.Writer, t reflect.Type, version int16, indent string) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		raw, ok := sf.Tag.Lookup("kafka")
		if !ok || sf.Name == "_" || raw == "-" {
			continue
		}
		f, err := tags.ParseField(raw)
		if err != nil || f.UnknownTags || !f.Versions.Contains(version) {
			continue
		}
		kt := f.Type
		if kt == "" {
			kt = sf.Type.String()
		}
		nullable, tag, def := "", "", ""
		if f.Nullable.Contains(version) {
			nullable = "yes"
		}
		if f.IsTagged() && f.Tagged.Contains(version) {
			tag = strconv.Itoa(int(f.Tag))
		}
		if f.HasDefault {
			def = f.Default
		}
		fmt.Fprintf(w, "%s%s\t%s\t%s\t%s\t%s\t%s\n", indent, sf.Name, lowerFirst(sf.Name), kt, nullable, tag, def)
		et := sf.Type
		for et.Kind() == reflect.Slice || et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		if et.Kind() == reflect.Struct && et.NumField() > 0 && et.PkgPath() != "" && !strings.HasSuffix(et.PkgPath(), "/kio") {
			describeStruct(w, et, version, indent+"  ")
		}
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
