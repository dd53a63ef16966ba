package main

import (
	"fmt"
	"go/token"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Naming rules. Kafka's names are kept verbatim wherever Go allows it:
//
//   - Types: a message or struct keeps its spec name (MetadataRequest, MetadataRequestTopic).
//   - Fields: the spec name with its first letter upper-cased so the field is exported
//     (three specs spell fields timeoutMs, validateOnly, isKRaftController; they become
//     TimeoutMs, ValidateOnly, IsKRaftController). Two fields that end up with the same
//     Go name, or a field named UnknownTags in a flexible struct, are an error.
//   - Structs defined by both the request and the response of one API: when both
//     definitions have the same fields (and the structs they use are shared too) the
//     package holds one type under the verbatim name; otherwise both are renamed with
//     their message's name as prefix (Vote's PartitionData becomes
//     VoteRequestPartitionData and VoteResponsePartitionData). A renamed type that would
//     clash with another type name is an error.
//   - The same struct name defined twice in one message: one type if identical, else an
//     error (see addStruct).
//   - Packages: the API name (message name without Request/Response), or the header or
//     data schema name, lower-cased: metadata, apiversions, requestheader.

// isIdent reports whether s is a Go identifier (and not a keyword).
func isIdent(s string) bool { return token.IsIdentifier(s) }

// isExportedIdent reports whether s is an exported Go identifier.
func isExportedIdent(s string) bool { return token.IsIdentifier(s) && token.IsExported(s) }

// exportName upper-cases the first letter of a spec name.
func exportName(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// packageName is the Go package name for an API, header or data schema name.
func packageName(name string) string { return strings.ToLower(name) }

// apiName is a request or response name without its suffix.
func apiName(messageName string) string {
	if s, ok := strings.CutSuffix(messageName, "Request"); ok {
		return s
	}
	return strings.TrimSuffix(messageName, "Response")
}

// errorCodeName turns Kafka's OFFSET_OUT_OF_RANGE into OffsetOutOfRange; NONE becomes None.
func errorCodeName(kafkaName string) string {
	var b strings.Builder
	for _, word := range strings.Split(kafkaName, "_") {
		if word == "" {
			continue
		}
		b.WriteString(word[:1])
		b.WriteString(strings.ToLower(word[1:]))
	}
	return b.String()
}

// assignFieldNames gives every field of a message and its structs its Go name.
func assignFieldNames(m *message) error {
	check := func(owner string, fields []*field) error {
		seen := map[string]string{}
		if m.HasFlexible && !m.Flexible.IsNone() {
			seen["UnknownTags"] = "the unknown-tags field"
		}
		for _, f := range fields {
			f.GoName = exportName(f.Name)
			if prev, ok := seen[f.GoName]; ok {
				return fmt.Errorf("%s: field %s clashes with %s as Go name %s", owner, f.Name, prev, f.GoName)
			}
			seen[f.GoName] = f.Name
		}
		return nil
	}
	if err := check(m.Name, m.Fields); err != nil {
		return err
	}
	for _, s := range m.Structs {
		if err := check(m.Name+"."+s.Name, s.Fields); err != nil {
			return err
		}
	}
	return nil
}

// assignTypeNames applies the struct naming rules to the messages of one package (one
// message, or an API's request and response) and checks that no two types share a name.
func assignTypeNames(msgs []*message) error {
	for _, m := range msgs {
		for _, s := range m.Structs {
			s.GoName, s.Shared = s.Name, false
		}
	}
	if len(msgs) == 2 {
		shareOrRename(msgs[0], msgs[1])
	}
	// Every Go type name in the package must be unique.
	owner := map[string]string{}
	claim := func(name, what string) error {
		if prev, ok := owner[name]; ok {
			return fmt.Errorf("type name %s is used by both %s and %s", name, prev, what)
		}
		owner[name] = what
		return nil
	}
	for _, m := range msgs {
		if err := claim(m.Name, "message "+m.Name); err != nil {
			return err
		}
	}
	for i, m := range msgs {
		for _, s := range m.Structs {
			if s.Shared && i > 0 {
				continue // emitted once, with the first message
			}
			if err := claim(s.GoName, "struct "+s.Name+" of "+m.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// shareOrRename decides, for each struct name both messages define, whether the two
// definitions are one shared type or two renamed ones. Definitions count as identical
// when their own fields match and every struct they use is itself shared, so the
// decision is iterated to a fixed point.
func shareOrRename(req, resp *message) {
	var both []string
	for name := range req.byName {
		if _, ok := resp.byName[name]; ok {
			both = append(both, name)
		}
	}
	sort.Strings(both)
	differ := map[string]bool{}
	for _, name := range both {
		differ[name] = structSignature(req.byName[name]) != structSignature(resp.byName[name])
	}
	for changed := true; changed; {
		changed = false
		for _, name := range both {
			if differ[name] {
				continue
			}
			for _, f := range req.byName[name].Fields {
				if f.Struct != nil && differ[f.Struct.Name] {
					differ[name], changed = true, true
					break
				}
			}
		}
	}
	for _, name := range both {
		a, b := req.byName[name], resp.byName[name]
		if differ[name] {
			a.GoName, b.GoName = req.Name+name, resp.Name+name
		} else {
			a.Shared, b.Shared = true, true
		}
	}
}
