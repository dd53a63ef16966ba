package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kio-go/kafka-protocol/kio/tags"
)

// The index: kio/schema's index.go, a table of every API by key and every message by
// name, filled into the hand-written API and Message types of package schema.

// rangeLiteral writes r as Go source.
func rangeLiteral(r tags.Range) string {
	switch {
	case r.IsNone():
		return "tags.None()"
	case r.IsOpen():
		return fmt.Sprintf("tags.Range{Lo: %d, Hi: math.MaxInt16}", r.Lo)
	}
	return fmt.Sprintf("tags.Range{Lo: %d, Hi: %d}", r.Lo, r.Hi)
}

// releasesLiteral writes a message's per-release versions as Go source.
func releasesLiteral(m *message) string {
	var b strings.Builder
	b.WriteString("[]ReleaseVersions{")
	for i, r := range m.Releases {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "{Release: %q, Versions: %s, Unstable: %s}", r.Release, rangeLiteral(r.Versions), rangeLiteral(r.Unstable))
	}
	b.WriteString("}")
	return b.String()
}

// emitIndex writes index.go.
func emitIndex(pkgs []*goPackage, releases []string) ([]byte, error) {
	g := newGoFile()
	g.imports["math"] = true
	g.imports["reflect"] = true
	g.imports[tagsImport] = true
	reserved := map[string]bool{"math": true, "reflect": true, "tags": true, "schema": true}
	var apis []*goPackage
	var msgs []*message
	pkgOf := map[*message]*goPackage{}
	for _, p := range pkgs {
		if reserved[p.Name] {
			return nil, fmt.Errorf("package name %s clashes with an import of index.go", p.Name)
		}
		g.imports[schemaImport+"/"+p.Name] = true
		if len(p.Messages) == 2 {
			apis = append(apis, p)
		}
		for _, m := range p.Messages {
			msgs = append(msgs, m)
			pkgOf[m] = p
		}
	}
	sort.Slice(apis, func(i, j int) bool { return apis[i].Messages[0].APIKey < apis[j].Messages[0].APIKey })
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].Name < msgs[j].Name })

	g.printf("// releases names the Kafka releases the schema merges, oldest first.\nvar releases = [...]string{")
	for i, r := range releases {
		if i > 0 {
			g.printf(", ")
		}
		g.printf("%q", r)
	}
	g.printf("}\n\n")
	g.printf("// apisByKey holds every API at the index of its key; keys Kafka does not use are nil.\n")
	g.printf("var apisByKey = [...]*API{\n")
	for _, p := range apis {
		req, resp := p.Messages[0], p.Messages[1]
		g.printf("\t%d: {\n", req.APIKey)
		g.printf("\t\tKey: %d,\n\t\tName: %q,\n\t\tPackage: %q,\n", req.APIKey, p.Title, schemaImport+"/"+p.Name)
		g.printf("\t\tRequest: reflect.TypeFor[%s.%s](),\n", p.Name, req.Name)
		g.printf("\t\tResponse: reflect.TypeFor[%s.%s](),\n", p.Name, resp.Name)
		g.printf("\t\tVersions: %s,\n\t\tFlexible: %s,\n\t\tDeprecated: %s,\n",
			rangeLiteral(req.Versions), rangeLiteral(req.Flexible), rangeLiteral(req.Deprecated))
		if req.LatestUnstable {
			g.printf("\t\tLatestUnstable: true,\n\t\tUnstable: %s,\n", rangeLiteral(tags.Range{Lo: req.Versions.Hi, Hi: req.Versions.Hi}))
		} else {
			g.printf("\t\tUnstable: tags.None(),\n")
		}
		g.printf("\t\treleases: %s,\n", releasesLiteral(req))
		if len(req.Listeners) > 0 {
			g.printf("\t\tlisteners: []string{")
			for i, l := range req.Listeners {
				if i > 0 {
					g.printf(", ")
				}
				g.printf("%q", l)
			}
			g.printf("},\n")
		}
		g.printf("\t\tnewRequest: func() any { return new(%s.%s) },\n", p.Name, req.Name)
		g.printf("\t\tnewResponse: func() any { return new(%s.%s) },\n", p.Name, resp.Name)
		g.printf("\t},\n")
	}
	g.printf("}\n\n")

	g.printf("// messagesByName holds every request, response, header and data schema, sorted by name.\n")
	g.printf("var messagesByName = [...]*Message{\n")
	for _, m := range msgs {
		p := pkgOf[m]
		g.printf("\t{\n\t\tName: %q,\n\t\tKind: tags.%s,\n\t\tAPIKey: %s,\n", m.Name, kindIdent(m.Kind), strconv.Itoa(int(m.APIKey)))
		g.printf("\t\tPackage: %q,\n", schemaImport+"/"+p.Name)
		g.printf("\t\tType: reflect.TypeFor[%s.%s](),\n", p.Name, m.Name)
		g.printf("\t\tVersions: %s,\n\t\tFlexible: %s,\n", rangeLiteral(m.Versions), rangeLiteral(m.Flexible))
		g.printf("\t\treleases: %s,\n", releasesLiteral(m))
		g.printf("\t\tnewValue: func() any { return new(%s.%s) },\n\t},\n", p.Name, m.Name)
	}
	g.printf("}\n")
	return g.render("", "schema")
}

// kindIdent is the name of a tags.Kind constant.
func kindIdent(k tags.Kind) string {
	switch k {
	case tags.Request:
		return "Request"
	case tags.Response:
		return "Response"
	case tags.Header:
		return "Header"
	case tags.Data:
		return "Data"
	}
	return "Plain"
}
