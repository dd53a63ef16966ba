// Package tags parses kio's `kafka:"..."` struct tags.
//
// The grammar mirrors Kafka's JSON message specs, so a generated struct reads like its
// spec. A tag is a comma-separated list of items, each a bare word or key=value; a
// value may be single-quoted to hold a comma ('a,b'). Version ranges are written as in
// the spec: "3", "0-5", "9+" or "none".
//
// The marker field `_ struct{}`, first in a struct, carries message-level facts:
//
//	_ struct{} `kafka:"request,apiKey=3,versions=0-12,flexible=9+"`
//
//	request|response|header|data  entity kind (a bare word; optional for plain structs)
//	apiKey=N                      the API key, for requests and responses
//	versions=R                    valid versions (default 0+)
//	flexible=R                    flexible versions (default none)
//	deprecated=R                  deprecated versions (informational)
//	latestUnstable                the latest version is not yet stable (informational)
//	listeners=a|b                 listeners that serve the API (informational)
//
// Every other field carries its own facts:
//
//	type=T         Kafka type: int8 int16 int32 int64 uint16 uint32 float64 bool string
//	               bytes records uuid, []T, or a struct name; implied by the Go type where
//	               omitted
//	versions=R     versions the field is present in (default 0+)
//	nullable=R     versions in which it may be null
//	tag=N          tagged-field id; needs tagged=
//	tagged=R       versions in which the field is tagged
//	default=V      the spec's default literal: a number (hex too), true, false, null or a string
//	ignorable      the field may be dropped silently at versions without it
//	flexible=R     field-level flexible versions (strings and bytes keep the classic
//	               encoding outside them, as RequestHeader's ClientId does)
//	unknownTags    this field (kio.RawTags) keeps tagged fields the struct does not know
//
// `kafka:"-"` skips a field.
package tags

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Kind is the entity kind named by a struct's marker field.
type Kind uint8

// Entity kinds, as in the spec's "type" attribute.
const (
	Plain    Kind = iota // a hand-written struct, or a marker without a kind
	Request              // "request"
	Response             // "response"
	Header               // "header"
	Data                 // "data"
)

var kindNames = [...]string{Plain: "", Request: "request", Response: "response", Header: "header", Data: "data"}

// String returns the kind as written in a tag.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Message is the parsed marker tag of a struct.
type Message struct {
	Kind           Kind
	APIKey         int16 // -1 where there is none
	Versions       Range // valid versions
	Flexible       Range // flexible versions
	Deprecated     Range
	LatestUnstable bool
	Listeners      []string
}

// Field is the parsed tag of one struct field.
type Field struct {
	Skip        bool   // `kafka:"-"`
	Type        string // Kafka type as written; "" where the Go type implies it
	Versions    Range
	Nullable    Range
	Tag         int32 // tagged-field id; -1 where the field is not tagged
	Tagged      Range // tagged versions
	Default     string
	HasDefault  bool
	Ignorable   bool
	Flexible    Range // field-level flexible versions; valid where HasFlexible
	HasFlexible bool
	UnknownTags bool
}

// IsTagged reports whether the field is a tagged field.
func (f *Field) IsTagged() bool { return f.Tag >= 0 }

// Error is a malformed tag: which item failed and why.
type Error struct {
	Tag    string // the whole tag
	Item   string // the item that failed
	Reason string
}

// Error names the tag, the item that failed and why.
func (e *Error) Error() string {
	if e.Item == "" {
		return fmt.Sprintf("kafka tag %q: %s", e.Tag, e.Reason)
	}
	return fmt.Sprintf("kafka tag %q: item %q: %s", e.Tag, e.Item, e.Reason)
}

type item struct{ key, value string }

// splitItems cuts a tag into items, honouring single quotes around values.
func splitItems(tag string) ([]item, error) {
	var items []item
	for rest := tag; rest != ""; {
		var raw string
		// Find the item's end: the first comma outside quotes.
		end, quoted := -1, false
		for i := 0; i < len(rest); i++ {
			switch rest[i] {
			case '\'':
				quoted = !quoted
			case ',':
				if !quoted {
					end = i
				}
			}
			if end >= 0 {
				break
			}
		}
		if quoted {
			return nil, &Error{Tag: tag, Item: rest, Reason: "unterminated quote"}
		}
		if end < 0 {
			raw, rest = rest, ""
		} else {
			raw, rest = rest[:end], rest[end+1:]
			if rest == "" {
				return nil, &Error{Tag: tag, Reason: "trailing comma"}
			}
		}
		if raw == "" {
			return nil, &Error{Tag: tag, Reason: "empty item"}
		}
		k, v, hasValue := strings.Cut(raw, "=")
		if hasValue && strings.HasPrefix(v, "'") {
			if len(v) < 2 || !strings.HasSuffix(v, "'") {
				return nil, &Error{Tag: tag, Item: raw, Reason: "badly quoted value"}
			}
			v = v[1 : len(v)-1]
		} else if strings.ContainsRune(raw, '\'') {
			return nil, &Error{Tag: tag, Item: raw, Reason: "quote outside a value"}
		}
		if k == "" {
			return nil, &Error{Tag: tag, Item: raw, Reason: "empty key"}
		}
		if !hasValue {
			v = "\x00" // marks a bare word; no real value holds NUL
		}
		items = append(items, item{k, v})
	}
	return items, nil
}

func (it item) bare() bool { return it.value == "\x00" }

func (it item) String() string {
	if it.bare() {
		return it.key
	}
	return it.key + "=" + it.value
}

// eachItem splits tag into its items and, in order, parses the value of a key of ranges
// into its Range, or calls apply with any other item and its index; it refuses a key
// given twice. apply returns why the item is wrong, or "".
func eachItem(tag string, ranges map[string]*Range, apply func(i int, it item) (reason string)) ([]item, error) {
	items, err := splitItems(tag)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, it := range items {
		var reason string
		dst, isRange := ranges[it.key]
		switch {
		case seen[it.key]:
			reason = "repeated key"
		case isRange && !it.bare():
			if r, err := ParseRange(it.value); err != nil {
				reason = err.Error()
			} else {
				*dst = r
			}
		default:
			reason = apply(i, it)
		}
		seen[it.key] = true
		if reason != "" {
			return items, &Error{Tag: tag, Item: it.String(), Reason: reason}
		}
	}
	return items, nil
}

// setNonNegative parses the item's value into dst, a non-negative int16 or int32, and
// says why it cannot.
func setNonNegative[T int16 | int32](dst *T, it item) (reason string) {
	bits := 16
	if _, ok := any(*dst).(int32); ok {
		bits = 32
	}
	n, err := strconv.ParseInt(it.value, 10, bits)
	if err != nil || n < 0 {
		return fmt.Sprintf("%s must be a non-negative int%d", it.key, bits)
	}
	*dst = T(n)
	return ""
}

// ParseMessage parses the tag of a struct's marker field `_ struct{}`.
func ParseMessage(tag string) (Message, error) {
	m := Message{APIKey: -1, Versions: All(), Flexible: None(), Deprecated: None()}
	ranges := map[string]*Range{"versions": &m.Versions, "flexible": &m.Flexible, "deprecated": &m.Deprecated}
	_, err := eachItem(tag, ranges, func(i int, it item) string {
		if it.bare() {
			switch it.key {
			case "request", "response", "header", "data":
				if i != 0 {
					return "the entity kind must come first"
				}
				for k, n := range kindNames {
					if n == it.key {
						m.Kind = Kind(k)
					}
				}
			case "latestUnstable":
				m.LatestUnstable = true
			default:
				return "unknown marker word"
			}
			return ""
		}
		switch it.key {
		case "apiKey":
			return setNonNegative(&m.APIKey, it)
		case "listeners":
			m.Listeners = strings.Split(it.value, "|")
		default:
			return "unknown marker key"
		}
		return ""
	})
	if err != nil {
		return m, err
	}
	if (m.Kind == Request || m.Kind == Response) && m.APIKey < 0 {
		return m, &Error{Tag: tag, Reason: m.Kind.String() + " needs apiKey"}
	}
	return m, nil
}

// ParseField parses the tag of an ordinary struct field. An empty tag gives the
// defaults: present in every version, never nullable, not tagged.
func ParseField(tag string) (Field, error) {
	f := Field{Versions: All(), Nullable: None(), Tag: -1, Tagged: None(), Flexible: None()}
	if tag == "-" {
		f.Skip = true
		return f, nil
	}
	ranges := map[string]*Range{"versions": &f.Versions, "nullable": &f.Nullable, "tagged": &f.Tagged, "flexible": &f.Flexible}
	items, err := eachItem(tag, ranges, func(_ int, it item) string {
		if it.bare() {
			switch it.key {
			case "ignorable":
				f.Ignorable = true
			case "unknownTags":
				f.UnknownTags = true
			default:
				return "unknown field word"
			}
			return ""
		}
		switch it.key {
		case "type":
			if it.value == "" || it.value == "[]" {
				return "empty type"
			}
			f.Type = it.value
		case "tag":
			return setNonNegative(&f.Tag, it)
		case "default":
			f.Default, f.HasDefault = it.value, true
		default:
			return "unknown field key"
		}
		return ""
	})
	if err != nil {
		return f, err
	}
	f.HasFlexible = slices.ContainsFunc(items, func(it item) bool { return it.key == "flexible" })
	switch {
	case f.Tag >= 0 && f.Tagged.IsNone():
		return f, &Error{Tag: tag, Reason: "tag id without tagged versions"}
	case f.Tag < 0 && !f.Tagged.IsNone():
		return f, &Error{Tag: tag, Reason: "tagged versions without a tag id"}
	case f.UnknownTags && len(items) != 1:
		return f, &Error{Tag: tag, Reason: "unknownTags stands alone"}
	}
	return f, nil
}
