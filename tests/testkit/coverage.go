package testkit

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/kio-go/kafka-protocol/kio/schema"
)

// Coverage records the API key/version pairs that completed a round trip, per listener
// (by key: schema.Lookup returns a copy of an API each time, so pointers cannot be keys).
// The zero value is ready to use; it is safe for concurrent use.
type Coverage struct {
	mu   sync.Mutex
	seen map[string]map[int16]map[int16]bool // listener -> key -> version
}

// Add records that key at version completed on listener.
func (c *Coverage) Add(listener string, key, version int16) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]map[int16]map[int16]bool{}
	}
	if c.seen[listener] == nil {
		c.seen[listener] = map[int16]map[int16]bool{}
	}
	if c.seen[listener][key] == nil {
		c.seen[listener][key] = map[int16]bool{}
	}
	c.seen[listener][key][version] = true
}

// Has reports whether key at version completed on listener.
func (c *Coverage) Has(listener string, key, version int16) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[listener][key][version]
}

// Totals returns the distinct API keys and key/version pairs over every listener.
func (c *Coverage) Totals() (keys, pairs int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	all := c.merged()
	for _, vs := range all {
		pairs += len(vs)
	}
	return len(all), pairs
}

// Summary counts and lists the pairs over every listener: "N API/version pairs over
// M APIs: Produce(0) v3-v11; ...".
func (c *Coverage) Summary() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	all := c.merged()
	pairs := 0
	for _, vs := range all {
		pairs += len(vs)
	}
	return fmt.Sprintf("%d API/version pairs over %d APIs: %s", pairs, len(all), describe(all))
}

// Describe lists one listener's pairs: "Produce(0) v3-v11; ...".
func (c *Coverage) Describe(listener string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return describe(c.seen[listener])
}

// merged is every listener's pairs in one map; c.mu is held.
func (c *Coverage) merged() map[int16]map[int16]bool {
	all := map[int16]map[int16]bool{}
	for _, byKey := range c.seen {
		for k, vs := range byKey {
			if all[k] == nil {
				all[k] = map[int16]bool{}
			}
			for v := range vs {
				all[k][v] = true
			}
		}
	}
	return all
}

// describe lists pairs by key, a version range where they are contiguous.
func describe(byKey map[int16]map[int16]bool) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		vs := slices.Sorted(maps.Keys(byKey[k]))
		label := fmt.Sprintf("v%d", vs[0])
		if len(vs) > 1 {
			label += fmt.Sprintf("-v%d", vs[len(vs)-1])
			if int(vs[len(vs)-1]-vs[0])+1 != len(vs) {
				label = fmt.Sprint(vs)
			}
		}
		name := fmt.Sprint(k)
		if api, ok := schema.Lookup(k); ok {
			name = api.String()
		}
		parts = append(parts, name+" "+label)
	}
	return strings.Join(parts, "; ")
}
