package main

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/kio-go/kafka-protocol/kio/tags"
)

// Merging releases. The generator reads the specs of several Kafka releases (oldest
// first) and emits one schema holding every version any of them defines:
//
//   - A version's layout comes from the newest release that defines it. A release's
//     latest version marked unstable is taken only from the newest release; an older
//     release's unstable version that a newer one redefines or drops is left out.
//   - Fields are matched by name across releases. A field that only versions of older
//     releases have (versions the newer ones dropped) comes back at its old position:
//     just before the next field of its own release that the merged list holds.
//   - Names: the newest release's names win. Renames are found where two releases define
//     the same version: walking both layouts side by side, a field or struct at the same
//     place with the same shape but another name is renamed. Messages of one API key are
//     renamed by key.
//   - Every merged version range is written as one spec range, preferring the ranges the
//     specs wrote; a set of versions no single range can express is an error.
//   - Before anything is emitted, every merged version is checked against its source
//     release: field names, order, types, nullability, tags, defaults and flexibility
//     must be the same.

// specRelease is one release's specs, validated on their own.
type specRelease struct {
	Name string // e.g. "3.9.2" or "4.4.0"
	Msgs []*message
}

// vset is a set of versions 0..63: Kafka's versions stay far below.
type vset uint64

const maxVersion = 63

func setOf(r tags.Range) vset {
	var s vset
	for v := int(max(r.Lo, 0)); !r.IsNone() && v <= int(r.Hi) && v <= maxVersion; v++ {
		s |= 1 << v
	}
	return s
}

func (s vset) has(v int16) bool { return v >= 0 && v <= maxVersion && s&(1<<v) != 0 }

func (s vset) list() []int16 {
	var out []int16
	for v := int16(0); v <= maxVersion; v++ {
		if s.has(v) {
			out = append(out, v)
		}
	}
	return out
}

func (s vset) String() string {
	var parts []string
	for _, v := range s.list() {
		parts = append(parts, fmt.Sprint(v))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// fits reports whether r holds exactly the versions of want among those of within.
func fits(r tags.Range, want, within vset) bool {
	for _, v := range within.list() {
		if r.Contains(v) != want.has(v) {
			return false
		}
	}
	return true
}

// chooseRange returns the first candidate range that holds exactly want among within,
// or else the narrowest range that does (open-ended when nothing of within lies above).
func chooseRange(cands []tags.Range, want, within vset) (tags.Range, error) {
	want &= within
	for _, c := range cands {
		if fits(c, want, within) {
			return c, nil
		}
	}
	if want == 0 {
		return tags.None(), nil
	}
	lo, hi := int16(bits.TrailingZeros64(uint64(want))), int16(63-bits.LeadingZeros64(uint64(want)))
	r := tags.Range{Lo: 0, Hi: hi}
	for _, v := range within.list() {
		if v < lo {
			r.Lo = v + 1
		}
	}
	if within>>uint(hi+1) == 0 {
		r.Hi = tags.All().Hi
	}
	if !fits(r, want, within) {
		return tags.None(), fmt.Errorf("versions %v among %v are not one range", want, within)
	}
	return r, nil
}

// renames collects the renames merging found, as printable lines.
type renames map[string]bool

func (r renames) add(format string, args ...any) { r[fmt.Sprintf(format, args...)] = true }

func (r renames) sorted() []string {
	out := make([]string, 0, len(r))
	for s := range r {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// releaseNames maps one release's struct and field names of one message to the
// newest release's.
type releaseNames struct {
	structs map[string]string // struct name -> canonical name
	fields  map[string]string // canonical parent name + "." + field name -> canonical field name
}

func (n *releaseNames) structName(s string) string {
	if c, ok := n.structs[s]; ok {
		return c
	}
	return s
}

func (n *releaseNames) fieldName(parent, f string) string {
	if c, ok := n.fields[parent+"."+f]; ok {
		return c
	}
	return f
}

// typeName is a field's type with struct names made canonical.
func (n *releaseNames) typeName(f *field) string {
	if f.Struct == nil {
		return f.Type
	}
	if f.Array {
		return "[]" + n.structName(f.Elem)
	}
	return n.structName(f.Elem)
}

// messageMerge is one message (request, response, header or data schema) across releases.
type messageMerge struct {
	name  string         // the canonical (newest) name
	defs  []*message     // per release; nil where the release lacks it
	avail []vset         // per release: the versions it offers
	src   []vset         // per release: the versions whose layout it decides
	all   vset           // every merged version
	names []releaseNames // per release
	// unstable tells per release whether it marks its latest version unstable (an API's
	// request carries the flag for the response too).
	unstable []bool
	rel      []string // release names
	renames  renames
	out      *message
	done     map[string]*structDef
}

// messageGroup is one message's definitions across releases (nil where a release lacks
// it), keyed by kind and API key for requests and responses, by name otherwise.
type messageGroup struct {
	key  string
	defs []*message
}

// groupMessages groups the releases' messages, in first-seen order.
func groupMessages(rels []specRelease) ([]*messageGroup, map[string]*messageGroup) {
	var groups []*messageGroup
	byKey := map[string]*messageGroup{}
	for i, r := range rels {
		for _, m := range r.Msgs {
			key := m.Name
			if m.Kind == tags.Request || m.Kind == tags.Response {
				key = fmt.Sprintf("%s/%d", m.Kind, m.APIKey)
			}
			g := byKey[key]
			if g == nil {
				g = &messageGroup{key: key, defs: make([]*message, len(rels))}
				byKey[key] = g
				groups = append(groups, g)
			}
			g.defs[i] = m
		}
	}
	return groups, byKey
}

// newMessageMerge prepares the merge of the message group key (see groupMessages).
func newMessageMerge(rels []specRelease, key string) *messageMerge {
	_, byKey := groupMessages(rels)
	return prepareMerge(rels, byKey[key], byKey, renames{})
}

// prepareMerge works out, per release, the versions it offers and decides.
func prepareMerge(rels []specRelease, g *messageGroup, byKey map[string]*messageGroup, rn renames) *messageMerge {
	n := len(rels)
	names := make([]string, n)
	for i, r := range rels {
		names[i] = r.Name
	}
	// An API's unstable latest version is flagged on its request only.
	unstable := func(i int) bool {
		m := g.defs[i]
		if m.Kind == tags.Response {
			if req := byKey[fmt.Sprintf("%s/%d", tags.Request, m.APIKey)]; req != nil && req.defs[i] != nil {
				return req.defs[i].LatestUnstable
			}
		}
		return m.LatestUnstable
	}
	mm := &messageMerge{defs: g.defs, avail: make([]vset, n), src: make([]vset, n),
		names: make([]releaseNames, n), unstable: make([]bool, n), rel: names, renames: rn, done: map[string]*structDef{}}
	for i, d := range g.defs {
		if d == nil {
			continue
		}
		mm.avail[i] = setOf(d.Versions)
		mm.unstable[i] = unstable(i)
		if mm.unstable[i] && i < n-1 {
			mm.avail[i] &^= 1 << d.Versions.Hi
		}
		mm.name = d.Name
	}
	var newer vset
	for i := n - 1; i >= 0; i-- {
		mm.src[i] = mm.avail[i] &^ newer
		newer |= mm.avail[i]
	}
	mm.all = newer
	return mm
}

// mergeReleases merges the releases' messages (validated per release) into one list.
func mergeReleases(rels []specRelease, rn renames) ([]*message, error) {
	groups, byKey := groupMessages(rels)
	var out []*message
	for _, g := range groups {
		for i, d := range g.defs {
			if d != nil && d.Versions.Hi > maxVersion && !d.Versions.IsNone() {
				return nil, fmt.Errorf("%s (%s): version %d is beyond what the generator handles", d.Name, rels[i].Name, d.Versions.Hi)
			}
		}
		m, err := prepareMerge(rels, g, byKey, rn).merge()
		if err != nil {
			return nil, err
		}
		if m != nil {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// newest returns the index of the newest release that decides some version, or else the
// newest that has the message at all.
func (mm *messageMerge) newest() int {
	for i := len(mm.defs) - 1; i >= 0; i-- {
		if mm.src[i] != 0 {
			return i
		}
	}
	for i := len(mm.defs) - 1; i >= 0; i-- {
		if mm.defs[i] != nil {
			return i
		}
	}
	return -1
}

func (mm *messageMerge) merge() (*message, error) {
	last := mm.newest()
	top := mm.defs[last]
	if mm.all == 0 {
		// No release defines a version (an API every release has removed): nothing to emit.
		return nil, nil
	}
	m0 := &message{Name: mm.name, byName: map[string]*structDef{}, OldStructs: map[string]string{}}
	for i, d := range mm.defs {
		mm.names[i] = releaseNames{structs: map[string]string{}, fields: map[string]string{}}
		if d != nil && d.Name != mm.name {
			mm.renames.add("message %s (%s) -> %s", d.Name, mm.rel[i], mm.name)
			if indexOf(m0.OldNames, d.Name) < 0 {
				m0.OldNames = append(m0.OldNames, d.Name)
			}
		}
	}
	if err := mm.findRenames(); err != nil {
		return nil, err
	}
	for i := range mm.defs {
		for o, c := range mm.names[i].structs {
			m0.OldStructs[o] = c
		}
	}
	lo, hi := int16(bits.TrailingZeros64(uint64(mm.all))), int16(63-bits.LeadingZeros64(uint64(mm.all)))
	versions := tags.Range{Lo: lo, Hi: hi}
	if setOf(versions) != mm.all {
		return nil, fmt.Errorf("%s: merged versions %v are not one range", mm.name, mm.all)
	}
	m := m0
	m.Kind, m.APIKey, m.Versions, m.Listeners = top.Kind, top.APIKey, versions, top.Listeners
	var flex, depr vset
	var flexCands, deprCands []tags.Range
	for i := len(mm.defs) - 1; i >= 0; i-- {
		d := mm.defs[i]
		if d == nil {
			continue
		}
		flex |= mm.src[i] & setOf(d.Flexible)
		depr |= mm.src[i] & setOf(d.Deprecated)
		m.HasFlexible = m.HasFlexible || d.HasFlexible
		if d.HasFlexible {
			flexCands = append(flexCands, d.Flexible)
		}
		if d.HasDeprecated {
			deprCands = append(deprCands, d.Deprecated)
		}
	}
	var err error
	if m.Flexible, err = chooseRange(flexCands, flex, mm.all); err != nil {
		return nil, fmt.Errorf("%s: flexible %v", mm.name, err)
	}
	if depr != 0 {
		m.HasDeprecated = true
		if m.Deprecated, err = chooseRange(deprCands, depr, mm.all); err != nil {
			return nil, fmt.Errorf("%s: deprecated %v", mm.name, err)
		}
	} else {
		m.Deprecated = tags.None()
	}
	n := len(mm.defs)
	if d := mm.defs[n-1]; d != nil && mm.unstable[n-1] && mm.src[n-1].has(d.Versions.Hi) {
		m.LatestUnstable = true
	}
	for i, d := range mm.defs {
		rv := releaseVersions{Release: mm.rel[i], Versions: tags.None(), Unstable: tags.None()}
		if d != nil {
			rv.Versions = d.Versions
			if mm.unstable[i] && !d.Versions.IsNone() {
				rv.Unstable = tags.Range{Lo: d.Versions.Hi, Hi: d.Versions.Hi}
			}
		}
		m.Releases = append(m.Releases, rv)
	}
	mm.out = m
	lists := make([][]*field, n)
	for i, d := range mm.defs {
		if d != nil {
			lists[i] = d.Fields
		}
	}
	if m.Fields, err = mm.mergeFields(lists, mm.name); err != nil {
		return nil, err
	}
	// Structs in emission order: inline definitions depth-first, then common structs.
	var inline, common []*structDef
	var walk func(parent string, fields []*field)
	walk = func(parent string, fields []*field) {
		for _, f := range fields {
			s := f.Struct
			if s == nil || m.byName[s.Name] != nil {
				continue
			}
			m.byName[s.Name] = s
			if s.Common {
				common = append(common, s)
			} else {
				s.DefinedBy, s.DefinedIn = f, parent
				inline = append(inline, s)
			}
			walk(s.Name, s.Fields)
		}
	}
	walk(mm.name, m.Fields)
	m.Structs = append(inline, common...)
	for _, s := range m.Structs {
		s.Owner = m
	}
	if err := mm.check(); err != nil {
		return nil, err
	}
	return m, nil
}

// findRenames maps each older release's names to the newest names, comparing each
// release with the nearest newer one that shares a version with it.
func (mm *messageMerge) findRenames() error {
	for i := len(mm.defs) - 2; i >= 0; i-- {
		if mm.defs[i] == nil {
			continue
		}
		for j := i + 1; j < len(mm.defs); j++ {
			shared := mm.avail[i] & mm.avail[j]
			if mm.defs[j] == nil || shared == 0 {
				continue
			}
			for _, v := range shared.list() {
				if err := mm.matchLayouts(i, j, v, mm.defs[i].Fields, mm.defs[j].Fields, mm.name); err != nil {
					return err
				}
			}
			break
		}
	}
	return nil
}

// matchLayouts walks the fields of releases i and j present at version v side by side
// and records, in release i's names, the newer names of fields and structs found at the
// same place with the same shape.
func (mm *messageMerge) matchLayouts(i, j int, v int16, old, cur []*field, parent string) error {
	old, cur = presentAt(old, v), presentAt(cur, v)
	if len(old) != len(cur) {
		return nil // the layouts differ: the check reports it if it matters
	}
	ni, nj := &mm.names[i], &mm.names[j]
	for k := range old {
		a, b := old[k], cur[k]
		if a.Array != b.Array || (a.Struct == nil) != (b.Struct == nil) || (a.Struct == nil && a.Elem != b.Elem) {
			return nil
		}
		newName := nj.fieldName(parent, b.Name)
		if prev, ok := ni.fields[parent+"."+a.Name]; ok && prev != newName {
			return fmt.Errorf("%s (%s): field %s.%s is renamed both %s and %s", mm.name, mm.rel[i], parent, a.Name, prev, newName)
		}
		if a.Name != newName {
			mm.renames.add("field %s.%s (%s) -> %s.%s in %s", parent, a.Name, mm.rel[i], parent, newName, mm.name)
			ni.fields[parent+"."+a.Name] = newName
		}
		if a.Struct == nil {
			continue
		}
		newStruct := nj.structName(b.Elem)
		if prev, ok := ni.structs[a.Elem]; ok && prev != newStruct {
			return fmt.Errorf("%s (%s): struct %s is renamed both %s and %s", mm.name, mm.rel[i], a.Elem, prev, newStruct)
		}
		if a.Elem != newStruct {
			mm.renames.add("type %s (%s) -> %s", a.Elem, mm.rel[i], newStruct)
			ni.structs[a.Elem] = newStruct
		}
		if err := mm.matchLayouts(i, j, v, a.Struct.Fields, b.Struct.Fields, newStruct); err != nil {
			return err
		}
	}
	return nil
}

// presentAt returns the fields present at version v.
func presentAt(fields []*field, v int16) []*field {
	var out []*field
	for _, f := range fields {
		if f.Versions.Contains(v) {
			out = append(out, f)
		}
	}
	return out
}

// mergeFields merges one struct's (or the message's) field lists, one per release (nil
// where the release lacks the struct). parent is the canonical struct or message name.
func (mm *messageMerge) mergeFields(lists [][]*field, parent string) ([]*field, error) {
	var order []string
	defs := map[string][]*field{}
	for i := len(lists) - 1; i >= 0; i-- {
		list := lists[i]
		for k, f := range list {
			name := mm.names[i].fieldName(parent, f.Name)
			if defs[name] == nil {
				defs[name] = make([]*field, len(lists))
				// Its old place: before the next field of its release already merged.
				at := len(order)
				for _, next := range list[k+1:] {
					if idx := indexOf(order, mm.names[i].fieldName(parent, next.Name)); idx >= 0 {
						at = idx
						break
					}
				}
				order = append(order[:at], append([]string{name}, order[at:]...)...)
			}
			if defs[name][i] != nil {
				return nil, fmt.Errorf("%s (%s): two fields of %s are named %s", mm.name, mm.rel[i], parent, name)
			}
			defs[name][i] = f
		}
	}
	var out []*field
	for _, name := range order {
		f, err := mm.mergeField(parent, name, defs[name])
		if err != nil {
			return nil, err
		}
		if f != nil {
			out = append(out, f)
		}
	}
	return out, nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// mergeField merges one field's definitions (per release, nil where absent); nil when no
// merged version has it.
func (mm *messageMerge) mergeField(parent, name string, defs []*field) (*field, error) {
	fail := func(format string, args ...any) (*field, error) {
		return nil, fmt.Errorf("%s: field %s.%s: %s", mm.name, parent, name, fmt.Sprintf(format, args...))
	}
	var present, nullable, tagged, flexible vset
	var vc, nc, tc, fc []tags.Range
	var top *field
	topRel := -1
	ignorable := false
	var f *field
	for i := len(defs) - 1; i >= 0; i-- {
		d := defs[i]
		if d == nil {
			continue
		}
		if mm.src[i] != 0 && d.Ignorable {
			ignorable = true // never stricter than a release that decides a version
		}
		here := mm.src[i] & setOf(d.Versions)
		if here == 0 {
			continue
		}
		if top == nil {
			top, topRel = d, i
			f = &field{Name: name, GoName: "", Type: mm.names[i].typeName(d), Array: d.Array, Elem: d.Elem,
				Tag: -1, Tagged: tags.None(), Nullable: tags.None(), Flexible: tags.None(),
				Default: d.Default, HasDefault: d.HasDefault, Ignorable: d.Ignorable, EntityType: d.EntityType,
				MapKey: d.MapKey, ZeroCopy: d.ZeroCopy, About: d.About}
		}
		if t := mm.names[i].typeName(d); t != f.Type {
			return fail("type %s in %s but %s in %s", t, mm.rel[i], f.Type, mm.rel[topRel])
		}
		if d.HasDefault != f.HasDefault || d.Default != f.Default {
			return fail("default %q in %s but %q in %s", d.Default, mm.rel[i], f.Default, mm.rel[topRel])
		}
		present |= here
		vc = append(vc, d.Versions)
		if d.HasNullable {
			f.HasNullable = true
			nullable |= here & setOf(d.Nullable)
			nc = append(nc, d.Nullable)
		}
		if d.Tag >= 0 && here&setOf(d.Tagged) != 0 {
			if f.Tag >= 0 && f.Tag != d.Tag {
				return fail("tag %d in %s but %d in %s", d.Tag, mm.rel[i], f.Tag, mm.rel[topRel])
			}
			f.Tag = d.Tag
			tagged |= here & setOf(d.Tagged)
			tc = append(tc, d.Tagged)
		}
		if d.HasFlexible {
			f.HasFlexible = true
			flexible |= here & setOf(d.Flexible)
			fc = append(fc, d.Flexible)
		}
	}
	if f == nil {
		return nil, nil
	}
	f.Ignorable = ignorable
	var err error
	if f.Versions, err = chooseRange(vc, present, mm.all); err != nil {
		return fail("%v", err)
	}
	if f.HasNullable {
		if f.Nullable, err = chooseRange(nc, nullable, present); err != nil {
			return fail("nullable %v", err)
		}
	}
	if f.Tag >= 0 {
		if f.Tagged, err = chooseRange(tc, tagged, present); err != nil {
			return fail("tagged %v", err)
		}
	}
	if f.HasFlexible {
		if f.Flexible, err = chooseRange(fc, flexible, present); err != nil {
			return fail("flexible %v", err)
		}
	}
	if top.Struct != nil {
		if f.Struct, err = mm.mergeStruct(defs, topRel); err != nil {
			return nil, err
		}
		f.Elem = f.Struct.Name
	}
	return f, nil
}

// mergeStruct merges the struct the field definitions use, once per canonical name.
func (mm *messageMerge) mergeStruct(defs []*field, topRel int) (*structDef, error) {
	name := mm.names[topRel].structName(defs[topRel].Elem)
	if s, ok := mm.done[name]; ok {
		return s, nil
	}
	top := defs[topRel].Struct
	s := &structDef{Name: name, Common: top.Common, CommonVersions: top.CommonVersions}
	mm.done[name] = s
	lists := make([][]*field, len(defs))
	for i, d := range mm.defs {
		if d == nil {
			continue
		}
		for _, ds := range d.Structs {
			if mm.names[i].structName(ds.Name) == name {
				lists[i] = ds.Fields
				break
			}
		}
	}
	fields, err := mm.mergeFields(lists, name)
	if err != nil {
		return nil, err
	}
	s.Fields = fields
	return s, nil
}

// check compares, for every merged version, the merged layout with its source release's.
func (mm *messageMerge) check() error {
	for i, d := range mm.defs {
		for _, v := range mm.src[i].list() {
			want := mm.layout(d, &mm.names[i], v)
			got := mm.layout(mm.out, &releaseNames{}, v)
			if got != want {
				return fmt.Errorf("%s v%d: the merged layout differs from %s's:\nmerged:\n%s\n%s:\n%s", mm.name, v, mm.rel[i], got, mm.rel[i], want)
			}
		}
	}
	return nil
}

// layout describes message m at version v in canonical names: every present field's
// name, type, nullability, tag, default and flexibility, nested structs indented.
func (mm *messageMerge) layout(m *message, n *releaseNames, v int16) string {
	var b strings.Builder
	fmt.Fprintf(&b, "flexible=%v\n", m.Flexible.Contains(v))
	var walk func(indent, parent string, fields []*field)
	walk = func(indent, parent string, fields []*field) {
		for _, f := range presentAt(fields, v) {
			tag := "-"
			if f.Tag >= 0 && f.Tagged.Contains(v) {
				tag = fmt.Sprint(f.Tag)
			}
			flexible := m.Flexible.Contains(v)
			if f.HasFlexible {
				flexible = f.Flexible.Contains(v)
			}
			fmt.Fprintf(&b, "%s%s %s nullable=%v tag=%s default=%v:%q flexible=%v\n", indent,
				n.fieldName(parent, f.Name), n.typeName(f), f.HasNullable && f.Nullable.Contains(v), tag,
				f.HasDefault, f.Default, flexible)
			if f.Struct != nil {
				walk(indent+"  ", n.structName(f.Struct.Name), f.Struct.Fields)
			}
		}
	}
	walk("", mm.name, m.Fields)
	return b.String()
}
