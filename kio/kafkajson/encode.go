package kafkajson

import (
	"encoding/base64"
	"math"
	"reflect"
	"sort"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/internal/layout"
)

// Records says how a records field is written.
type Records uint8

const (
	// RecordsSize writes "<name>SizeInBytes": N, as the converters do with
	// serializeRecords=false (the broker's request log, KIP-673). It cannot be read
	// back: the converters' read, and kio's, then miss the field.
	RecordsSize Records = iota
	// RecordsBytes writes the records as base64 bytes under the field's name, the form
	// the converters' read takes. (Given serializeRecords=true the converters write an
	// empty byte string instead of the records; kio writes them.)
	RecordsBytes
	// RecordsDecoded writes the record batches decoded through kio/records (see
	// Options.Lossless). Read back, the batches are written again by kio/records:
	// the same batches and records, in bytes that may differ where a producer
	// compressed differently.
	RecordsDecoded
)

// Options choose between Kafka's form and kio's extensions. The zero Options is
// Kafka's form with records as their size, what the broker's request log prints.
type Options struct {
	Records Records
	// UnknownTags writes the tagged fields a struct does not know (its kio.RawTags
	// field) as "_unknownTaggedFields": {"<tag>": "<base64>"}, and reads them back.
	// The converters ignore the member.
	UnknownTags bool
	// Indent, where not empty, writes one member or element per line, indented by
	// this string per level.
	Indent string
}

// Lossless is kio's readable and complete form: unknown tagged fields kept and
// records decoded into batches and records.
var Lossless = Options{Records: RecordsDecoded, UnknownTags: true}

// Marshal returns Kafka's JSON of v (a kafka-tagged struct or a pointer to one) at
// version, records written as their size.
func Marshal(v any, version int16) ([]byte, error) { return Options{}.Append(nil, v, version) }

// Marshal returns the JSON of v at version in the form o chooses.
func (o Options) Marshal(v any, version int16) ([]byte, error) { return o.Append(nil, v, version) }

// Append appends the JSON of v at version to dst.
func (o Options) Append(dst []byte, v any, version int16) ([]byte, error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if !rv.IsValid() || rv.Kind() != reflect.Struct {
		return dst, &Error{Op: "marshal", Type: reflect.TypeOf(v), Version: version, Offset: -1,
			Err: errorf(ErrSchema, "%T is not a struct or a pointer to one", v)}
	}
	lt, err := typeOf(rv.Type())
	if err != nil {
		return dst, &Error{Op: "marshal", Type: rv.Type(), Version: version, Offset: -1, Err: err}
	}
	at, err := lt.MessageAt(version)
	if err != nil {
		return dst, &Error{Op: "marshal", Type: rv.Type(), Version: version, Offset: -1, Err: errorf(ErrVersion, "%v", err)}
	}
	if !rv.CanAddr() {
		// The defaults are compared in place, through the layout's offsets.
		c := reflect.New(rv.Type()).Elem()
		c.Set(rv)
		rv = c
	}
	e := encoder{buf: dst, opts: o, version: version}
	if err := e.object(at, rv); err != nil {
		return dst, finish(err, "marshal", rv.Type(), version)
	}
	return e.buf, nil
}

type encoder struct {
	buf     []byte
	opts    Options
	version int16
	depth   int
}

// newline starts a line at the current depth when indenting.
func (e *encoder) newline() {
	if e.opts.Indent == "" {
		return
	}
	e.buf = append(e.buf, '\n')
	for range e.depth {
		e.buf = append(e.buf, e.opts.Indent...)
	}
}

// member writes the separator before a member or element and, for a member, its name.
func (e *encoder) member(first *bool, name string) {
	if !*first {
		e.buf = append(e.buf, ',')
	}
	*first = false
	e.newline()
	if name != "" {
		e.buf = appendString(e.buf, name)
		e.buf = append(e.buf, ':')
		if e.opts.Indent != "" {
			e.buf = append(e.buf, ' ')
		}
	}
}

func (e *encoder) open(c byte) { e.buf = append(e.buf, c); e.depth++ }

func (e *encoder) close(c byte, empty bool) {
	e.depth--
	if !empty {
		e.newline()
	}
	e.buf = append(e.buf, c)
}

// object writes a struct: the fields present at the version, tagged ones where they
// differ from their default, as the converters' write does. v is addressable.
func (e *encoder) object(at *layout.Version, v reflect.Value) error {
	p := v.Addr().UnsafePointer()
	for _, f := range at.Absent {
		// The converters refuse a non-default value they would drop; kio/serial
		// also lets an empty value pass, so a zero struct encodes at any version.
		if !f.Tag.Ignorable && !f.IsEmpty(unsafe.Add(p, f.Offset)) {
			return atMember(failf(-1, ErrVersion, "a value other than its default, which version %d cannot hold", e.version), f.JSONName)
		}
	}
	e.open('{')
	first := true
	for i := range at.Members {
		m := &at.Members[i]
		f := m.Field
		if m.Tagged && f.IsDefault(unsafe.Add(p, f.Offset)) {
			continue
		}
		fv := v.Field(f.Index)
		if f.Records && e.opts.Records == RecordsSize && !fv.IsNil() {
			e.member(&first, f.JSONName+"SizeInBytes")
			e.buf = strconv.AppendInt(e.buf, int64(fv.Len()), 10)
			continue
		}
		e.member(&first, f.JSONName)
		if err := e.value(&m.ValueAt, fv); err != nil {
			return atMember(err, f.JSONName)
		}
	}
	if e.opts.UnknownTags && at.Type.HasUnknownTags() {
		if raw := *(*kio.RawTags)(unsafe.Add(p, at.Type.UnknownOffset)); len(raw) > 0 {
			e.member(&first, "_unknownTaggedFields")
			e.unknownTags(raw)
		}
	}
	e.close('}', first)
	return nil
}

func (e *encoder) unknownTags(raw kio.RawTags) {
	nums := make([]uint32, 0, len(raw))
	for n := range raw {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	e.open('{')
	first := true
	for _, n := range nums {
		e.member(&first, strconv.FormatUint(uint64(n), 10))
		e.buf = appendBase64(e.buf, raw[n])
	}
	e.close('}', first)
}

// value writes one value of layout l.
func (e *encoder) value(l *layout.ValueAt, v reflect.Value) error {
	nullable := l.Nullable
	switch l.Kind {
	case layout.Bool:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case layout.Int8, layout.Int16, layout.Int32, layout.Int64:
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	case layout.Uint16, layout.Uint32:
		e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
	case layout.Float64:
		e.buf = appendFloat(e.buf, v.Float())
	case layout.UUID:
		var u kio.UUID
		for i := range u {
			u[i] = byte(v.Index(i).Uint())
		}
		e.buf = append(e.buf, '"')
		e.buf = base64.RawURLEncoding.AppendEncode(e.buf, u[:])
		e.buf = append(e.buf, '"')
	case layout.String:
		if l.Ptr {
			if v.IsNil() {
				if !nullable {
					return failf(-1, ErrNull, "nil, which this version cannot write")
				}
				e.buf = append(e.buf, "null"...)
				return nil
			}
			v = v.Elem()
		}
		e.buf = appendString(e.buf, v.String())
	case layout.Bytes:
		if v.IsNil() && (nullable || l.Records) {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if l.Records && e.opts.Records == RecordsDecoded {
			e.records(v.Bytes())
			return nil
		}
		e.buf = appendBase64(e.buf, v.Bytes())
	case layout.Array:
		if v.IsNil() && nullable {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		e.open('[')
		first := true
		for i := range v.Len() {
			e.member(&first, "")
			if err := e.value(l.Elem, v.Index(i)); err != nil {
				return atIndex(err, i)
			}
		}
		e.close(']', first)
	case layout.Struct:
		if l.Ptr {
			if v.IsNil() {
				if !nullable {
					return failf(-1, ErrNull, "nil, which this version cannot write")
				}
				e.buf = append(e.buf, "null"...)
				return nil
			}
			v = v.Elem()
		}
		return e.object(l.Struct, v)
	}
	return nil
}

// appendFloat writes f as Jackson writes a DoubleNode: always with a fraction or an
// exponent, and the non-finite values as strings.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, 64)
	for _, c := range b[start:] {
		if c == '.' || c == 'e' {
			return b
		}
	}
	return append(b, ".0"...)
}

func appendBase64(b []byte, p []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, p)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// needsEscape marks the ASCII bytes a JSON string cannot hold as they are.
var needsEscape = func() (t [utf8.RuneSelf]bool) {
	for i := range 0x20 {
		t[i] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// appendString writes s as a JSON string; bytes that are not UTF-8 become U+FFFD, as
// Java's decoding of the same bytes gives.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !needsEscape[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
