package kafkajson

import (
	"encoding/base64"
	"math"
	"reflect"
	"sort"
	"strconv"
	"sync"
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
func Marshal(v any, version int16) ([]byte, error) { return Options{}.Marshal(v, version) }

// Marshal returns the JSON of v at version in the form o chooses, in a slice of its
// exact size (written into a pooled buffer first).
func (o Options) Marshal(v any, version int16) ([]byte, error) {
	bp := marshalBuffers.Get().(*[]byte)
	b, err := o.Append((*bp)[:0], v, version)
	var out []byte
	if err == nil {
		out = append([]byte(nil), b...)
	}
	if cap(b) <= maxPooledBuffer {
		*bp = b
		marshalBuffers.Put(bp)
	}
	return out, err
}

const maxPooledBuffer = 1 << 20

var marshalBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

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
		return dst, &Error{Op: "marshal", Type: rv.Type(), Version: version, Offset: -1, Err: versionErr(lt, version, err)}
	}
	if !rv.CanAddr() {
		// The walk reads the value in place, through the layout's offsets.
		c := reflect.New(rv.Type()).Elem()
		c.Set(rv)
		rv = c
	}
	e := encoder{buf: dst, opts: o, version: version}
	if err := e.object(at, rv.Addr().UnsafePointer()); err != nil {
		return dst, finish(err, "marshal", rv.Type(), version)
	}
	return e.buf, nil
}

type encoder struct {
	buf     []byte
	opts    Options
	version int16
	depth   int
	// The member names of the struct version written last: array elements repeat it.
	lastAt    *layout.Version
	lastNames [][]byte
}

func (e *encoder) names(at *layout.Version) [][]byte {
	if at != e.lastAt {
		e.lastAt, e.lastNames = at, memberNames(at)
	}
	return e.lastNames
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

// quotedMember is member with the name already quoted and followed by its colon.
func (e *encoder) quotedMember(first *bool, quoted []byte) {
	if !*first {
		e.buf = append(e.buf, ',')
	}
	*first = false
	if e.opts.Indent != "" {
		e.newline()
		e.buf = append(e.buf, quoted...)
		e.buf = append(e.buf, ' ')
		return
	}
	e.buf = append(e.buf, quoted...)
}

var memberNameCache sync.Map // *layout.Version -> [][]byte

// memberNames returns the members' names of a struct at a version as they are
// written: quoted, with the colon.
func memberNames(at *layout.Version) [][]byte {
	if v, ok := memberNameCache.Load(at); ok {
		return v.([][]byte)
	}
	names := make([][]byte, len(at.Members))
	for i := range at.Members {
		names[i] = append(appendString(nil, at.Members[i].Field.JSONName), ':')
	}
	v, _ := memberNameCache.LoadOrStore(at, names)
	return v.([][]byte)
}

func (e *encoder) open(c byte) { e.buf = append(e.buf, c); e.depth++ }

func (e *encoder) close(c byte, empty bool) {
	e.depth--
	if !empty {
		e.newline()
	}
	e.buf = append(e.buf, c)
}

// object writes the struct at p: the fields present at the version, tagged ones
// where they differ from their default, as the converters' write does.
//
// The walk reads fields through the layout's offsets (unsafe.Add) rather than
// reflect.Value: BENCHMARKS.md's "JSON form" section measured the reflect.Value walk
// at about encoding/json's time and this one at a fraction of it. Every pointer
// comes from the value Append was given and the layout of its type.
func (e *encoder) object(at *layout.Version, p unsafe.Pointer) error {
	for _, f := range at.Absent {
		// The converters refuse a non-default value they would drop; kio/serial
		// also lets an empty value pass, so a zero struct encodes at any version.
		if !f.Tag.Ignorable && !f.IsEmpty(unsafe.Add(p, f.Offset)) {
			return atMember(failf(-1, ErrVersion, "a value other than its default, which version %d cannot hold", e.version), f.JSONName)
		}
	}
	e.open('{')
	first := true
	names := e.names(at)
	for i := range at.Members {
		m := &at.Members[i]
		f := m.Field
		fp := unsafe.Add(p, f.Offset)
		if m.Tagged && f.IsDefault(fp) {
			continue
		}
		if f.Records && e.opts.Records == RecordsSize {
			if b := *(*[]byte)(fp); b != nil {
				e.member(&first, f.JSONName+"SizeInBytes")
				e.buf = strconv.AppendInt(e.buf, int64(len(b)), 10)
				continue
			}
		}
		e.quotedMember(&first, names[i])
		if err := e.value(&m.ValueAt, fp); err != nil {
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

// value writes the value of layout l at p.
func (e *encoder) value(l *layout.ValueAt, p unsafe.Pointer) error {
	switch l.Kind {
	case layout.Bool:
		e.buf = strconv.AppendBool(e.buf, *(*bool)(p))
	case layout.Int8:
		e.buf = strconv.AppendInt(e.buf, int64(*(*int8)(p)), 10)
	case layout.Int16:
		e.buf = strconv.AppendInt(e.buf, int64(*(*int16)(p)), 10)
	case layout.Int32:
		e.buf = strconv.AppendInt(e.buf, int64(*(*int32)(p)), 10)
	case layout.Int64:
		e.buf = strconv.AppendInt(e.buf, *(*int64)(p), 10)
	case layout.Uint16:
		e.buf = strconv.AppendUint(e.buf, uint64(*(*uint16)(p)), 10)
	case layout.Uint32:
		e.buf = strconv.AppendUint(e.buf, uint64(*(*uint32)(p)), 10)
	case layout.Float64:
		e.buf = appendFloat(e.buf, *(*float64)(p))
	case layout.UUID:
		u := (*kio.UUID)(p)
		e.buf = append(e.buf, '"')
		e.buf = base64.RawURLEncoding.AppendEncode(e.buf, u[:])
		e.buf = append(e.buf, '"')
	case layout.String:
		if l.Ptr {
			sp := *(**string)(p)
			if sp == nil {
				if !l.Nullable {
					return failf(-1, ErrNull, "nil, which this version cannot write")
				}
				e.buf = append(e.buf, "null"...)
				return nil
			}
			e.buf = appendString(e.buf, *sp)
			return nil
		}
		e.buf = appendString(e.buf, *(*string)(p))
	case layout.Bytes:
		b := *(*[]byte)(p)
		if b == nil && (l.Nullable || l.Records) {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if l.Records && e.opts.Records == RecordsDecoded {
			e.records(b)
			return nil
		}
		e.buf = appendBase64(e.buf, b)
	case layout.Array:
		h := (*sliceHeader)(p)
		if h.data == nil && l.Nullable {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if l.Elem.Kind == layout.Int32 && e.opts.Indent == "" {
			// Replica and ISR lists: the one array of numbers in most messages.
			e.buf = append(e.buf, '[')
			for i, v := range unsafe.Slice((*int32)(h.data), h.len) {
				if i > 0 {
					e.buf = append(e.buf, ',')
				}
				e.buf = strconv.AppendInt(e.buf, int64(v), 10)
			}
			e.buf = append(e.buf, ']')
			return nil
		}
		e.open('[')
		first := true
		size := l.Elem.GoType.Size()
		for i := range h.len {
			e.member(&first, "")
			if err := e.value(l.Elem, unsafe.Add(h.data, uintptr(i)*size)); err != nil {
				return atIndex(err, i)
			}
		}
		e.close(']', first)
	case layout.Struct:
		if l.Ptr {
			sp := *(*unsafe.Pointer)(p)
			if sp == nil {
				if !l.Nullable {
					return failf(-1, ErrNull, "nil, which this version cannot write")
				}
				e.buf = append(e.buf, "null"...)
				return nil
			}
			p = sp
		}
		return e.object(l.Struct, p)
	}
	return nil
}

// sliceHeader is the layout of every Go slice, to walk an array of any element type.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
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
// Java's decoding of the same bytes gives. Eight bytes at a time are checked for
// anything but printable ASCII other than '"' and '\\' (record values and names are
// mostly that), which are copied as they are.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plainASCII8(s[i:i+8]) {
			i += 8
			continue
		}
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

// plainASCII8 reports whether the 8 bytes of s are all printable ASCII other than '"'
// and '\\': no byte below 0x20, none with the high bit, none equal to either.
func plainASCII8(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	zero := func(x uint64) uint64 { return (x - ones) & ^x & highs }
	below := (w - ones*0x20) & ^w & highs
	return (w&highs | below | zero(w^(ones*'"')) | zero(w^(ones*'\\'))) == 0
}
