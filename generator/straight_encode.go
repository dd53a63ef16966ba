package main

import (
	"bytes"
	"fmt"
	"strings"
)

// Straight-line encoders of nested messages: for a request or response version that is
// not flat (straightAt) but whose fields, nested structs included, are of kinds it
// knows (the flat kinds, arrays of numbers, UUIDs, strings and structs, struct values,
// nullable structs), a size function and an append function per struct and version,
// shared by the versions that encode alike, as the decoders are. They decline (ok
// false) in both functions whatever the interpreter treats specially, at any depth:
// kept unknown tagged fields, a value in a field absent at the version, a null struct
// where it is not nullable, a string, bytes or array too long for the wire. A version
// with a known tagged field, or an absent struct value, gets no encoder yet: serial
// encodes it with its plan.

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
			return false // known tagged fields: left to the interpreter for now
		}
		compact := compactAt(f, v, flexible)
		nullable := f.Nullable.Contains(v)
		switch {
		case f.Array:
			if !e.array(c, f, x, v, flexible, compact, nullable) {
				return false
			}
		case f.Struct != nil:
			if !e.structField(c, f, x, v, flexible, nullable) {
				return false
			}
		default:
			if !c.field(f, x, compact, nullable) {
				return false
			}
		}
	}
	if flexible {
		c.checks = append(c.checks, "len(m.UnknownTags) == 0")
		c.fixed = append(c.fixed, "wire.EmptyTaggedFieldsSize")
		c.appends = append(c.appends, "b = append(b, wire.EmptyTaggedFields)")
	}
	if c.usesKio {
		e.usesKio = true
	}
	return true
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

// render renders c's size and append functions for a struct of Go type typ taken as
// params (m := conv when conv is not empty).
func (c *straightCode) render(params, conv string) string {
	var b strings.Builder
	head := func(sig, result string) {
		fmt.Fprintf(&b, sig+" {\n", params)
		if conv != "" {
			b.WriteString(conv + "\n")
		}
		if len(c.checks) > 0 {
			fmt.Fprintf(&b, "if !(%s) {\nreturn %s, false\n}\n", strings.Join(c.checks, " &&\n"), result)
		}
	}
	head("func size@(%s) (int, bool)", "0")
	fixed := "0"
	if len(c.fixed) > 0 {
		fixed = strings.Join(c.fixed, " + ")
	}
	fmt.Fprintf(&b, "n := %s\n", fixed)
	for _, s := range c.sizes {
		b.WriteString(s + "\n")
	}
	b.WriteString("return n, true\n}\n\n")
	head("func append@(b []byte, %s) ([]byte, bool)", "b")
	for _, s := range c.appends {
		b.WriteString(s + "\n")
	}
	b.WriteString("return b, true\n}\n")
	return b.String()
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
	text := c.render("m *"+typ, "")
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
	text := c.render("p unsafe.Pointer", fmt.Sprintf("m := (*%s)(p)", typ))
	if name, ok := e.funcs[text]; ok {
		return name, true
	}
	name := fmt.Sprintf("%sV%d", m.Name, v)
	e.funcs[text] = name
	e.added = append(e.added, text)
	fmt.Fprintf(&e.out, "// %s at version %d.\n%s\n", m.Name, v, strings.ReplaceAll(text, "@", name))
	return name, true
}
