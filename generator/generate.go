package main

import (
	"fmt"
	"go/format"
	"path"
	"sort"
	"strings"

	"github.com/kio-go/kafka-protocol/kio/tags"
)

// goPackage is one generated package: an API (request and response) or a single header
// or data schema.
type goPackage struct {
	Name     string     // Go package name and directory, e.g. "metadata"
	Title    string     // "Metadata" for an API, the schema name otherwise
	Messages []*message // request then response, or the one schema
}

// model is everything the generator read, validated, merged and named, ready for emission.
type model struct {
	Packages []*goPackage
	Entities map[string]string // entityType -> Kafka scalar type
	Codes    []errorCode
	Releases []string // the merged releases' names, oldest first
	Renames  []string // what merging renamed, old name -> new name, one line each
	Aliases  []*aliasPackage
	// StraightPairs counts the (message, version) pairs with straight-line encoders
	// (straight.go), set by generate.
	StraightPairs int
	// StraightDecoders counts the (message, version) pairs with straight-line decoders.
	StraightDecoders int
}

// specSource is one release's folder of JSON specs.
type specSource struct {
	Release string // e.g. "3.9.2" or "4.4.0"
	Dir     string
}

// load reads and validates the specs of every release (oldest first) and the error codes
// of every file (later files win a code's name), merges them and applies the naming rules.
func load(sources []specSource, errorFiles []string) (*model, error) {
	if len(sources) == 0 {
		return nil, fmt.Errorf("no spec folder given")
	}
	if len(errorFiles) == 0 {
		return nil, fmt.Errorf("no error-code file given")
	}
	rn := renames{}
	var rels []specRelease
	seen := map[string]bool{}
	for _, src := range sources {
		if seen[src.Release] {
			return nil, fmt.Errorf("release %s is given twice", src.Release)
		}
		seen[src.Release] = true
		specs, err := readSpecs(src.Dir)
		if err != nil {
			return nil, fmt.Errorf("release %s: %w", src.Release, err)
		}
		msgs := make([]*message, 0, len(specs))
		for _, s := range specs {
			m, err := buildMessage(s)
			if err != nil {
				return nil, fmt.Errorf("release %s: %w", src.Release, err)
			}
			msgs = append(msgs, m)
		}
		if _, err := groupPackages(msgs); err != nil {
			return nil, fmt.Errorf("release %s: %w", src.Release, err)
		}
		rels = append(rels, specRelease{Name: src.Release, Msgs: msgs})
	}
	msgs, err := mergeReleases(rels, rn)
	if err != nil {
		return nil, err
	}
	codes, err := mergeErrorCodes(errorFiles, rn)
	if err != nil {
		return nil, err
	}
	pkgs, err := groupPackages(msgs)
	if err != nil {
		return nil, err
	}
	entities, err := collectEntities(msgs)
	if err != nil {
		return nil, err
	}
	for _, p := range pkgs {
		for _, m := range p.Messages {
			if err := assignFieldNames(m); err != nil {
				return nil, err
			}
		}
		if err := assignTypeNames(p.Messages); err != nil {
			return nil, fmt.Errorf("package %s: %w", p.Name, err)
		}
	}
	aliases, err := findAliases(pkgs)
	if err != nil {
		return nil, err
	}
	md := &model{Packages: pkgs, Entities: entities, Codes: codes, Renames: rn.sorted(), Aliases: aliases}
	for _, r := range rels {
		md.Releases = append(md.Releases, r.Name)
	}
	return md, nil
}

// generate reads the specs and error codes and returns every generated file by its
// slash-separated path relative to the output directory, and the model it came from.
func generate(sources []specSource, errorFiles []string) (map[string][]byte, *model, error) {
	m, err := load(sources, errorFiles)
	if err != nil {
		return nil, nil, err
	}
	files := map[string][]byte{}
	for _, p := range m.Packages {
		if err := emitPackage(p, files); err != nil {
			return nil, nil, err
		}
	}
	for _, a := range m.Aliases {
		if err := emitAliases(a, files); err != nil {
			return nil, nil, err
		}
	}
	if files["common/entities.go"], err = emitEntities(m.Entities); err != nil {
		return nil, nil, err
	}
	if files["common/errorcodes.go"], err = emitErrorCodes(m.Codes); err != nil {
		return nil, nil, err
	}
	if files["index.go"], err = emitIndex(m.Packages, m.Releases); err != nil {
		return nil, nil, err
	}
	if m.StraightPairs, m.StraightDecoders, err = emitStraight(m.Packages, files); err != nil {
		return nil, nil, err
	}
	return files, m, nil
}

// groupPackages pairs each request with its response and gives every header and data
// schema its own package, sorted by package name.
func groupPackages(msgs []*message) ([]*goPackage, error) {
	byKey := map[int16][2]*message{}
	var pkgs []*goPackage
	for _, m := range msgs {
		switch m.Kind {
		case tags.Request, tags.Response:
			pair := byKey[m.APIKey]
			i := 0
			if m.Kind == tags.Response {
				i = 1
			}
			if pair[i] != nil {
				return nil, fmt.Errorf("API key %d has two %ss: %s and %s", m.APIKey, m.Kind, pair[i].Name, m.Name)
			}
			pair[i] = m
			byKey[m.APIKey] = pair
		default:
			pkgs = append(pkgs, &goPackage{Name: packageName(m.Name), Title: m.Name, Messages: []*message{m}})
		}
	}
	for key, pair := range byKey {
		req, resp := pair[0], pair[1]
		if req == nil || resp == nil {
			have := pair[0]
			if have == nil {
				have = pair[1]
			}
			return nil, fmt.Errorf("API key %d: %s has no counterpart", key, have.Name)
		}
		name := apiName(req.Name)
		switch {
		case apiName(resp.Name) != name:
			return nil, fmt.Errorf("API key %d: request %s and response %s name different APIs", key, req.Name, resp.Name)
		case req.Versions != resp.Versions:
			return nil, fmt.Errorf("API %s: request versions %s differ from response versions %s", name, req.Versions, resp.Versions)
		case req.Flexible != resp.Flexible:
			return nil, fmt.Errorf("API %s: request flexible versions %s differ from the response's %s", name, req.Flexible, resp.Flexible)
		}
		pkgs = append(pkgs, &goPackage{Name: packageName(name), Title: name, Messages: []*message{req, resp}})
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].Name < pkgs[j].Name })
	for i := 1; i < len(pkgs); i++ {
		if pkgs[i].Name == pkgs[i-1].Name {
			return nil, fmt.Errorf("%s and %s both map to package %s", pkgs[i-1].Title, pkgs[i].Title, pkgs[i].Name)
		}
	}
	for _, p := range pkgs {
		if p.Name == "common" || !isIdent(p.Name) {
			return nil, fmt.Errorf("%s: package name %q is not usable", p.Title, p.Name)
		}
	}
	return pkgs, nil
}

// emitPackage writes one package's files: request.go and response.go for an API, or
// <name>.go for a header or data schema.
func emitPackage(p *goPackage, files map[string][]byte) error {
	first := p.Messages[0]
	var doc string
	if len(p.Messages) == 2 {
		doc = fmt.Sprintf("Package %s holds the %s API, key %d: %s and %s, generated from Kafka's %s.json and %s.json.\n\n%s",
			p.Name, p.Title, first.APIKey, first.Name, p.Messages[1].Name, first.Name, p.Messages[1].Name, versionSummary(first))
	} else {
		doc = fmt.Sprintf("Package %s holds Kafka's %s %s, generated from %s.json.\n\n%s",
			p.Name, p.Title, map[tags.Kind]string{tags.Header: "header", tags.Data: "data schema"}[first.Kind], first.Name, versionSummary(first))
	}
	for i, m := range p.Messages {
		g := newGoFile()
		g.emitMessage(m, i > 0)
		name := p.Name + ".go"
		if len(p.Messages) == 2 {
			name = strings.ToLower(m.Kind.String()) + ".go"
		}
		pkgDoc := ""
		if i == 0 {
			pkgDoc = doc
		}
		src, err := g.render(pkgDoc, p.Name)
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		files[path.Join(p.Name, name)] = src
	}
	if len(p.Messages) == 2 {
		// The key as a constant, so request headers need no magic number.
		src, err := format.Source([]byte(fmt.Sprintf("%s\n\npackage %s\n\n// APIKey is the key of the %s API, which a request header names.\nconst APIKey int16 = %d\n",
			generatedHeader, p.Name, p.Title, first.APIKey)))
		if err != nil {
			return fmt.Errorf("%s: %w", p.Title, err)
		}
		files[path.Join(p.Name, "apikey.go")] = src
	}
	return nil
}
