package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"sort"
	"strconv"
)

// The common package: nominal types for the specs' entityType attribute, and ErrorCode.

// collectEntities maps every entityType the specs use to the Kafka scalar type its
// fields hold (the element type for arrays). One entity used with two scalar types is an
// error, since it becomes one Go type.
func collectEntities(msgs []*message) (map[string]string, error) {
	kinds := map[string]string{}
	where := map[string]string{}
	visit := func(owner string, fields []*field) error {
		for _, f := range fields {
			if f.EntityType == "" {
				continue
			}
			if k, ok := kinds[f.EntityType]; ok && k != f.Elem {
				return fmt.Errorf("entityType %s is %s in %s but %s in %s.%s",
					f.EntityType, k, where[f.EntityType], f.Elem, owner, f.Name)
			}
			kinds[f.EntityType] = f.Elem
			where[f.EntityType] = owner + "." + f.Name
		}
		return nil
	}
	for _, m := range msgs {
		if err := visit(m.Name, m.Fields); err != nil {
			return nil, err
		}
		for _, s := range m.Structs {
			if err := visit(m.Name+"."+s.Name, s.Fields); err != nil {
				return nil, err
			}
		}
	}
	return kinds, nil
}

// entityDocs describes the entity types Kafka 3.9 uses; others get a generic comment.
var entityDocs = map[string]string{
	"brokerId":        "a broker's id (node id)",
	"groupId":         "a consumer or share group's id",
	"producerId":      "an idempotent or transactional producer's id",
	"topicName":       "a topic's name",
	"transactionalId": "a transactional producer's transactional.id",
}

// emitEntities writes common/entities.go, which also carries the package doc.
func emitEntities(kinds map[string]string) ([]byte, error) {
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	g := newGoFile()
	for _, n := range names {
		what, ok := entityDocs[n]
		if !ok {
			what = "a value of Kafka's entity type " + n
		}
		g.comment("", fmt.Sprintf("%s is %s: fields with entityType %s in the specs have this type.", exportName(n), what, n))
		g.printf("type %s %s\n\n", exportName(n), kinds[n])
	}
	doc := "Package common holds the types kio's generated schema shares across APIs: one nominal type per entityType of Kafka's message specs (TopicName, BrokerId, ...), and ErrorCode, the type of every error-code field, with a constant for each code Kafka defines."
	return g.render(doc, "common")
}

// errorCode is one row of error-codes.csv.
type errorCode struct {
	Code      int16
	Name      string // Kafka's name, e.g. UNKNOWN_TOPIC_OR_PARTITION
	GoName    string // UnknownTopicOrPartition
	Retriable bool
	Aliases   []string // Go names older releases gave the code, kept as deprecated constants
}

// mergeErrorCodes reads every error-code file and returns the union of their codes; a
// later file's name and retriability win, and a renamed code keeps its old Go name as a
// deprecated alias.
func mergeErrorCodes(paths []string, rn renames) ([]errorCode, error) {
	byCode := map[int16]*errorCode{}
	for _, p := range paths {
		codes, err := readErrorCodes(p)
		if err != nil {
			return nil, err
		}
		for _, c := range codes {
			prev := byCode[c.Code]
			if prev != nil && prev.GoName != c.GoName {
				rn.add("error code %d %s -> %s", c.Code, prev.Name, c.Name)
				c.Aliases = append(append(c.Aliases, prev.Aliases...), prev.GoName)
			} else if prev != nil {
				c.Aliases = prev.Aliases
			}
			byCode[c.Code] = &c
		}
	}
	var out []errorCode
	names := map[string]int16{}
	for _, c := range byCode {
		out = append(out, *c)
		names[c.GoName] = c.Code
	}
	for i := range out {
		var keep []string
		for _, a := range out[i].Aliases {
			if _, clash := names[a]; !clash {
				keep = append(keep, a)
				names[a] = out[i].Code
			}
		}
		out[i].Aliases = keep
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

// readErrorCodes reads error-codes.csv: a "code,name,retriable" header, then one row per code.
func readErrorCodes(path string) ([]errorCode, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 3
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(rows) == 0 || rows[0][0] != "code" || rows[0][1] != "name" || rows[0][2] != "retriable" {
		return nil, fmt.Errorf("%s: want the header code,name,retriable", path)
	}
	var codes []errorCode
	seenCode, seenName := map[int16]bool{}, map[string]bool{}
	for i, row := range rows[1:] {
		line := i + 2
		n, err := strconv.ParseInt(row[0], 10, 16)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: code %q is not an int16", path, line, row[0])
		}
		if !isKafkaConstName(row[1]) {
			return nil, fmt.Errorf("%s:%d: name %q is not UPPER_SNAKE_CASE", path, line, row[1])
		}
		retriable, err := strconv.ParseBool(row[2])
		if err != nil || (row[2] != "true" && row[2] != "false") {
			return nil, fmt.Errorf("%s:%d: retriable %q is not true or false", path, line, row[2])
		}
		c := errorCode{Code: int16(n), Name: row[1], GoName: errorCodeName(row[1]), Retriable: retriable}
		if seenCode[c.Code] || seenName[c.GoName] {
			return nil, fmt.Errorf("%s:%d: code %d or name %s appears twice", path, line, c.Code, c.GoName)
		}
		seenCode[c.Code], seenName[c.GoName] = true, true
		codes = append(codes, c)
	}
	if !seenCode[0] || errorCodeName("NONE") != "None" || !seenName["None"] {
		return nil, fmt.Errorf("%s: code 0 must be NONE", path)
	}
	sort.Slice(codes, func(i, j int) bool { return codes[i].Code < codes[j].Code })
	return codes, nil
}

func isKafkaConstName(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// emitErrorCodes writes common/errorcodes.go: the ErrorCode type, its constants and methods.
func emitErrorCodes(codes []errorCode) ([]byte, error) {
	g := newGoFile()
	g.imports["strconv"] = true
	g.printf(`// ErrorCode is a Kafka error code, the type of every int16 field whose name ends in
// ErrorCode. It implements error, so a code can be returned and matched with errors.Is;
// use Err to get nil for None.
type ErrorCode int16

// The error codes Kafka defines, named after Kafka's names in CamelCase.
const (
`)
	for _, c := range codes {
		note := c.Name
		if c.Retriable {
			note += " (retriable)"
		}
		g.printf("\t%s ErrorCode = %d // %s\n", c.GoName, c.Code, note)
	}
	for _, c := range codes {
		for _, a := range c.Aliases {
			g.printf("\n\t// %s is the name an older Kafka release gave %s.\n\t//\n\t// Deprecated: use %s.\n\t%s = %s\n", a, c.GoName, c.GoName, a, c.GoName)
		}
	}
	g.printf(")\n\n")
	g.printf("// errorCodeNames holds Kafka's name of every known code.\nvar errorCodeNames = map[ErrorCode]string{\n")
	for _, c := range codes {
		g.printf("\t%s: %q,\n", c.GoName, c.Name)
	}
	g.printf("}\n\n// retriableErrorCodes holds the codes Kafka marks retriable.\nvar retriableErrorCodes = map[ErrorCode]bool{\n")
	for _, c := range codes {
		if c.Retriable {
			g.printf("\t%s: true,\n", c.GoName)
		}
	}
	g.printf(`}

// String returns Kafka's name for the code, e.g. UNKNOWN_TOPIC_OR_PARTITION, or
// UNKNOWN_ERROR_CODE(n) for a code Kafka does not define.
func (c ErrorCode) String() string {
	if name, ok := errorCodeNames[c]; ok {
		return name
	}
	return "UNKNOWN_ERROR_CODE(" + strconv.Itoa(int(c)) + ")"
}

// Retriable reports whether Kafka marks the code retriable: the request may succeed if
// sent again. Unknown codes are not retriable.
func (c ErrorCode) Retriable() bool { return retriableErrorCodes[c] }

// Error describes the code, e.g. "kafka error 3: UNKNOWN_TOPIC_OR_PARTITION".
func (c ErrorCode) Error() string {
	return "kafka error " + strconv.Itoa(int(c)) + ": " + c.String()
}

// Err returns nil for None and the code itself otherwise, so that
//
//	if err := resp.ErrorCode.Err(); errors.Is(err, common.UnknownTopicOrPartition) { ... }
//
// reads naturally.
func (c ErrorCode) Err() error {
	if c == None {
		return nil
	}
	return c
}

// IsKnown reports whether Kafka defines the code.
func (c ErrorCode) IsKnown() bool {
	_, ok := errorCodeNames[c]
	return ok
}
`)
	return g.render("", "common")
}
