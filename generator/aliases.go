package main

import (
	"fmt"
	"path"
	"sort"
)

// Deprecated aliases keep the names of older releases compiling after a rename: a type
// renamed within its package gets `type Old = New` there (unless Old now names another
// type), and an API whose package was renamed keeps its old package, holding an alias
// for every type and the APIKey constant of the new one. Renamed fields cannot be
// aliased in Go; the generator prints them with the rest.

// aliasPackage is the aliases one package holds.
type aliasPackage struct {
	Name   string     // the package holding the aliases
	Target *goPackage // the package they point to
	Types  [][2]string
}

// separate reports whether the aliases form a deprecated package of their own.
func (a *aliasPackage) separate() bool { return a.Name != a.Target.Name }

// findAliases lists the aliases of every renamed package and type.
func findAliases(pkgs []*goPackage) ([]*aliasPackage, error) {
	byName := map[string]*aliasPackage{}
	get := func(name string, target *goPackage) (*aliasPackage, error) {
		a := byName[name]
		if a == nil {
			a = &aliasPackage{Name: name, Target: target}
			byName[name] = a
		} else if a.Target != target {
			return nil, fmt.Errorf("old package %s would alias both %s and %s", name, a.Target.Name, target.Name)
		}
		return a, nil
	}
	taken := map[string]bool{}
	for _, p := range pkgs {
		taken[p.Name] = true
	}
	for _, p := range pkgs {
		used := map[string]bool{}
		for _, m := range p.Messages {
			used[m.Name] = true
			for _, s := range m.Structs {
				used[s.GoName] = true
			}
		}
		for _, m := range p.Messages {
			for _, old := range m.OldNames {
				oldPkg := packageName(old)
				if m.Kind.String() == "request" || m.Kind.String() == "response" {
					oldPkg = packageName(apiName(old))
				}
				if oldPkg == p.Name {
					if !used[old] {
						a, err := get(p.Name, p)
						if err != nil {
							return nil, err
						}
						a.Types = append(a.Types, [2]string{old, m.Name})
					}
					continue
				}
				if taken[oldPkg] {
					return nil, fmt.Errorf("old package %s of %s is a package of the merged schema", oldPkg, m.Name)
				}
				a, err := get(oldPkg, p)
				if err != nil {
					return nil, err
				}
				a.Types = append(a.Types, [2]string{old, m.Name})
				for _, s := range m.Structs {
					name := s.GoName
					for o, c := range m.OldStructs {
						if c == s.Name && s.GoName == s.Name {
							name = o
						}
					}
					a.Types = append(a.Types, [2]string{name, s.GoName})
				}
			}
			for o, c := range m.OldStructs {
				s := m.byName[c]
				if s == nil || used[o] || len(m.OldNames) > 0 && packageName(apiName(m.OldNames[0])) != p.Name {
					continue
				}
				a, err := get(p.Name, p)
				if err != nil {
					return nil, err
				}
				a.Types = append(a.Types, [2]string{o, s.GoName})
			}
		}
	}
	var out []*aliasPackage
	for _, a := range byName {
		sort.Slice(a.Types, func(i, j int) bool { return a.Types[i][0] < a.Types[j][0] })
		types := a.Types[:0]
		for i, t := range a.Types {
			if i == 0 || t[0] != a.Types[i-1][0] {
				types = append(types, t)
			} else if t[1] != a.Types[i-1][1] {
				return nil, fmt.Errorf("package %s: old name %s stands for both %s and %s", a.Name, t[0], a.Types[i-1][1], t[1])
			}
		}
		a.Types = types
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// emitAliases writes a package's aliases: <pkg>/aliases.go in the package itself, or
// <old>/<old>.go for a renamed package.
func emitAliases(a *aliasPackage, files map[string][]byte) error {
	g := newGoFile()
	target := a.Target.Name
	prefix := ""
	if a.separate() {
		g.imports[schemaImport+"/"+target] = true
		prefix = target + "."
		g.comment("", fmt.Sprintf("APIKey is the key of the API.\n\nDeprecated: use %s.APIKey.", target))
		g.printf("const APIKey = %sAPIKey\n\n", prefix)
	}
	for _, t := range a.Types {
		g.comment("", fmt.Sprintf("%s is the name an older Kafka release gave %s%s.\n\nDeprecated: use %s%s.", t[0], prefix, t[1], prefix, t[1]))
		g.printf("type %s = %s%s\n\n", t[0], prefix, t[1])
	}
	doc, file := "", path.Join(a.Name, "aliases.go")
	if a.separate() {
		doc = fmt.Sprintf("Package %s holds the names older Kafka releases gave the %s API, as aliases of package %s.\n\nDeprecated: Kafka renamed the API %s; use package %s.", a.Name, a.Target.Title, target, a.Target.Title, target)
		file = path.Join(a.Name, a.Name+".go")
	}
	src, err := g.render(doc, a.Name)
	if err != nil {
		return fmt.Errorf("aliases of %s: %w", a.Name, err)
	}
	files[file] = src
	return nil
}
