package main

import (
	"bytes"
	"fmt"
	"go/format"
	"path"
	"strconv"
	"strings"
)

// Straight-line encoders (nested messages: straight_encode.go): for every request and
// response at every version whose fields there are all flat (numbers, bools, UUIDs, strings, bytes: no array, no struct, no known
// tagged field), a size function and an append function that write the fields one after
// the other through kio/internal/wire, registered with kio/internal/straight for
// kio/serial, which uses them in place of its plan interpreter (behind its optimize
// switch). They handle the common case only: anything the interpreter treats specially
// (a null where the field is not nullable, a value in a field absent at the version that
// the interpreter would refuse, kept unknown tagged fields, a string too long for the
// wire) makes them decline, and serial falls back to the interpreter, so errors stay its
// own. The files go to internal/straightline under the schema's output folder, so the
// generator writes, removes and checks them (TestGeneratedUpToDate) with the schema.

// Import paths of the straight-line package and what it uses.
const (
	straightDir      = "internal/straightline"
	straightImport   = schemaImport + "/" + straightDir
	wireImport       = modulePath + "/kio/internal/wire"
	registryImport   = modulePath + "/kio/internal/straight"
	arenaImport      = modulePath + "/kio/internal/arena"
	straightDocTitle = "Package straightline holds straight-line encoders and decoders of kio/schema's messages"
)

// straightCode is the code of one message at one version: the conditions under which it
// writes what the interpreter writes, and its size and append statements.
type straightCode struct {
	checks  []string // each must hold, else the functions decline
	fixed   []string // constant widths, summed
	sizes   []string // statements adding variable widths to n
	appends []string // statements appending to b
	usesKio bool
}

// straightAt returns the straight-line code of m at version v, or false when m is not
// flat there.
func straightAt(m *message, v int16) (*straightCode, bool) {
	flexible := m.Flexible.Contains(v)
	c := &straightCode{}
	for _, f := range m.Fields {
		x := "m." + f.GoName
		if !f.Versions.Contains(v) {
			if f.Ignorable {
				continue // the interpreter skips it whatever it holds
			}
			empty, ok := c.emptyCheck(f, x)
			if !ok {
				return nil, false
			}
			if empty != "" {
				c.checks = append(c.checks, empty)
			}
			continue
		}
		if f.Tag >= 0 && f.Tagged.Contains(v) {
			return nil, false // a known tagged field: the interpreter's tagged section
		}
		if f.Array || f.Struct != nil {
			return nil, false
		}
		compact := flexible && (!f.HasFlexible || f.Flexible.Contains(v))
		nullable := f.Nullable.Contains(v)
		if !c.field(f, x, compact, nullable) {
			return nil, false
		}
	}
	if flexible {
		if flexibleAnywhere(m) {
			c.checks = append(c.checks, "len(m.UnknownTags) == 0")
		}
		c.fixed = append(c.fixed, "wire.EmptyTaggedFieldsSize")
		c.appends = append(c.appends, "b = append(b, wire.EmptyTaggedFields)")
	}
	return c, true
}

// fixedKinds are the fixed-width kinds: the wire writer, the Go type it takes and the
// width constant.
var fixedKinds = map[string][3]string{
	"bool":    {"AppendBool", "bool", "BoolSize"},
	"int8":    {"AppendInt8", "int8", "Int8Size"},
	"int16":   {"AppendInt16", "int16", "Int16Size"},
	"uint16":  {"AppendInt16", "int16", "Int16Size"},
	"int32":   {"AppendInt32", "int32", "Int32Size"},
	"uint32":  {"AppendInt32", "int32", "Int32Size"},
	"int64":   {"AppendInt64", "int64", "Int64Size"},
	"float64": {"AppendFloat64", "float64", "Float64Size"},
}

// field adds the code of a present field x, or reports that it is not flat.
func (c *straightCode) field(f *field, x string, compact, nullable bool) bool {
	if k, ok := fixedKinds[f.Elem]; ok {
		c.fixed = append(c.fixed, "wire."+k[2])
		c.appends = append(c.appends, fmt.Sprintf("b = wire.%s(b, %s(%s))", k[0], k[1], x))
		return true
	}
	switch f.Elem {
	case "uuid":
		c.fixed = append(c.fixed, "wire.UUIDSize")
		c.appends = append(c.appends, fmt.Sprintf("b = wire.AppendUUID(b, (*[16]byte)(&%s))", x))
		return true
	case "string":
		write, lengthSize, null := "wire.AppendString", "wire.StringLengthSize", "wire.AppendStringLength(b, wire.Null)"
		if compact {
			write, lengthSize, null = "wire.AppendCompactString", "wire.CompactLengthSize(%s)", "wire.AppendCompactLength(b, wire.Null)"
		}
		size := func(n string) string {
			if compact {
				return fmt.Sprintf(lengthSize, n) + " + " + n
			}
			return lengthSize + " + " + n
		}
		if !f.HasNullable { // a string
			c.checks = append(c.checks, fmt.Sprintf("len(%s) <= wire.MaxStringLength", x))
			c.sizes = append(c.sizes, fmt.Sprintf("n += %s", size("len("+x+")")))
			c.appends = append(c.appends, fmt.Sprintf("b = %s(b, string(%s))", write, x))
			return true
		}
		// A *string.
		if !nullable {
			c.checks = append(c.checks, fmt.Sprintf("%s != nil && len(*%s) <= wire.MaxStringLength", x, x))
			c.sizes = append(c.sizes, fmt.Sprintf("n += %s", size("len(*"+x+")")))
			c.appends = append(c.appends, fmt.Sprintf("b = %s(b, string(*%s))", write, x))
			return true
		}
		nullSize := "wire.StringLengthSize"
		if compact {
			nullSize = "wire.CompactLengthSize(wire.Null)"
		}
		c.checks = append(c.checks, fmt.Sprintf("(%s == nil || len(*%s) <= wire.MaxStringLength)", x, x))
		c.sizes = append(c.sizes, fmt.Sprintf("if %s == nil {\nn += %s\n} else {\nn += %s\n}", x, nullSize, size("len(*"+x+")")))
		c.appends = append(c.appends, fmt.Sprintf("if %s == nil {\nb = %s\n} else {\nb = %s(b, string(*%s))\n}", x, null, write, x))
		return true
	case "bytes", "records":
		lengthSize, writeLength := "wire.ArrayLengthSize", "wire.AppendArrayLength"
		if compact {
			lengthSize, writeLength = fmt.Sprintf("wire.CompactLengthSize(len(%s))", x), "wire.AppendCompactLength"
		}
		c.checks = append(c.checks, fmt.Sprintf("len(%s) <= wire.MaxArrayLength", x))
		size := fmt.Sprintf("n += %s + len(%s)", lengthSize, x)
		write := fmt.Sprintf("b = wire.AppendBytes(%s(b, len(%s)), %s)", writeLength, x, x)
		if !nullable {
			c.sizes = append(c.sizes, size)
			c.appends = append(c.appends, write)
			return true
		}
		nullSize := "wire.ArrayLengthSize"
		if compact {
			nullSize = "wire.CompactLengthSize(wire.Null)"
		}
		c.sizes = append(c.sizes, fmt.Sprintf("if %s == nil {\nn += %s\n} else {\n%s\n}", x, nullSize, size))
		c.appends = append(c.appends, fmt.Sprintf("if %s == nil {\nb = %s(b, wire.Null)\n} else {\n%s\n}", x, writeLength, write))
		return true
	}
	return false
}

// emptyCheck returns a condition under which the interpreter accepts field x although
// it is absent at the version (it refuses a value other than the field's default or Go's
// zero value: checkAbsent), or "" when it accepts any. The condition may be stricter
// than the interpreter's: a value it does not cover only falls back to the interpreter.
// It reports false for a field it has no condition for.
func (c *straightCode) emptyCheck(f *field, x string) (string, bool) {
	if f.Array {
		return fmt.Sprintf("len(%s) == 0", x), true
	}
	if f.Struct != nil {
		if f.HasNullable {
			return x + " == nil", true
		}
		// A struct value: each of its fields empty, no unknown tag kept (layout's
		// Type.IsEmpty).
		return structExpr(f.Struct, x, 0, c.emptyCheck)
	}
	def := ""
	if f.HasDefault {
		def = f.Default
	}
	switch f.Elem {
	case "bool":
		if def == "true" {
			return "", true // true is the default and false Go's zero: any value is empty
		}
		return "!" + x, true
	case "int8", "int16", "int32", "int64", "uint16", "uint32":
		cond := x + " == 0"
		if n, err := strconv.ParseInt(def, 0, 64); err == nil && n != 0 {
			cond = fmt.Sprintf("(%s || %s == %d)", cond, x, n)
		}
		return cond, true
	case "float64":
		// The plan compares bits (a -0.0 is a value); no spec has a float64 that is
		// absent at some version, so none is written rather than a bits comparison.
		return "", false
	case "uuid":
		c.usesKio = true
		return x + " == (kio.UUID{})", true
	case "bytes", "records":
		return fmt.Sprintf("len(%s) == 0", x), true
	case "string":
		if f.HasNullable {
			cond := fmt.Sprintf("%s == nil || *%s == \"\"", x, x)
			if def != "" && def != "null" {
				cond += fmt.Sprintf(" || *%s == %s", x, strconv.Quote(def))
			}
			return "(" + cond + ")", true
		}
		cond := x + ` == ""`
		if def != "" {
			cond = fmt.Sprintf("(%s || %s == %s)", cond, x, strconv.Quote(def))
		}
		return cond, true
	}
	return "", false
}

// body renders the size and append functions of c for the Go type typ under the name
// placeholder @: render's, with the pointer named _ in a function that does not read m.
func (c *straightCode) body(typ string) string {
	return c.render(func(appendFunc bool) (string, string) {
		uses := len(c.checks) > 0 || len(c.sizes) > 0
		if appendFunc {
			uses = len(c.checks) > 0 || strings.Contains(strings.Join(c.appends, ""), "m.")
		}
		if !uses {
			return "_ unsafe.Pointer", ""
		}
		return pointerParam(typ)(appendFunc)
	}) + "\n"
}

// emitStraight writes the straight-line package: one file per API with flat versions
// or decodable ones and the package's own file, and returns how many (message,
// version) pairs have encoders and how many have decoders.
func emitStraight(pkgs []*goPackage, files map[string][]byte) (int, int, error) {
	reserved := map[string]bool{"wire": true, "straight": true, "unsafe": true, "reflect": true, "kio": true, "straightline": true}
	pairs, messages := 0, 0
	decPairs, decMessages := 0, 0
	for _, p := range pkgs {
		if len(p.Messages) != 2 {
			continue // headers and data schemas: not top-level API messages
		}
		g := newGoFile()
		dec := newDecGen(g, p.Name)
		enc := newEncGen(p.Name)
		var registers, decoders []string
		for _, m := range p.Messages {
			typ := p.Name + "." + m.Name
			seen := map[string]string{} // body -> the name it was first emitted under
			covered := 0
			for v := m.Versions.Lo; !m.Versions.IsNone() && !m.Versions.IsOpen() && v <= m.Versions.Hi; v++ {
				c, ok := straightAt(m, v)
				if !ok {
					if name, ok := enc.message(m, v); ok {
						registers = append(registers, fmt.Sprintf("register(reflect.TypeFor[%s](), %d, size%s, append%s)", typ, v, name, name))
						covered++
					}
					continue
				}
				if c.usesKio {
					g.imports[kioImport] = true
				}
				body := c.body(typ)
				name, ok := seen[body]
				if !ok {
					name = fmt.Sprintf("%sV%d", m.Name, v)
					seen[body] = name
					g.printf("// %s at version %d.\n", m.Name, v)
					g.printf("%s", strings.ReplaceAll(body, "@", name))
				}
				registers = append(registers, fmt.Sprintf("register(reflect.TypeFor[%s](), %d, size%s, append%s)", typ, v, name, name))
				covered++
			}
			pairs += covered
			if covered > 0 {
				messages++
			}
			decoded := 0
			for v := m.Versions.Lo; !m.Versions.IsNone() && !m.Versions.IsOpen() && v <= m.Versions.Hi; v++ {
				name, ok := dec.message(m, v)
				if !ok {
					continue
				}
				decoders = append(decoders, fmt.Sprintf("registerDecoder(reflect.TypeFor[%s](), %d, %s)", typ, v, name))
				decoded++
			}
			decPairs += decoded
			if decoded > 0 {
				decMessages++
			}
		}
		if len(registers) == 0 && len(decoders) == 0 {
			continue
		}
		if enc.usesKio {
			g.imports[kioImport] = true
		}
		g.printf("%s", enc.out.String())
		if len(decoders) > 0 {
			g.imports[arenaImport] = true
			g.printf("%s", dec.out.String())
		}
		registers = append(registers, decoders...)
		if reserved[p.Name] {
			return 0, 0, fmt.Errorf("package name %s clashes with an import of the straight-line package", p.Name)
		}
		g.imports[schemaImport+"/"+p.Name] = true
		g.imports[wireImport] = true
		g.imports["unsafe"] = true
		g.imports["reflect"] = true
		g.printf("func init() {\n%s\n}\n", strings.Join(registers, "\n"))
		src, err := g.render("", "straightline")
		if err != nil {
			return 0, 0, fmt.Errorf("straight-line code of %s: %w", p.Name, err)
		}
		files[path.Join(straightDir, p.Name+".go")] = src
	}
	g := newGoFile()
	g.imports["reflect"] = true
	g.imports["unsafe"] = true
	g.imports[registryImport] = true
	g.printf("// register records the straight-line encoder of t at version with kio/internal/straight.\n")
	g.printf("func register(t reflect.Type, version int16, size func(unsafe.Pointer) (int, bool), appendTo func([]byte, unsafe.Pointer) ([]byte, bool)) {\n")
	g.printf("straight.Register(t, version, straight.Encoder{Size: size, Append: appendTo})\n}\n\n")
	g.printf("// registerDecoder records the straight-line decoder of t at version with kio/internal/straight.\n")
	g.printf("func registerDecoder(t reflect.Type, version int16, decode straight.Decoder) {\n")
	g.printf("straight.RegisterDecoder(t, version, decode)\n}\n")
	doc := fmt.Sprintf("%s: for each request and response version (numbers, bools, UUIDs, strings, bytes, arrays of those and of structs, struct values, nullable structs, known tagged fields written in ascending tag order when not at their default), %d versions of %d messages, a function returning its exact encoded size and one appending its wire form through kio/internal/wire (a pair per nested struct and version, shared by the versions that encode alike), registered with kio/internal/straight for kio/serial. They decline (ok false), at any depth, whatever kio/serial's interpreter treats specially: a null where the field is not nullable, a value in a field absent at the version, kept unknown tagged fields, a string or array too long for the wire; serial then encodes with the interpreter.\n\nBeside them, for %d versions of %d messages whose fields, nested structs included, are of kinds it knows (those, arrays of them and of structs, struct values, nullable structs, known tagged fields), a straight-line decoder registered likewise: it reads the fields one after the other through kio/internal/wire, copies strings and carves *string cells and int32 lists through kio/internal/arena as serial's reader does, allocates a slice of structs once after checking that the input holds its elements, and declines (a negative result) short or malformed input, a count the input cannot hold, a null where the field is not nullable, and unknown or repeated tagged fields; serial then decodes with the interpreter.\n\nkio/schema imports this package for its side effect, except in a build with the kio_general tag.", straightDocTitle, pairs, messages, decPairs, decMessages)
	src, err := g.render(doc, "straightline")
	if err != nil {
		return 0, 0, err
	}
	files[path.Join(straightDir, "straightline.go")] = src
	link, err := straightLink()
	if err != nil {
		return 0, 0, err
	}
	files["straightline.go"] = link
	return pairs, decPairs, nil
}

// straightLink is kio/schema's file that links the straight-line package in, for its
// registrations, except in a kio_general build: with kio/serial's fast paths off there
// the code would never run, and leaving it out makes a program about 7 MB smaller.
func straightLink() ([]byte, error) {
	var out bytes.Buffer
	out.WriteString(generatedHeader + "\n\n//go:build !kio_general\n\n")
	head := newGoFile()
	head.comment("", "The straight-line encoders and decoders of internal/straightline register themselves with kio/serial (through kio/internal/straight) when this package is linked. A build with the kio_general tag, which turns serial's fast paths off, leaves them out: the interpreter alone, in a binary about 7 MB smaller.")
	out.Write(head.body.Bytes())
	fmt.Fprintf(&out, "\npackage schema\n\nimport _ %q\n", straightImport)
	src, err := format.Source(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("kio/schema's straight-line link does not format: %v", err)
	}
	return src, nil
}
