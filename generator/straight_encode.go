package main

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Straight-line encoders of nested messages: for a request or response version that is
// not flat (straightAt) but whose fields, nested structs included, are of kinds it
// knows (the flat kinds, arrays of numbers, UUIDs, strings and structs, struct values,
// nullable structs, known tagged fields), a size function and an append function per struct and version,
// shared by the versions that encode alike, as the decoders are. They decline (ok
// false) in both functions whatever the interpreter treats specially, at any depth:
// kept unknown tagged fields, a value in a field absent at the version, a null struct
// where it is not nullable, a string, bytes or array too long for the wire. Known
// tagged fields are written in ascending tag order when they differ from their default
// (layout's Field.IsDefault rule, inline), each with its exact size.

// encGen writes the nested encoders of one schema package.
type encGen struct {
	pkg     string
	funcs   map[string]string // a struct's functions' text under the name placeholder @ -> name
	out     bytes.Buffer      // the functions written so far
	added   []string          // texts added to funcs, in order, for undo
	depth   int
	usesKio bool
}

func newEncGen(pkg string) *encGen {
	return &encGen{pkg: pkg, funcs: map[string]string{}}
}

// elemWidths are the fixed-width kinds' wire writers, Go types and width constants,
// UUIDs included (written from their address).
func elemFixed(f *field) ([3]string, bool) {
	if f.Elem == "uuid" {
		return [3]string{"", "", "wire.UUIDSize"}, true
	}
	k, ok := fixedKinds[f.Elem]
	if ok {
		k[2] = "wire." + k[2]
	}
	return k, ok
}

// fields returns the code of a struct's fields at v into c, or false.
func (e *encGen) fields(c *straightCode, fields []*field, v int16, flexible bool) bool {
	var tagged []*field
	for _, f := range fields {
		x := "m." + f.GoName
		if !f.Versions.Contains(v) {
			if f.Ignorable {
				continue
			}
			empty, ok := c.emptyCheck(f, x)
			if !ok {
				return false
			}
			if empty != "" {
				c.checks = append(c.checks, empty)
			}
			continue
		}
		if taggedAt(f, v) {
			tagged = append(tagged, f)
			continue
		}
		if !e.value(c, f, x, v, flexible) {
			return false
		}
	}
	if flexible {
		c.checks = append(c.checks, "len(m.UnknownTags) == 0")
		if len(tagged) == 0 {
			c.fixed = append(c.fixed, "wire.EmptyTaggedFieldsSize")
			c.appends = append(c.appends, "b = append(b, wire.EmptyTaggedFields)")
		} else if !e.taggedSection(c, tagged, v, flexible) {
			return false
		}
	}
	if c.usesKio {
		e.usesKio = true
	}
	return true
}

// value adds the code of the present field x.
func (e *encGen) value(c *straightCode, f *field, x string, v int16, flexible bool) bool {
	compact := compactAt(f, v, flexible)
	nullable := f.Nullable.Contains(v)
	switch {
	case f.Array:
		return e.array(c, f, x, v, flexible, compact, nullable)
	case f.Struct != nil:
		return e.structField(c, f, x, v, flexible, nullable)
	}
	return c.field(f, x, compact, nullable)
}

// taggedSection adds the tagged-field section of a struct whose known tagged fields at
// v are tagged (it keeps no unknown ones: checked): the count of those that differ
// from their default, then each of them in ascending tag order, its tag, its size and
// its value, as the interpreter writes them (encodeTagged).
func (e *encGen) taggedSection(c *straightCode, tagged []*field, v int16, flexible bool) bool {
	tagged = slices.Clone(tagged)
	slices.SortStableFunc(tagged, func(a, b *field) int { return cmp.Compare(a.Tag, b.Tag) })
	var size, write, count strings.Builder
	size.WriteString("{\ncount := 0\n")
	count.WriteString("count := 0\n")
	for _, f := range tagged {
		x := "m." + f.GoName
		def, ok := isDefaultExpr(f, x)
		if !ok {
			return false
		}
		if strings.Contains(def, "kio.") {
			c.usesKio = true
		}
		vc := &straightCode{}
		if !e.value(vc, f, x, v, flexible) {
			return false
		}
		c.checks = append(c.checks, vc.checks...)
		if vc.usesKio {
			c.usesKio = true
		}
		fixed := "0"
		if len(vc.fixed) > 0 {
			fixed = strings.Join(vc.fixed, " + ")
		}
		fmt.Fprintf(&size, "if !%s {\ncount++\nn0 := n\nn += %s\n%s\nn = n0 + wire.TaggedFieldSize(%d, n-n0)\n}\n", def, fixed, strings.Join(vc.sizes, "\n"), f.Tag)
		fmt.Fprintf(&count, "if !%s {\ncount++\n}\n", def)
		fmt.Fprintf(&write, "if !%s {\nb = wire.AppendUvarint(b, %d)\nat := len(b)\nb = append(b, 0) // the size, written by EndTaggedField\n%s\nb = wire.EndTaggedField(b, at)\n}\n", def, f.Tag, strings.Join(vc.appends, "\n"))
	}
	size.WriteString("n += wire.UvarintSize(uint32(count))\n}")
	c.sizes = append(c.sizes, size.String())
	c.appends = append(c.appends, "{\n"+count.String()+"b = wire.AppendUvarint(b, uint32(count))\n"+write.String()+"}")
	return true
}

// isDefaultExpr is the condition under which the tagged field x holds its default and
// is left unwritten, as layout's Field.IsDefault decides it, or false for a field it has
// no condition for (a struct value, a float).
func isDefaultExpr(f *field, x string) (string, bool) {
	lit, null := "", false
	if f.HasDefault {
		lit, null = f.Default, f.Default == "null"
	}
	switch {
	case f.Array || f.Elem == "bytes" || f.Elem == "records":
		switch {
		case null || (f.Elem == "records" && !f.HasDefault && !f.Array):
			return "(" + x + " == nil)", true
		case f.HasNullable && !f.Nullable.IsNone():
			return fmt.Sprintf("(%s != nil && len(%s) == 0)", x, x), true // empty, not null
		}
		return fmt.Sprintf("(len(%s) == 0)", x), true
	case f.Struct != nil:
		if f.HasNullable {
			return "(" + x + " == nil)", true // a *struct's default is null
		}
		// A struct value: every field at its default (absent ones too) and no unknown
		// tag kept (layout's Type.IsDefault).
		return structExpr(f.Struct, x, 0, isDefaultExpr)
	}
	switch f.Elem {
	case "string":
		if f.HasNullable { // a *string
			if null {
				return "(" + x + " == nil)", true
			}
			return fmt.Sprintf("(%s != nil && *%s == %s)", x, x, strconv.Quote(lit)), true
		}
		return fmt.Sprintf("(%s == %s)", x, strconv.Quote(lit)), true
	case "bool":
		return fmt.Sprintf("(%s == %v)", x, lit == "true"), true
	case "uuid":
		if lit != "" {
			return "", false
		}
		return "(" + x + " == (kio.UUID{}))", true
	case "int8", "int16", "int32", "int64":
		n := int64(0)
		if lit != "" {
			var err error
			if n, err = strconv.ParseInt(lit, 0, 64); err != nil {
				return "", false
			}
		}
		return fmt.Sprintf("(%s == %d)", x, n), true
	case "uint16", "uint32":
		n := uint64(0)
		if lit != "" {
			var err error
			if n, err = strconv.ParseUint(lit, 0, 64); err != nil {
				return "", false
			}
		}
		return fmt.Sprintf("(%s == %d)", x, n), true
	}
	return "", false
}

// structField adds the code of a struct value or nullable struct x.
func (e *encGen) structField(c *straightCode, f *field, x string, v int16, flexible, nullable bool) bool {
	name, ok := e.structFunc(f.Struct, v, flexible)
	if !ok {
		return false
	}
	call := func(ptr string) (string, string) {
		return fmt.Sprintf("if k, ok := size%s(%s); ok {\nn += k\n} else {\nreturn 0, false\n}", name, ptr),
			fmt.Sprintf("if b, ok = append%s(b, %s); !ok {\nreturn b, false\n}", name, ptr)
	}
	if !f.HasNullable {
		s, a := call("&" + x)
		c.sizes = append(c.sizes, s)
		c.appends = append(c.appends, "{\nvar ok bool\n"+a+"\n}")
		return true
	}
	s, a := call(x)
	if !nullable {
		c.checks = append(c.checks, x+" != nil")
		c.sizes = append(c.sizes, s)
		c.appends = append(c.appends, "{\nvar ok bool\n"+a+"\n}")
		return true
	}
	c.sizes = append(c.sizes, fmt.Sprintf("n += wire.StructMarkerSize\nif %s != nil {\n%s\n}", x, s))
	c.appends = append(c.appends, fmt.Sprintf("if %s == nil {\nb = append(b, wire.StructNull)\n} else {\nb = append(b, wire.StructPresent)\nvar ok bool\n%s\n}", x, a))
	return true
}

// array adds the code of the array field x.
func (e *encGen) array(c *straightCode, f *field, x string, v int16, flexible, compact, nullable bool) bool {
	lengthSize, writeLength, nullSize := "wire.ArrayLengthSize", "wire.AppendArrayLength", "wire.ArrayLengthSize"
	if compact {
		lengthSize, writeLength, nullSize = fmt.Sprintf("wire.CompactLengthSize(len(%s))", x), "wire.AppendCompactLength", "wire.CompactLengthSize(wire.Null)"
	}
	var size, write string
	if k, ok := elemFixed(f); ok && f.Struct == nil {
		size = fmt.Sprintf("n += %s + %s*len(%s)", lengthSize, k[2], x)
		elem := fmt.Sprintf("b = wire.%s(b, %s(v))", k[0], k[1])
		loop := "for _, v := range " + x
		if f.Elem == "uuid" {
			elem = fmt.Sprintf("b = wire.AppendUUID(b, (*[16]byte)(&%s[i]))", x)
			loop = "for i := range " + x
		}
		write = fmt.Sprintf("b = %s(b, len(%s))\n%s {\n%s\n}", writeLength, x, loop, elem)
	} else {
		switch {
		case f.Struct != nil:
			name, ok := e.structFunc(f.Struct, v, flexible)
			if !ok {
				return false
			}
			size = fmt.Sprintf("n += %s\nfor i := range %s {\nk, ok := size%s(&%s[i])\nif !ok {\nreturn 0, false\n}\nn += k\n}", lengthSize, x, name, x)
			write = fmt.Sprintf("b = %s(b, len(%s))\nfor i := range %s {\nvar ok bool\nif b, ok = append%s(b, &%s[i]); !ok {\nreturn b, false\n}\n}", writeLength, x, x, name, x)
		case f.Elem == "string":
			strSize, strWrite := "wire.StringLengthSize + len(s)", "wire.AppendString"
			if compact {
				strSize, strWrite = "wire.CompactLengthSize(len(s)) + len(s)", "wire.AppendCompactString"
			}
			size = fmt.Sprintf("n += %s\nfor _, s := range %s {\nif len(s) > wire.MaxStringLength {\nreturn 0, false\n}\nn += %s\n}", lengthSize, x, strSize)
			write = fmt.Sprintf("b = %s(b, len(%s))\nfor _, s := range %s {\nif len(s) > wire.MaxStringLength {\nreturn b, false\n}\nb = %s(b, string(s))\n}", writeLength, x, x, strWrite)
		default:
			return false
		}
	}
	c.checks = append(c.checks, fmt.Sprintf("len(%s) <= wire.MaxArrayLength", x))
	if !nullable {
		c.sizes = append(c.sizes, "{\n"+size+"\n}")
		c.appends = append(c.appends, "{\n"+write+"\n}")
		return true
	}
	c.sizes = append(c.sizes, fmt.Sprintf("if %s == nil {\nn += %s\n} else {\n%s\n}", x, nullSize, size))
	c.appends = append(c.appends, fmt.Sprintf("if %s == nil {\nb = %s(b, wire.Null)\n} else {\n%s\n}", x, writeLength, write))
	return true
}

// render renders c's size and append functions under the name placeholder @. head
// gives each function's parameter (after b, for append) and the line that makes m of
// it ("" for none); the flat and nested encoders differ only there.
func (c *straightCode) render(head func(appendFunc bool) (param, conv string)) string {
	var b strings.Builder
	open := func(sig, result string, appendFunc bool) {
		param, conv := head(appendFunc)
		fmt.Fprintf(&b, sig+" {\n", param)
		if conv != "" {
			b.WriteString(conv + "\n")
		}
		if len(c.checks) > 0 {
			fmt.Fprintf(&b, "if !(%s) {\nreturn %s, false\n}\n", strings.Join(c.checks, " &&\n"), result)
		}
	}
	open("func size@(%s) (int, bool)", "0", false)
	fixed := "0"
	if len(c.fixed) > 0 {
		fixed = strings.Join(c.fixed, " + ")
	}
	fmt.Fprintf(&b, "n := %s\n", fixed)
	for _, s := range c.sizes {
		b.WriteString(s + "\n")
	}
	b.WriteString("return n, true\n}\n\n")
	open("func append@(b []byte, %s) ([]byte, bool)", "b", true)
	for _, s := range c.appends {
		b.WriteString(s + "\n")
	}
	b.WriteString("return b, true\n}\n")
	return b.String()
}

// pointerParam is render's head for a registered encoder: an unsafe.Pointer to typ.
func pointerParam(typ string) func(bool) (string, string) {
	return func(bool) (string, string) { return "p unsafe.Pointer", fmt.Sprintf("m := (*%s)(p)", typ) }
}

// structFunc returns the name (after size and append) of the functions encoding the
// struct st at v, writing them the first time their text is new.
func (e *encGen) structFunc(st *structDef, v int16, flexible bool) (string, bool) {
	if e.depth > decMaxDepth {
		return "", false
	}
	e.depth++
	defer func() { e.depth-- }()
	c := &straightCode{}
	if !e.fields(c, st.Fields, v, flexible) {
		return "", false
	}
	typ := e.pkg + "." + st.GoName
	text := c.render(func(bool) (string, string) { return "m *" + typ, "" })
	if name, ok := e.funcs[text]; ok {
		return name, true
	}
	name := fmt.Sprintf("Enc%s%sV%d", strings.ToUpper(e.pkg[:1])+e.pkg[1:], st.GoName, v)
	e.funcs[text] = name
	e.added = append(e.added, text)
	fmt.Fprintf(&e.out, "// size%s and append%s encode a %s at version %d.\n%s\n", name, name, st.GoName, v, strings.ReplaceAll(text, "@", name))
	return name, true
}

// message returns the name (after size and append) of the registered encoder of m at
// v, or false.
func (e *encGen) message(m *message, v int16) (string, bool) {
	e.depth = 0
	mark, added := e.out.Len(), len(e.added)
	c := &straightCode{}
	if !e.fields(c, m.Fields, v, m.Flexible.Contains(v)) {
		// A message it cannot encode leaves no function behind (nothing would call it).
		e.out.Truncate(mark)
		for _, text := range e.added[added:] {
			delete(e.funcs, text)
		}
		e.added = e.added[:added]
		return "", false
	}
	typ := e.pkg + "." + m.Name
	text := c.render(pointerParam(typ))
	if name, ok := e.funcs[text]; ok {
		return name, true
	}
	name := fmt.Sprintf("%sV%d", m.Name, v)
	e.funcs[text] = name
	e.added = append(e.added, text)
	fmt.Fprintf(&e.out, "// %s at version %d.\n%s\n", m.Name, v, strings.ReplaceAll(text, "@", name))
	return name, true
}

// structExpr is the condition that the struct value x of type st keeps no unknown
// tagged field and each of its fields satisfies the condition cond returns (layout's
// Type.every), or false where cond has none.
func structExpr(st *structDef, x string, depth int, cond func(*field, string) (string, bool)) (string, bool) {
	if depth > decMaxDepth {
		return "", false
	}
	var all []string
	if st.Owner != nil && flexibleAnywhere(st.Owner) {
		all = append(all, fmt.Sprintf("len(%s.UnknownTags) == 0", x))
	}
	for _, sf := range st.Fields {
		y := x + "." + sf.GoName
		var c string
		var ok bool
		if sf.Struct != nil && !sf.HasNullable && !sf.Array {
			c, ok = structExpr(sf.Struct, y, depth+1, cond)
		} else {
			c, ok = cond(sf, y)
		}
		if !ok {
			return "", false
		}
		if c != "" {
			all = append(all, c)
		}
	}
	if len(all) == 0 {
		return "", true
	}
	return "(" + strings.Join(all, " && ") + ")", true
}
