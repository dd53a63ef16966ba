package kafkaspecs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Counts is how many messages and versions the union of several releases' specs holds,
// read straight from the spec files (a check on the generator, independent of it).
type Counts struct {
	APIs                         int // API keys with at least one version
	RequestVersions              int // versions of every API's request (as many responses)
	HeaderVersions, DataVersions int
	Headers, DataSchemas         int
}

var (
	apiKeyPattern   = regexp.MustCompile(`"apiKey":\s*(\d+)`)
	typePattern     = regexp.MustCompile(`"type":\s*"(request|response|header|data)"`)
	namePattern     = regexp.MustCompile(`"name":\s*"(\w+)"`)
	validPattern    = regexp.MustCompile(`"validVersions":\s*"([^"]*)"`)
	unstablePattern = regexp.MustCompile(`"latestVersionUnstable":\s*"?true`)
)

// Count reads the *.json specs of each folder (releases oldest first) and counts the union
// of their versions by the merge rule: an API or schema has every version some release
// defines, except an older release's latest version marked unstable.
func Count(dirs []string) (Counts, error) {
	type versions map[int]bool
	apis := map[int]versions{}
	headers, data := map[string]versions{}, map[string]versions{}
	for i, dir := range dirs {
		paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil || len(paths) == 0 {
			return Counts{}, fmt.Errorf("no specs in %s (%v)", dir, err)
		}
		for _, p := range paths {
			src, err := os.ReadFile(p)
			if err != nil {
				return Counts{}, err
			}
			text := string(src)
			kind := submatch(typePattern, text)
			lo, hi, ok := parseRange(submatch(validPattern, text))
			if !ok {
				return Counts{}, fmt.Errorf("%s: no readable validVersions", p)
			}
			if unstablePattern.MatchString(text) && i < len(dirs)-1 {
				hi-- // an older release's unstable latest version is left out
			}
			var set versions
			switch kind {
			case "request":
				key, _ := strconv.Atoi(submatch(apiKeyPattern, text))
				if apis[key] == nil {
					apis[key] = versions{}
				}
				set = apis[key]
			case "header", "data":
				m := map[string]map[string]versions{"header": headers, "data": data}[kind]
				name := submatch(namePattern, text)
				if m[name] == nil {
					m[name] = versions{}
				}
				set = m[name]
			default:
				continue
			}
			for v := lo; v <= hi; v++ {
				set[v] = true
			}
		}
	}
	var c Counts
	for _, s := range apis {
		if len(s) > 0 {
			c.APIs++
			c.RequestVersions += len(s)
		}
	}
	for _, s := range headers {
		c.Headers++
		c.HeaderVersions += len(s)
	}
	for _, s := range data {
		c.DataSchemas++
		c.DataVersions += len(s)
	}
	return c, nil
}

func submatch(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// parseRange reads "none", "3", "0-5" (validVersions are never open-ended).
func parseRange(s string) (lo, hi int, ok bool) {
	if s == "none" {
		return 0, -1, true
	}
	a, b, two := strings.Cut(s, "-")
	lo, err := strconv.Atoi(a)
	if err != nil {
		return 0, 0, false
	}
	if !two {
		return lo, lo, true
	}
	hi, err = strconv.Atoi(b)
	return lo, hi, err == nil
}
