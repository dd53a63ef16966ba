package kiotest

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kio-go/kafka-protocol/kio/internal/layout"
)

// State is a set of states a field can be generated in.
type State uint32

// Field states recorded by a Coverage.
const (
	Null     State = 1 << iota // a nullable field generated null
	NonNull                    // a nullable field generated non-null
	Set                        // a tagged field (or unknownTags) given a value the codec must write
	Unset                      // a tagged field left at its default (or unknownTags left empty)
	Empty                      // an array generated empty (not null)
	NonEmpty                   // an array generated with elements
)

var stateNames = [...]string{"null", "non-null", "set", "unset", "empty", "non-empty"}

// String lists the states, e.g. "null|set".
func (s State) String() string {
	var names []string
	for i, name := range stateNames {
		if s&(1<<i) != 0 {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}

// Coverage records, per struct type and field, which states the field could take in
// the versions generated (wanted) and which it was actually generated in (seen):
// null and non-null for nullable fields, set and unset for tagged and unknownTags
// fields, empty and non-empty for arrays. Pass it to generators with WithCoverage; a
// generator's wanted states are noted when it is built, so a state that is never
// generated shows as missing. It is safe for concurrent use.
type Coverage struct {
	mu     sync.Mutex
	fields map[coverageKey]*fieldCoverage
}

// NewCoverage returns an empty Coverage.
func NewCoverage() *Coverage { return &Coverage{fields: map[coverageKey]*fieldCoverage{}} }

type coverageKey struct {
	t     reflect.Type
	field string
}

// fieldCoverage is one field's record; generating updates seen without locking.
type fieldCoverage struct {
	key         coverageKey
	want        State // guarded by Coverage.mu
	seen        atomic.Uint32
	unknownTags bool
}

func (f *fieldCoverage) record(s State) { f.seen.Or(uint32(s)) }

// structCoverage is the coverage records of one struct layout: one per member with
// wanted states (nil for the others), and the unknownTags field's.
type structCoverage struct {
	members []*fieldCoverage
	unknown *fieldCoverage
}

// record notes state s of member i, if it has a record.
func (sc *structCoverage) record(i int, s State) {
	if sc != nil && sc.members[i] != nil {
		sc.members[i].record(s)
	}
}

// slots returns the records of struct layout v, noting their wanted states.
func (c *Coverage) slots(v *layout.Version) *structCoverage {
	c.mu.Lock()
	defer c.mu.Unlock()
	slot := func(field string, want State, unknownTags bool) *fieldCoverage {
		k := coverageKey{v.Type.Go, field}
		f := c.fields[k]
		if f == nil {
			f = &fieldCoverage{key: k, unknownTags: unknownTags}
			c.fields[k] = f
		}
		f.want |= want
		return f
	}
	sc := &structCoverage{members: make([]*fieldCoverage, len(v.Members))}
	for i := range v.Members {
		if want := wantedStates(&v.Members[i]); want != 0 {
			sc.members[i] = slot(v.Members[i].Field.Name, want, false)
		}
	}
	if keepsUnknownTags(v) {
		sc.unknown = slot(v.Type.Go.Field(v.Type.UnknownTags).Name, Set|Unset, true)
	}
	return sc
}

// FieldCoverage is the coverage of one field of one struct type.
type FieldCoverage struct {
	Type        reflect.Type
	Field       string
	UnknownTags bool  // the struct's unknownTags field
	Want        State // states the field could take in the versions generated
	Seen        State // states it was generated in
}

// Name is the field's qualified name, e.g. "fetch.FetchRequest.ClusterId".
func (f FieldCoverage) Name() string { return f.Type.String() + "." + f.Field }

// Missing returns the wanted states that were never generated.
func (f FieldCoverage) Missing() State { return f.Want &^ f.Seen }

// String describes the field's coverage, e.g. "fetch.FetchRequest.ClusterId: want set|unset, seen set".
func (f FieldCoverage) String() string {
	return fmt.Sprintf("%s: want %v, seen %v", f.Name(), f.Want, f.Seen)
}

// Fields returns the coverage of every field with wanted states, sorted by name.
func (c *Coverage) Fields() []FieldCoverage {
	c.mu.Lock()
	out := make([]FieldCoverage, 0, len(c.fields))
	for _, f := range c.fields {
		out = append(out, FieldCoverage{
			Type:        f.key.t,
			Field:       f.key.field,
			UnknownTags: f.unknownTags,
			Want:        f.want,
			Seen:        State(f.seen.Load()),
		})
	}
	c.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if a, b := out[i].Type.String(), out[j].Type.String(); a != b {
			return a < b
		}
		if a, b := out[i].Type.PkgPath(), out[j].Type.PkgPath(); a != b {
			return a < b
		}
		return out[i].Field < out[j].Field
	})
	return out
}

// Missing returns the fields with a wanted state never generated.
func (c *Coverage) Missing() []FieldCoverage {
	var out []FieldCoverage
	for _, f := range c.Fields() {
		if f.Missing() != 0 {
			out = append(out, f)
		}
	}
	return out
}

// Summary counts, per kind of field, how many fields reached every wanted state, e.g.
// "nullable 120/120, tagged 24/24, unknownTags 300/301, arrays 900/900 fields reached
// in every state".
func (c *Coverage) Summary() string {
	var nullable, nullableDone, tagged, taggedDone, unknown, unknownDone, arrays, arraysDone int
	for _, f := range c.Fields() {
		count := func(total, done *int, states State) {
			if f.Want&states == 0 {
				return
			}
			*total++
			if f.Missing()&states == 0 {
				*done++
			}
		}
		if f.UnknownTags {
			count(&unknown, &unknownDone, Set|Unset)
			continue
		}
		count(&nullable, &nullableDone, Null|NonNull)
		count(&tagged, &taggedDone, Set|Unset)
		count(&arrays, &arraysDone, Empty|NonEmpty)
	}
	return fmt.Sprintf("nullable %d/%d, tagged %d/%d, unknownTags %d/%d, arrays %d/%d fields reached in every state",
		nullableDone, nullable, taggedDone, tagged, unknownDone, unknown, arraysDone, arrays)
}
