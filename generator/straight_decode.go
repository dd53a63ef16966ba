package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Straight-line decoders: for every request and response at every version whose
// fields (nested structs included) are of kinds it knows (numbers, bools, UUIDs,
// strings, bytes and records, arrays of those and of structs, struct values, nullable
// structs, known tagged fields), a function that reads the fields one after the other
// through kio/internal/wire, registered with kio/internal/straight for kio/serial,
// which tries it before its plan interpreter (behind its optimize switch). Nested
// structs get a function of their own per version, shared by the versions that read
// them alike. Decoding follows serial's rules exactly (defaults of absent and tagged
// fields, what null leaves, aliased bytes) and its memory rules through
// kio/internal/arena (strings copied through the intern table, *string cells and int32
// lists carved from bounded chunks, a slice of structs allocated once after checking
// that the input can hold its elements, a one-element array holding a one-element
// array allocated with it); anything else, short or malformed input, an unknown or
// repeated tagged field, a null where the field is not nullable, makes it decline, and
// serial decodes with the interpreter, whose errors stay its own.

// decGen writes the decoders of one schema package.
type decGen struct {
	g     *goFile
	pkg   string            // the schema package's name
	funcs map[string]string // a function's text under the name placeholder @ -> its name
	out   bytes.Buffer      // the functions written so far
	peeks map[string]string // peek functions by text
	added []string          // texts added to funcs and peeks, in order, for undo
	depth int
}

func newDecGen(g *goFile, pkg string) *decGen {
	return &decGen{g: g, pkg: pkg, funcs: map[string]string{}, peeks: map[string]string{}}
}

// prefix names the package in function names: struct names repeat across packages.
func (d *decGen) prefix() string { return strings.ToUpper(d.pkg[:1]) + d.pkg[1:] }

// decMaxDepth bounds struct nesting, against a recursive spec.
const decMaxDepth = 16

// structType is the Go type of a struct field's element, qualified.
func (d *decGen) elemType(f *field) string {
	if f.Struct != nil {
		return d.pkg + "." + f.Struct.GoName
	}
	return d.g.goElemType(f)
}

// taggedAt reports whether f is a known tagged field at v (it is present there).
func taggedAt(f *field, v int16) bool { return f.Tag >= 0 && f.Tagged.Contains(v) }

// compactAt reports whether f's lengths are compact at v in a struct of the given
// flexibility.
func compactAt(f *field, v int16, flexible bool) bool {
	return flexible && (!f.HasFlexible || f.Flexible.Contains(v))
}

// decFixed are the fixed-width kinds: the wire reader, the Go type it returns and the
// width.
var decFixed = map[string]struct {
	read, typ string
	width     int
}{
	"bool":    {"wire.Bool", "bool", 1},
	"int8":    {"wire.Int8", "int8", 1},
	"int16":   {"wire.Int16", "int16", 2},
	"uint16":  {"wire.Int16", "int16", 2},
	"int32":   {"wire.Int32", "int32", 4},
	"uint32":  {"wire.Int32", "int32", 4},
	"int64":   {"wire.Int64", "int64", 8},
	"float64": {"wire.Float64", "float64", 8},
	"uuid":    {"", "", 16},
}

// fixedRead is the expression reading the fixed-width element of f at c[at:].
func (d *decGen) fixedRead(f *field, c, at string) string {
	k := decFixed[f.Elem]
	t := d.elemType(f)
	if f.Elem == "uuid" {
		return fmt.Sprintf("%s(%s[%s : %s+16])", t, c, at, at)
	}
	e := fmt.Sprintf("%s(%s[%s:])", k.read, c, at)
	if t != k.typ {
		e = t + "(" + e + ")"
	}
	return e
}

// minSize is the fewest bytes the struct's fields take at v.
func (d *decGen) minSize(fields []*field, v int16, flexible bool) int {
	n := 0
	if flexible {
		n = 1
	}
	for _, f := range fields {
		if !f.Versions.Contains(v) || taggedAt(f, v) {
			continue
		}
		n += d.valueMin(f, v, flexible, f.Array)
	}
	return n
}

// valueMin is the fewest bytes a value of f takes (the whole array, or one element).
func (d *decGen) valueMin(f *field, v int16, flexible, array bool) int {
	compact := compactAt(f, v, flexible)
	switch {
	case array || f.Elem == "bytes" || f.Elem == "records":
		if compact {
			return 1
		}
		return 4
	case f.Elem == "string":
		if compact {
			return 1
		}
		return 2
	case f.Struct != nil:
		if f.HasNullable {
			return 1
		}
		if d.depth > decMaxDepth {
			return 1
		}
		d.depth++
		defer func() { d.depth-- }()
		return d.minSize(f.Struct.Fields, v, flexible)
	}
	return decFixed[f.Elem].width
}

// defaults returns the statements giving x (field f, absent or tagged at the version)
// its default, as serial's SetDefault does, on zeroed memory: nothing where the default
// is Go's zero value. It reports false for a default it cannot write.
func (d *decGen) defaults(f *field, x string) ([]string, bool) {
	null := f.HasDefault && f.Default == "null"
	switch {
	case f.Array:
		if null {
			return nil, true
		}
		return []string{fmt.Sprintf("%s = []%s{}", x, d.elemType(f))}, true
	case f.Struct != nil:
		if f.HasNullable {
			return nil, null || !f.HasDefault // a non-null default would allocate
		}
		if d.depth > decMaxDepth {
			return nil, false
		}
		d.depth++
		defer func() { d.depth-- }()
		var out []string
		for _, sf := range f.Struct.Fields {
			s, ok := d.defaults(sf, x+"."+sf.GoName)
			if !ok {
				return nil, false
			}
			out = append(out, s...)
		}
		return out, true
	}
	switch f.Elem {
	case "bytes":
		if null {
			return nil, true
		}
		return []string{x + " = []byte{}"}, true
	case "records":
		return nil, !f.HasDefault || null
	case "string":
		if f.HasNullable {
			if null {
				return nil, true
			}
			t := d.elemType(f)
			cell := fmt.Sprintf("a.StringPtr(%s, len(b)-off+1)", strconv.Quote(f.Default))
			if t != "string" {
				cell = fmt.Sprintf("(*%s)(%s)", t, cell)
			}
			return []string{x + " = " + cell}, true
		}
		if !f.HasDefault || f.Default == "" {
			return nil, true
		}
		return []string{x + " = " + strconv.Quote(f.Default)}, true
	case "uuid":
		return nil, !f.HasDefault || f.Default == ""
	case "bool":
		switch {
		case !f.HasDefault || f.Default == "false":
			return nil, true
		case f.Default == "true":
			return []string{x + " = true"}, true
		}
		return nil, false
	case "float64":
		if !f.HasDefault {
			return nil, true
		}
		fv, err := strconv.ParseFloat(f.Default, 64)
		if err != nil {
			return nil, false
		}
		if fv == 0 {
			return nil, true
		}
		return []string{x + " = " + strconv.FormatFloat(fv, 'g', -1, 64)}, true
	}
	if _, ok := decFixed[f.Elem]; !ok {
		return nil, false
	}
	if !f.HasDefault || f.Default == "" {
		return nil, true
	}
	var lit string
	if strings.HasPrefix(f.Elem, "uint") {
		u, err := strconv.ParseUint(f.Default, 0, 64)
		if err != nil {
			return nil, false
		}
		lit = strconv.FormatUint(u, 10)
	} else {
		n, err := strconv.ParseInt(f.Default, 0, 64)
		if err != nil {
			return nil, false
		}
		lit = strconv.FormatInt(n, 10)
	}
	if lit == "0" {
		return nil, true
	}
	return []string{x + " = " + lit}, true
}

// length returns the statements reading a length or count of f at off into n and the
// offset after it into next, declining when the input does not hold one.
func lengthStmts(compact, str bool) []string {
	switch {
	case compact:
		return []string{
			"if off >= len(b) {\nreturn -1\n}",
			"n, short := wire.ShortCompactLength(b[off])",
			"next := off + 1",
			"if !short {\nif n, next = wire.CompactLengthAt(b, off); next < 0 {\nreturn -1\n}\n}",
		}
	case str:
		return []string{"n, next := wire.StringLengthAt(b, off)", "if next < 0 {\nreturn -1\n}"}
	}
	return []string{"n, next := wire.ArrayLengthAt(b, off)", "if next < 0 {\nreturn -1\n}"}
}

// nullStmt is what a null length does: nothing (the field keeps what it holds, as in
// serial) where nullable, else decline.
func nullStmt(nullable bool) string {
	if nullable {
		return "off = next"
	}
	return "return -1"
}

// value returns the statements decoding one present value of f (the whole array when
// array) into x. spare names the *[1]E whose element a one-element array takes, or "".
func (d *decGen) value(f *field, x string, v int16, flexible, nullable, array bool, spare string) ([]string, bool) {
	return d.valueOf(f, x, v, flexible, nullable, array, false, spare)
}

// valueOf is value, or for an array element (elem) the element's.
func (d *decGen) valueOf(f *field, x string, v int16, flexible, nullable, array, elem bool, spare string) ([]string, bool) {
	compact := compactAt(f, v, flexible)
	if array {
		return d.array(f, x, v, flexible, compact, nullable, spare)
	}
	if k, ok := decFixed[f.Elem]; ok && f.Struct == nil {
		return []string{
			fmt.Sprintf("if len(b)-off < %d {\nreturn -1\n}", k.width),
			fmt.Sprintf("%s = %s", x, d.fixedRead(f, "b", "off")),
			fmt.Sprintf("off += %d", k.width),
		}, true
	}
	switch {
	case f.Struct != nil && !elem:
		name, ok := d.structFunc(f.Struct, v, flexible, nil)
		if !ok {
			return nil, false
		}
		if !f.HasNullable {
			return []string{fmt.Sprintf("if off = %s(b, off, a, &%s); off < 0 {\nreturn -1\n}", name, x)}, true
		}
		alloc := fmt.Sprintf("sp := new(%s)\n%s = sp\nif off = %s(b, off, a, sp); off < 0 {\nreturn -1\n}", d.elemType(f), x, name)
		if !nullable {
			return []string{alloc}, true
		}
		return []string{
			"if off >= len(b) {\nreturn -1\n}",
			"if wire.Int8(b[off:]) < 0 {\noff++\n} else {\noff++\n" + alloc + "\n}",
		}, true
	case f.Elem == "string":
		s := lengthStmts(compact, true)
		check := "n > len(b)-next"
		if compact {
			check += " || n > wire.MaxStringLength"
		}
		val := "a.String(b[next : next+n])"
		t := d.elemType(f)
		if f.HasNullable && !elem {
			val = fmt.Sprintf("a.StringPtr(%s, len(b)-next-n+1)", strings.Replace(val, "a.String", "arena.String", 1))
			if t != "string" {
				val = fmt.Sprintf("(*%s)(%s)", t, val)
			}
		} else {
			val = strings.Replace(val, "a.String", "arena.String", 1)
			if t != "string" {
				val = t + "(" + val + ")"
			}
		}
		s = append(s, fmt.Sprintf("if n < 0 {\n%s\n} else {\nif %s {\nreturn -1\n}\n%s = %s\noff = next + n\n}", nullStmt(nullable), check, x, val))
		return s, true
	case f.Elem == "bytes" || f.Elem == "records":
		s := lengthStmts(compact, false)
		s = append(s, fmt.Sprintf("if n < 0 {\n%s\n} else {\nif n > len(b)-next {\nreturn -1\n}\n%s = b[next : next+n : next+n]\noff = next + n\n}", nullStmt(nullable), x))
		return s, true
	}
	return nil, false
}

// array returns the statements decoding the array field f into x.
func (d *decGen) array(f *field, x string, v int16, flexible, compact, nullable bool, spare string) ([]string, bool) {
	elem := d.elemType(f)
	// An element's fewest bytes: f's nullability is the array's, not the element's.
	minElem := d.valueMin(f, v, flexible, false)
	if f.Struct != nil {
		d.depth++
		minElem = d.minSize(f.Struct.Fields, v, flexible)
		d.depth--
	}
	minElem = max(minElem, 1)
	s := lengthStmts(compact, false)
	var fill []string
	k, fixed := decFixed[f.Elem]
	switch {
	case fixed && f.Struct == nil && f.Elem == "int32":
		// int32 lists: carved from the arena's int32 chunks, bounded by the input.
		fill = append(fill,
			"vs := a.Int32s(n, (len(b)-off)/4)",
			"c := b[off : off+4*n]",
			"i := 0",
			"for ; i+1 < len(vs); i += 2 { // two values a step: replica lists are short\nd := c[4*i : 4*i+8]\nvs[i], vs[i+1] = wire.Int32(d), wire.Int32(d[4:])\n}",
			"if i < len(vs) {\nvs[i] = wire.Int32(c[4*i:])\n}",
			"off += 4 * n",
		)
		if elem == "int32" {
			fill = append(fill, x+" = vs")
		} else {
			d.g.imports["unsafe"] = true
			fill = append(fill, fmt.Sprintf("*(*[]int32)(unsafe.Pointer(&%s)) = vs // %s is an int32", x, elem))
		}
	case fixed && f.Struct == nil:
		fill = append(fill,
			fmt.Sprintf("s := make([]%s, n)", elem),
			fmt.Sprintf("c := b[off : off+%d*n]", k.width),
			fmt.Sprintf("for i := range s {\ns[i] = %s\n}", d.fixedRead(f, "c", fmt.Sprintf("%d*i", k.width))),
			fmt.Sprintf("off += %d * n", k.width),
			x+" = s",
		)
	case f.Struct != nil:
		name, ok := d.structFunc(f.Struct, v, flexible, nil)
		if !ok {
			return nil, false
		}
		loop := fmt.Sprintf("s = make([]%s, n)\nfor i := range s {\nif off = %s(b, off, a, &s[i]); off < 0 {\nreturn -1\n}\n}", elem, name)
		fill = append(fill, "var s []"+elem)
		switch {
		case spare != "":
			// The element of this one-element array was allocated with the outer one.
			fill = append(fill, fmt.Sprintf("if n == 1 {\ns = %s[:]\nif off = %s(b, off, a, &s[0]); off < 0 {\nreturn -1\n}\n} else {\n%s\n}", spare, name, loop))
		default:
			peek, inner, ok := d.pairOf(f.Struct, v, flexible)
			if !ok {
				fill = append(fill, loop)
				break
			}
			pairName, ok := d.structFunc(f.Struct, v, flexible, inner)
			if !ok {
				return nil, false
			}
			fill = append(fill, fmt.Sprintf("if n == 1 && %s(b, off) {\n"+
				"// A one-element array whose element holds a one-element array: one allocation.\n"+
				"pr := new(struct {\nt [1]%s\ni [1]%s\n})\n"+
				"s = pr.t[:]\nif off = %s(b, off, a, &s[0], &pr.i); off < 0 {\nreturn -1\n}\n} else {\n%s\n}",
				peek, elem, d.elemType(inner), pairName, loop))
		}
		fill = append(fill, x+" = s")
	case f.Elem == "string":
		one, ok := d.valueOf(f, "s[i]", v, flexible, false, false, true, "")
		if !ok {
			return nil, false
		}
		fill = append(fill,
			fmt.Sprintf("s := make([]%s, n)", elem),
			"for i := range s {\n"+strings.Join(one, "\n")+"\n}",
			x+" = s",
		)
	default:
		return nil, false
	}
	s = append(s, fmt.Sprintf("if n < 0 {\n%s\n} else {\noff = next\n"+
		"// Each element takes at least %d bytes: refuse a count the input cannot hold before allocating.\n"+
		"if n > wire.MaxArrayLength+1 || n*%d > len(b)-off {\nreturn -1\n}\n"+
		"if n == 0 {\n%s = []%s{}\n} else {\n%s\n}\n}",
		nullStmt(nullable), minElem, minElem, x, elem, strings.Join(fill, "\n")))
	return s, true
}

// pairOf returns, for element struct st at v, a function reporting whether the
// element at off holds a one-element inner array (the fields before it fixed-width
// numbers or non-nullable strings, as serial's pair_alloc.go), and that array's field.
func (d *decGen) pairOf(st *structDef, v int16, flexible bool) (string, *field, bool) {
	var steps []string
	for _, f := range st.Fields {
		if !f.Versions.Contains(v) || taggedAt(f, v) {
			continue
		}
		compact := compactAt(f, v, flexible)
		if k, ok := decFixed[f.Elem]; ok && !f.Array && f.Struct == nil {
			steps = append(steps, fmt.Sprintf("off += %d", k.width))
			continue
		}
		if f.Elem == "string" && !f.Array && !f.HasNullable && !f.Nullable.Contains(v) {
			if compact {
				steps = append(steps, "if off >= len(b) {\nreturn false\n}\nn, short := wire.ShortCompactLength(b[off])\nif !short || n < 0 {\nreturn false\n}\noff += 1 + n")
			} else {
				steps = append(steps, "if len(b)-off < 2 {\nreturn false\n}\nn := int(wire.Int16(b[off:]))\nif n < 0 {\nreturn false\n}\noff += 2 + n")
			}
			continue
		}
		if !f.Array || f.Struct == nil {
			return "", nil, false
		}
		last := "return off+4 <= len(b) && wire.Int32(b[off:]) == 1"
		if compact {
			last = "return off < len(b) && b[off] == wire.ShortCompactLengthByte(1)"
		}
		var body strings.Builder
		for _, s := range steps {
			body.WriteString("{\n" + s + "\n}\n")
		}
		body.WriteString(last + "\n")
		text := body.String()
		name, ok := d.peeks[text]
		if !ok {
			name = fmt.Sprintf("peek%s%sV%d", d.prefix(), st.GoName, v)
			d.peeks[text] = name
			d.added = append(d.added, text)
			fmt.Fprintf(&d.out, "// %s reports whether the %s at off holds a one-element %s.\nfunc %s(b []byte, off int) bool {\n%s}\n\n", name, st.GoName, f.GoName, name, text)
		}
		return name, f, true
	}
	return "", nil, false
}

// body returns the statements decoding the fields of a struct at v into m, or false.
// spare is the array field whose one element the function's spare parameter holds.
func (d *decGen) body(fields []*field, v int16, flexible bool, spare *field) ([]string, bool) {
	var out []string
	var tagged []*field
	for _, f := range fields {
		x := "m." + f.GoName
		if !f.Versions.Contains(v) || taggedAt(f, v) {
			s, ok := d.defaults(f, x)
			if !ok {
				return nil, false
			}
			out = append(out, s...)
			if f.Versions.Contains(v) {
				tagged = append(tagged, f)
			}
		}
	}
	var run []*field // consecutive fixed-width fields, read after one bounds check
	flush := func() {
		if len(run) == 0 {
			return
		}
		width := 0
		var reads []string
		for _, f := range run {
			reads = append(reads, fmt.Sprintf("m.%s = %s", f.GoName, d.fixedRead(f, "c", strconv.Itoa(width))))
			width += decFixed[f.Elem].width
		}
		out = append(out, fmt.Sprintf("{\nif len(b)-off < %d {\nreturn -1\n}\nc := b[off : off+%d]\n%s\noff += %d\n}", width, width, strings.Join(reads, "\n"), width))
		run = nil
	}
	for _, f := range fields {
		if !f.Versions.Contains(v) || taggedAt(f, v) {
			continue
		}
		if _, ok := decFixed[f.Elem]; ok && !f.Array && f.Struct == nil {
			run = append(run, f)
			continue
		}
		flush()
		sp := ""
		if f == spare {
			sp = "spare"
		}
		s, ok := d.value(f, "m."+f.GoName, v, flexible, f.Nullable.Contains(v), f.Array, sp)
		if !ok {
			return nil, false
		}
		out = append(out, "{\n"+strings.Join(s, "\n")+"\n}")
	}
	flush()
	if !flexible {
		return out, true
	}
	out = append(out, "if off >= len(b) {\nreturn -1\n}")
	if len(tagged) == 0 {
		// No known tagged field: an unknown one is kept by serial's interpreter.
		return append(out, "if b[off] != wire.EmptyTaggedFields {\nreturn -1\n}\noff++"), true
	}
	if len(tagged) > 64 {
		return nil, false
	}
	var cases strings.Builder
	for i, f := range tagged {
		s, ok := d.value(f, "m."+f.GoName, v, flexible, f.Nullable.Contains(v), f.Array, "")
		if !ok {
			return nil, false
		}
		fmt.Fprintf(&cases, "case %d:\nif seen&(1<<%d) != 0 {\nreturn -1\n}\nseen |= 1 << %d\nb := b[:end]\n%s\nif off != end {\nreturn -1\n}\n", f.Tag, i, i, strings.Join(s, "\n"))
	}
	out = append(out, "if b[off] == wire.EmptyTaggedFields {\noff++\n} else {\n"+
		"count, next := wire.UvarintAt(b, off)\nif next < 0 {\nreturn -1\n}\noff = next\n"+
		"var seen uint64 // known tags read: a repeated one is left to the interpreter\n"+
		"for ; count > 0; count-- {\ntag, next := wire.UvarintAt(b, off)\nif next < 0 {\nreturn -1\n}\n"+
		"size, next := wire.UvarintAt(b, next)\nif next < 0 || int(size) > len(b)-next {\nreturn -1\n}\n"+
		"off = next\nend := next + int(size)\nswitch tag {\n"+cases.String()+
		"default: // unknown: kept by the interpreter\nreturn -1\n}\n}\n}")
	return out, true
}

// structFunc returns the name of the function decoding the struct st at v (with a
// spare inner element for the array field spare when not nil), writing it the first
// time its text is new.
func (d *decGen) structFunc(st *structDef, v int16, flexible bool, spare *field) (string, bool) {
	if d.depth > decMaxDepth {
		return "", false
	}
	d.depth++
	defer func() { d.depth-- }()
	body, ok := d.body(st.Fields, v, flexible, spare)
	if !ok {
		return "", false
	}
	typ := d.pkg + "." + st.GoName
	params := fmt.Sprintf("b []byte, off int, a *arena.Arenas, m *%s", typ)
	suffix := ""
	if spare != nil {
		params += fmt.Sprintf(", spare *[1]%s", d.elemType(spare))
		suffix = "Pair"
	}
	text := fmt.Sprintf("func @(%s) int {\n%s\nreturn off\n}\n", params, strings.Join(body, "\n"))
	if name, ok := d.funcs[text]; ok {
		return name, true
	}
	name := fmt.Sprintf("dec%s%sV%d%s", d.prefix(), st.GoName, v, suffix)
	d.funcs[text] = name
	d.added = append(d.added, text)
	fmt.Fprintf(&d.out, "// %s decodes a %s at version %d.\n%s\n", name, st.GoName, v, strings.ReplaceAll(text, "@", name))
	return name, true
}

// message returns the name of the registered decoder of m at v, or false.
func (d *decGen) message(m *message, v int16) (string, bool) {
	d.depth = 0
	flexible := m.Flexible.Contains(v)
	// A message it cannot decode leaves no function behind (nothing would call it).
	mark, added := d.out.Len(), len(d.added)
	body, ok := d.body(m.Fields, v, flexible, nil)
	if !ok {
		d.out.Truncate(mark)
		for _, text := range d.added[added:] {
			delete(d.funcs, text)
			delete(d.peeks, text)
		}
		d.added = d.added[:added]
		return "", false
	}
	typ := d.pkg + "." + m.Name
	head := ""
	joined := strings.Join(body, "\n")
	if strings.Contains(joined, "m.") {
		head = fmt.Sprintf("m := (*%s)(p)\n", typ)
	}
	text := fmt.Sprintf("func @(b []byte, a *arena.Arenas, p unsafe.Pointer) int {\n%soff := 0\n%s\nreturn off\n}\n", head, joined)
	if name, ok := d.funcs[text]; ok {
		return name, true
	}
	name := fmt.Sprintf("decode%sV%d", m.Name, v)
	d.funcs[text] = name
	fmt.Fprintf(&d.out, "// %s decodes a %s at version %d.\n%s\n", name, m.Name, v, strings.ReplaceAll(text, "@", name))
	return name, true
}
