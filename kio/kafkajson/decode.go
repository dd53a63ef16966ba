package kafkajson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/internal/layout"
)

// Unmarshal reads the JSON of a message at version into v, a pointer to a
// kafka-tagged struct, as the converters' read does (see the package doc). Fields the
// JSON does not hold take their spec defaults. Records are read from base64 bytes or
// from the decoded form RecordsDecoded writes; unknown tagged fields are read where
// "_unknownTaggedFields" holds them.
func Unmarshal(data []byte, v any, version int16) error {
	return Options{UnknownTags: true}.Unmarshal(data, v, version)
}

// Unmarshal is the package's Unmarshal; o.UnknownTags false ignores
// "_unknownTaggedFields", as the converters do.
func (o Options) Unmarshal(data []byte, v any, version int16) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return &Error{Op: "unmarshal", Type: reflect.TypeOf(v), Version: version, Offset: 0,
			Err: errorf(ErrSchema, "%T is not a non-nil pointer to a struct", v)}
	}
	t := rv.Elem().Type()
	lt, err := typeOf(t)
	if err != nil {
		return &Error{Op: "unmarshal", Type: t, Version: version, Offset: 0, Err: err}
	}
	if _, err := lt.MessageAt(version); err != nil {
		return &Error{Op: "unmarshal", Type: t, Version: version, Offset: 0, Err: versionErr(lt, version, err)}
	}
	lt.SetDefaults(rv.UnsafePointer())
	d := decoder{dec: json.NewDecoder(bytes.NewReader(data)), opts: o, version: version}
	d.dec.UseNumber()
	err = d.object(lt, rv.Elem())
	if err == nil {
		off := d.dec.InputOffset()
		if _, terr := d.dec.Token(); terr != io.EOF {
			err = failf(off, ErrSyntax, "data after the message")
		}
	}
	return finish(err, "unmarshal", t, version)
}

type decoder struct {
	dec     *json.Decoder
	opts    Options
	version int16
}

// token reads the next token and the offset where it starts (about: the end of the
// one before).
func (d *decoder) token() (json.Token, int64, error) {
	off := d.dec.InputOffset()
	t, err := d.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return nil, se.Offset, failf(se.Offset, ErrSyntax, "%v", se)
		case err == io.EOF:
			return nil, off, failf(off, ErrSyntax, "unexpected end of input")
		default:
			return nil, off, failf(off, ErrSyntax, "%v", err)
		}
	}
	return t, off, nil
}

// jsonType names a token's JSON type, as Jackson's getNodeType does.
func jsonType(t json.Token) string {
	switch t := t.(type) {
	case json.Delim:
		if t == '{' {
			return "OBJECT"
		}
		return "ARRAY"
	case bool:
		return "BOOLEAN"
	case json.Number:
		return "NUMBER"
	case string:
		return "STRING"
	case nil:
		return "NULL"
	}
	return "unknown"
}

// skip consumes the rest of a value whose first token was t.
func (d *decoder) skip(t json.Token) error {
	if t != json.Delim('{') && t != json.Delim('[') {
		return nil
	}
	for depth := 1; depth > 0; {
		t, _, err := d.token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// object reads a struct whose '{' is next in the input.
func (d *decoder) object(st *layout.Type, v reflect.Value) error {
	t, off, err := d.token()
	if err != nil {
		return err
	}
	if t != json.Delim('{') {
		return failf(off, ErrType, "expected a JSON object, got %s", jsonType(t))
	}
	return d.members(st, v)
}

// members reads an object's members after its '{' and checks that every mandatory
// field came.
func (d *decoder) members(st *layout.Type, v reflect.Value) error {
	var seenSmall uint64
	var seenMore []bool
	if len(st.Fields) > 64 {
		seenMore = make([]bool, len(st.Fields))
	}
	for d.dec.More() {
		kt, _, err := d.token()
		if err != nil {
			return err
		}
		name, _ := kt.(string)
		i, ok := fieldsByName(st)[name]
		if !ok {
			if name == "_unknownTaggedFields" && st.HasUnknownTags() && d.opts.UnknownTags {
				raw, err := d.unknownTags()
				if err != nil {
					return atMember(err, name)
				}
				v.Field(st.UnknownTags).Set(reflect.ValueOf(raw))
				continue
			}
			t, _, err := d.token()
			if err != nil {
				return err
			}
			if err := d.skip(t); err != nil {
				return err
			}
			continue
		}
		f := &st.Fields[i]
		if err := d.value(&f.Value, v.Field(f.Index), f.Tag.Nullable.Contains(d.version)); err != nil {
			return atMember(err, f.JSONName)
		}
		if seenMore != nil {
			seenMore[i] = true
		} else {
			seenSmall |= 1 << i
		}
	}
	endOff := d.dec.InputOffset()
	if _, _, err := d.token(); err != nil { // the '}'
		return err
	}
	for i := range st.Fields {
		f := &st.Fields[i]
		seen := seenSmall&(1<<i) != 0
		if seenMore != nil {
			seen = seenMore[i]
		}
		mandatory := f.Tag.Versions.Contains(d.version) && !f.IsTaggedAt(d.version)
		if mandatory && !seen {
			return atMember(failf(endOff, ErrMissing, "unable to locate field '%s', which is mandatory in version %d", f.JSONName, d.version), f.JSONName)
		}
	}
	return nil
}

func (d *decoder) unknownTags() (kio.RawTags, error) {
	t, off, err := d.token()
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, nil
	}
	if t != json.Delim('{') {
		return nil, failf(off, ErrType, "expected a JSON object, got %s", jsonType(t))
	}
	raw := kio.RawTags{}
	for d.dec.More() {
		kt, off, err := d.token()
		if err != nil {
			return nil, err
		}
		name, _ := kt.(string)
		n, perr := strconv.ParseUint(name, 10, 32)
		if perr != nil {
			return nil, failf(off, ErrRange, "tag number %q", name)
		}
		vt, voff, err := d.token()
		if err != nil {
			return nil, err
		}
		s, ok := vt.(string)
		if !ok {
			return nil, atMember(failf(voff, ErrType, "expected Base64-encoded binary data, got %s", jsonType(vt)), name)
		}
		b, berr := decodeBase64(s)
		if berr != nil {
			return nil, atMember(failf(voff, ErrRange, "%v", berr), name)
		}
		raw[uint32(n)] = b
	}
	if _, _, err := d.token(); err != nil {
		return nil, err
	}
	return raw, nil
}

var intBits = [...]int{layout.Int8: 8, layout.Int16: 16, layout.Int32: 32, layout.Int64: 64, layout.Uint16: 16, layout.Uint32: 32}

// value reads one value of layout l into v.
func (d *decoder) value(l *layout.Value, v reflect.Value, nullable bool) error {
	t, off, err := d.token()
	if err != nil {
		return err
	}
	if t == nil {
		switch {
		case l.Kind <= layout.UUID:
			// numbers, booleans and UUIDs are never null
		case nullable && (l.Ptr || l.Kind == layout.Bytes || l.Kind == layout.Array):
			v.SetZero()
			return nil
		default:
			return failf(off, ErrNull, "null, which is not allowed at version %d", d.version)
		}
	}
	switch l.Kind {
	case layout.Bool:
		b, ok := t.(bool)
		if !ok {
			return d.typeErr(t, off, "expected Boolean type")
		}
		v.SetBool(b)
	case layout.Int8, layout.Int16, layout.Int32, layout.Int64, layout.Uint16, layout.Uint32:
		n, ok := t.(json.Number)
		if !ok {
			return d.typeErr(t, off, "expected an integer")
		}
		if strings.ContainsAny(string(n), ".eE") {
			return failf(off, ErrType, "expected an integer, got %s", n)
		}
		bits := intBits[l.Kind]
		if l.Kind == layout.Uint16 || l.Kind == layout.Uint32 {
			u, perr := strconv.ParseUint(string(n), 10, bits)
			if perr != nil {
				return failf(off, ErrRange, "%s does not fit in a %d-bit unsigned integer", n, bits)
			}
			v.SetUint(u)
			return nil
		}
		i, perr := strconv.ParseInt(string(n), 10, bits)
		if perr != nil {
			return failf(off, ErrRange, "%s does not fit in a %d-bit signed integer", n, bits)
		}
		v.SetInt(i)
	case layout.Float64:
		switch t := t.(type) {
		case json.Number:
			if !strings.ContainsAny(string(t), ".eE") {
				return failf(off, ErrType, "expected a floating point type, but got an integer (%s)", t)
			}
			f, perr := strconv.ParseFloat(string(t), 64)
			if perr != nil {
				return failf(off, ErrRange, "%s: %v", t, perr)
			}
			v.SetFloat(f)
		case string:
			// Jackson's names of the non-finite doubles, as kio writes them.
			switch t {
			case "NaN":
				v.SetFloat(math.NaN())
			case "Infinity":
				v.SetFloat(math.Inf(1))
			case "-Infinity":
				v.SetFloat(math.Inf(-1))
			default:
				return failf(off, ErrType, "expected a floating point type, but got STRING")
			}
		default:
			return d.typeErr(t, off, "expected a floating point type")
		}
	case layout.UUID:
		u, err := parseString(d, t, off, "expected a JSON string type", parseUUID)
		if err != nil {
			return err
		}
		for i := range u {
			v.Index(i).SetUint(uint64(u[i]))
		}
	case layout.String:
		s, ok := t.(string)
		if !ok {
			return d.typeErr(t, off, "expected a string type")
		}
		if l.Ptr {
			p := reflect.New(l.GoType.Elem())
			p.Elem().SetString(s)
			v.Set(p)
		} else {
			v.SetString(s)
		}
	case layout.Bytes:
		if t, ok := t.(json.Delim); ok && l.Records { // decoded records, not base64
			if t != '{' {
				return failf(off, ErrType, "expected Base64-encoded binary data or decoded records, got ARRAY")
			}
			b, err := d.records(off)
			if err != nil {
				return err
			}
			v.SetBytes(b)
			return nil
		}
		b, err := parseString(d, t, off, "expected Base64-encoded binary data", decodeBase64)
		if err != nil {
			return err
		}
		v.SetBytes(b)
	case layout.Array:
		if err := d.opens(t, off, '[', "a JSON array"); err != nil {
			return err
		}
		s := reflect.MakeSlice(l.GoType, 0, 0)
		for i := 0; d.dec.More(); i++ {
			ev := reflect.New(l.GoType.Elem()).Elem()
			if l.Elem.Kind == layout.Struct {
				l.Elem.Struct.SetDefaults(ev.Addr().UnsafePointer())
			}
			if err := d.value(l.Elem, ev, false); err != nil {
				return atIndex(err, i)
			}
			s = reflect.Append(s, ev)
		}
		if _, _, err := d.token(); err != nil {
			return err
		}
		v.Set(s)
	case layout.Struct:
		if err := d.opens(t, off, '{', "a JSON object"); err != nil {
			return err
		}
		target := v
		if l.Ptr {
			p := reflect.New(l.GoType.Elem())
			v.Set(p)
			target = p.Elem()
		}
		// A repeated member starts again from the defaults, as the converters build a
		// new object for it.
		l.Struct.SetDefaults(target.Addr().UnsafePointer())
		return d.members(l.Struct, target)
	}
	return nil
}

// typeErr reports a value of the wrong JSON type, consuming the rest of it.
func (d *decoder) typeErr(t json.Token, off int64, what string) error {
	if err := d.skip(t); err != nil {
		return err
	}
	return failf(off, ErrType, "%s, but got %s", what, jsonType(t))
}

// decodeBase64 reads base64 as Jackson's default variant writes it (standard
// alphabet, padded), also without padding.
// opens checks that t opens the JSON array or object (delim) a value needs; a value of
// another type is skipped and a type error (expected says what was).
func (d *decoder) opens(t json.Token, off int64, delim json.Delim, expected string) error {
	if t == delim {
		return nil
	}
	if err := d.skip(t); err != nil {
		return err
	}
	return failf(off, ErrType, "expected %s, but got %s", expected, jsonType(t))
}

// parseString parses the JSON string t with parse; a value of another type is a type
// error (expect says what was expected), one parse refuses out of range.
func parseString[T any](d *decoder, t json.Token, off int64, expect string, parse func(string) (T, error)) (T, error) {
	s, ok := t.(string)
	if !ok {
		var zero T
		return zero, d.typeErr(t, off, expect)
	}
	x, err := parse(s)
	if err != nil {
		return x, failf(off, ErrRange, "%v", err)
	}
	return x, nil
}

func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("invalid Base64-encoded binary data")
	}
	return b, nil
}

// parseUUID reads a UUID as Kafka's Uuid.fromString does: URL-safe base64 of 16
// bytes, padded or not.
func parseUUID(s string) (kio.UUID, error) {
	var u kio.UUID
	if len(s) > 24 {
		return u, errors.New("UUID string " + strconv.Quote(s) + " is too long to be decoded as a base64 UUID")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) != 16 {
		return u, errors.New("UUID string " + strconv.Quote(s) + " is not 16 bytes of base64")
	}
	copy(u[:], b)
	return u, nil
}
