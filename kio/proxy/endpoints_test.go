package proxy

import (
	"math/rand"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/kio/schema"
)

// hostOrPort matches the field names that hold (part of) a network address.
var hostOrPort = regexp.MustCompile(`(?i)host|port`)

// addressFields walks a message type and returns the paths of its host- and port-like
// fields ("Supported..." feature ranges are not ports).
func addressFields(t reflect.Type, path string, out *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		p, ft := path+"."+f.Name, f.Type
		for ft.Kind() == reflect.Pointer || (ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8) {
			if ft.Kind() == reflect.Slice {
				p += "[]"
			}
			ft = ft.Elem()
		}
		if hostOrPort.MatchString(f.Name) && !strings.Contains(strings.ToLower(f.Name), "support") {
			*out = append(*out, p)
		}
		if ft.Kind() == reflect.Struct && strings.Contains(ft.PkgPath(), "/kio/schema/") {
			addressFields(ft, p, out)
		}
	}
}

// TestEveryEndpointFieldIsDecided fails on any host or port field of any message of
// the schema that the table neither rewrites nor leaves alone with a reason, and on a
// table entry the schema no longer has: a new Kafka release with a new endpoint field
// fails here until someone decides.
func TestEveryEndpointFieldIsDecided(t *testing.T) {
	var found []string
	for _, m := range schema.Messages() {
		addressFields(m.Type, m.Name, &found)
	}
	decided := map[string]EndpointField{}
	for _, f := range EndpointFields() {
		if f.Reason == "" {
			t.Errorf("%s: no reason", f.Path)
		}
		decided[f.Path] = f
	}
	for _, p := range found {
		if _, ok := decided[p]; !ok {
			t.Errorf("host/port field %s is neither rewritten nor left alone by the table in endpointfields.go", p)
		}
	}
	for p := range decided {
		if !slices.Contains(found, p) {
			t.Errorf("the table lists %s, which the schema does not have", p)
		}
	}
	rewritten := 0
	for _, f := range endpointFields {
		if f.Rewritten {
			rewritten++
		}
	}
	t.Logf("%d host/port fields in the schema: %d rewritten, %d left alone", len(found), rewritten, len(found)-rewritten)
}

// TestRewriteEndpointsReachesEveryRewrittenField generates responses of every endpoint
// API at every version, rewrites them, and requires each field the table marks as
// rewritten to hold the mapped address (or to be a non-address, an empty host or a
// negative port, left as it was); and every field it leaves alone to be untouched.
func TestRewriteEndpointsReachesEveryRewrittenField(t *testing.T) {
	const mappedHost, mappedPort = "proxy.invalid", 9
	m := func(e Endpoint) (Endpoint, error) { return Endpoint{Host: mappedHost, Port: mappedPort}, nil }
	r := rand.New(rand.NewSource(1))
	seen := map[string]int{} // rewritten host paths, by how many values were rewritten
	for _, api := range schema.APIs() {
		for v := api.Versions.Lo; v <= api.Versions.Hi; v++ {
			for range 20 {
				val := reflect.New(api.Response)
				val.Elem().Set(reflect.ValueOf(kiotest.Sample(kiotest.GenOf(api.Response, v), r)))
				beforeCopy := deepClone(val.Elem())
				n, err := RewriteEndpoints(val.Interface(), m)
				if err != nil {
					t.Fatalf("%s v%d: %v", api.Name, v, err)
				}
				if n > 0 && (!CarriesEndpoints(api.Key) || !carriesEndpointsAt(api.Key, v)) {
					t.Errorf("%s v%d rewrote %d endpoints but the proxy would relay it undecoded", api.Name, v, n)
				}
				got := 0
				for _, f := range endpointFields {
					if !strings.HasPrefix(f.Path, api.Response.Name()+".") || !strings.HasSuffix(f.Path, ".Host") {
						continue
					}
					parentPath := strings.TrimSuffix(strings.TrimPrefix(f.Path, api.Response.Name()+"."), "Host")
					after := structsAt(val.Elem(), parentPath)
					orig := structsAt(beforeCopy, parentPath)
					for i, s := range after {
						host, port := s.FieldByName("Host").String(), portOf(s.FieldByName("Port"))
						oh, op := orig[i].FieldByName("Host").String(), portOf(orig[i].FieldByName("Port"))
						switch {
						case !f.Rewritten && (host != oh || port != op):
							t.Errorf("%s v%d: %s changed from %s:%d to %s:%d, but is left alone", api.Name, v, f.Path, oh, op, host, port)
						case f.Rewritten && (oh == "" || op < 0):
							if host != oh || port != op {
								t.Errorf("%s v%d: %s %q:%d is no address but was rewritten", api.Name, v, f.Path, oh, op)
							}
						case f.Rewritten && (host != mappedHost || port != mappedPort):
							t.Errorf("%s v%d: %s is %s:%d after rewriting, want %s:%d", api.Name, v, f.Path, host, port, mappedHost, mappedPort)
						case f.Rewritten:
							seen[f.Path]++
							got++
						}
					}
				}
				if got != n {
					t.Errorf("%s v%d: RewriteEndpoints says %d rewritten, the table's fields hold %d", api.Name, v, n, got)
				}
			}
		}
	}
	for _, f := range endpointFields {
		if f.Rewritten && strings.HasSuffix(f.Path, ".Host") && seen[f.Path] == 0 {
			t.Errorf("%s: no generated value reached it", f.Path)
		}
	}
}

// portOf reads a port field of any integer type; 0 where there is none (ACL hosts).
func portOf(v reflect.Value) int64 {
	if !v.IsValid() {
		return 0
	}
	if v.CanInt() {
		return v.Int()
	}
	return int64(v.Uint())
}

// structsAt returns the structs at a path such as "Brokers[]." or "Nodes[].Listeners[]."
// below v, in order ("" is v itself).
func structsAt(v reflect.Value, path string) []reflect.Value {
	path = strings.TrimSuffix(path, ".")
	if path == "" {
		return []reflect.Value{v}
	}
	name, rest, _ := strings.Cut(path, ".")
	list := strings.HasSuffix(name, "[]")
	f := v.FieldByName(strings.TrimSuffix(name, "[]"))
	if f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return nil
		}
		f = f.Elem()
	}
	if !list {
		return structsAt(f, rest)
	}
	var out []reflect.Value
	for i := range f.Len() {
		out = append(out, structsAt(f.Index(i), rest)...)
	}
	return out
}

// deepClone copies slices and pointers so a rewrite of the original cannot reach it.
func deepClone(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		for i := range v.NumField() {
			if c.Field(i).CanSet() {
				c.Field(i).Set(deepClone(v.Field(i)))
			}
		}
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			c.Index(i).Set(deepClone(v.Index(i)))
		}
		return c
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type().Elem())
		c.Elem().Set(deepClone(v.Elem()))
		return c
	}
	return v
}
