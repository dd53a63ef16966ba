package javaoracle_test

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/kio/tags"
	"github.com/kio-go/kafka-protocol/tests/javaoracle"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// The Java oracle: Apache Kafka's own generated message classes (kafka-clients, at
// each pinned release) must read every byte string kio writes and write it back byte
// for byte, and kio must do the same with values Java generates and writes. Only what
// both define is compared; versions Java has and kio lacks (Kafka 4's) are listed as
// skipped, and become compared as soon as kio/schema defines them, since the loops run
// over kio's index and Java's ApiMessageType.

// Values per message version and direction; KIO_JAVA_CASES multiplies both for long runs.
const (
	kioToJavaCases = 200
	javaToKioCases = 50
)

// casesScale returns KIO_JAVA_CASES (a positive integer) or 1.
func casesScale() int { return kafkadist.CountFromEnv("KIO_JAVA_CASES", 1) }

// Direction says which side wrote the bytes the other read.
type direction string

const (
	kioToJava direction = "kio->java" // kio encoded, Java read and rewrote
	javaToKio direction = "java->kio" // Java generated and wrote, kio decoded and re-encoded
)

// difference is one kind of disagreement: the message (spec name), the direction and
// the symptom: "Java refuses", "Java leaves bytes unread", "Java rewrites different
// bytes", "kio refuses", "kio cannot re-encode", "kio rewrites different bytes". The
// details (bytes, errors) go to the failure message.
type difference struct {
	Message   string
	Direction direction
	Symptom   string
}

// knownDifference is an entry of knownDifferences: where it occurs and why.
type knownDifference struct {
	Releases []string   // Kafka releases where it occurs
	Versions tags.Range // message versions where it occurs
	Reason   string
}

// knownDifferences lists every difference the oracle is expected to find, with the
// spec line or Java behaviour that explains it. The test fails on a difference not
// listed here and, in a default run, on an entry that does not occur at each of its
// versions and releases.
var knownDifferences = map[difference]knownDifference{}

// observation is what the oracle saw of one difference.
type observation struct {
	count   int
	example string
}

type oracle struct {
	mu       sync.Mutex
	observed map[difference]map[string]map[int16]*observation // difference -> release -> version
	counts   map[string]*counts                               // by release
}

type counts struct {
	versions, headers, data int // message versions compared
	kioToJava, javaToKio    int // values compared each way
	records                 [2]int
	javaReached             javaoracle.Reached // what Java's generated values held
}

func (o *oracle) note(d difference, release string, version int16, example string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	byRelease := o.observed[d]
	if byRelease == nil {
		byRelease = map[string]map[int16]*observation{}
		o.observed[d] = byRelease
	}
	byVersion := byRelease[release]
	if byVersion == nil {
		byVersion = map[int16]*observation{}
		byRelease[release] = byVersion
	}
	obs := byVersion[version]
	if obs == nil {
		obs = &observation{example: example}
		byVersion[version] = obs
	}
	obs.count++
}

// target is one message version to compare against one Java release.
type target struct {
	kind    javaoracle.Kind
	key     int16
	name    string // spec name, the Java class name for data schemas
	typ     reflect.Type
	version int16
}

func TestJavaOracle(t *testing.T) {
	start := time.Now()
	jvms := make([]*javaoracle.JVM, len(kafkadist.Releases))
	var wg sync.WaitGroup
	for i, v := range kafkadist.Releases {
		// Maven builds are serialised by kafkadist; the JVMs start in parallel.
		jvms[i] = javaoracle.Start(t, v)
	}
	o := &oracle{observed: map[difference]map[string]map[int16]*observation{}, counts: map[string]*counts{}}
	compared := map[string]bool{} // kio message versions compared with at least one release
	var skipped []string
	for _, j := range jvms {
		targets, skip := targetsFor(j)
		skipped = append(skipped, skip...)
		c := &counts{}
		o.counts[j.Version] = c
		for _, tg := range targets {
			switch tg.kind {
			case javaoracle.Request, javaoracle.Response:
				c.versions++
				compared[fmt.Sprintf("%s v%d", tg.name, tg.version)] = true
			case javaoracle.Header:
				c.headers++
			default:
				c.data++
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.run(t, j, targets)
			o.checkRecords(t, j)
		}()
	}
	wg.Wait()

	// Every request and response version kio defines is compared with some release.
	for _, api := range schema.APIs() {
		for v := api.Versions.Lo; v <= api.Versions.Hi; v++ {
			for _, typ := range []reflect.Type{api.Request, api.Response} {
				if !compared[fmt.Sprintf("%s v%d", typ.Name(), v)] {
					t.Errorf("%s v%d is compared with no Java release", typ.Name(), v)
				}
			}
		}
	}
	o.report(t, casesScale() == 1)

	releases := strings.Join(kafkadist.Releases, " and ")
	line := fmt.Sprintf("java oracle: compared %d request and response versions with kafka-clients %s", len(compared), releases)
	var detail []string
	for _, j := range jvms {
		c := o.counts[j.Version]
		detail = append(detail, fmt.Sprintf("%s: %d request/response, %d header, %d data-schema versions; %d values kio->java, %d java->kio "+
			"(holding %d nulls, %d tagged fields set, %d unknown tags); records: %d Java-built batch runs read by kio, %d kio-built read by Java",
			j.Version, c.versions, c.headers, c.data, c.kioToJava, c.javaToKio,
			c.javaReached.Nulls, c.javaReached.Tagged, c.javaReached.UnknownTags, c.records[0], c.records[1]))
		if c.javaReached.Nulls == 0 || c.javaReached.Tagged == 0 || c.javaReached.UnknownTags == 0 {
			t.Errorf("%s: Java's generator reached %+v: nulls, tagged fields and unknown tags must all occur", j.Version, c.javaReached)
		}
	}
	line += " (" + strings.Join(detail, "; ") + ")"
	line += fmt.Sprintf("; %d known differences listed, %d kinds seen; skipped (kio lacks): %s; %v",
		len(knownDifferences), len(o.observed), strings.Join(skipped, ", "), time.Since(start).Round(time.Millisecond))
	kafkadist.Report(t, line)
}

// targetsFor lists what kio and release j both define, and what only j defines.
func targetsFor(j *javaoracle.JVM) (targets []target, skipped []string) {
	for _, api := range schema.APIs() {
		jr, ok := j.Info.APIs[api.Key]
		if !ok {
			continue
		}
		for v := max(api.Versions.Lo, jr.Lo); v <= min(api.Versions.Hi, jr.Hi); v++ {
			if newer, ok := redefinedUnstable(api, j.Version, v); ok {
				// Not a wire contract: kio holds the newer release's layout, as the
				// generator's merge rule says, so the old release's cannot agree.
				skipped = append(skipped, fmt.Sprintf("%s v%d (%s marks it unstable; kio holds %s's redefinition)", api.Name, v, j.Version, newer))
				continue
			}
			targets = append(targets,
				target{javaoracle.Request, api.Key, api.Request.Name(), api.Request, v},
				target{javaoracle.Response, api.Key, api.Response.Name(), api.Response, v})
		}
	}
	keys := make([]int, 0, len(j.Info.APIs))
	for k := range j.Info.APIs {
		keys = append(keys, int(k))
	}
	sort.Ints(keys)
	for _, k := range keys {
		jr := j.Info.APIs[int16(k)]
		api, ok := schema.Lookup(int16(k))
		if !ok {
			skipped = append(skipped, fmt.Sprintf("API %d v%d-%d (%s)", k, jr.Lo, jr.Hi, j.Version))
			continue
		}
		if jr.Lo < api.Versions.Lo {
			skipped = append(skipped, fmt.Sprintf("%s v%d-%d (%s: unstable there, dropped by a newer release)", api.Name, jr.Lo, api.Versions.Lo-1, j.Version))
		}
		if jr.Hi > api.Versions.Hi {
			skipped = append(skipped, fmt.Sprintf("%s v%d-%d (%s)", api.Name, api.Versions.Hi+1, jr.Hi, j.Version))
		}
	}
	for _, m := range schema.Messages() {
		switch m.Kind {
		case tags.Header:
			jr := j.Info.Headers[m.Name]
			for v := max(m.Versions.Lo, jr.Lo); v <= min(m.Versions.Hi, jr.Hi); v++ {
				targets = append(targets, target{javaoracle.Header, -1, m.Name, m.Type, v})
			}
		case tags.Data:
			jr, ok := j.Info.Data[m.Name]
			if !ok {
				continue
			}
			for v := max(m.Versions.Lo, jr.Lo); v <= min(m.Versions.Hi, jr.Hi); v++ {
				targets = append(targets, target{javaoracle.Data, -1, m.Name, m.Type, v})
			}
		}
	}
	names := make([]string, 0, len(j.Info.Data))
	for n := range j.Info.Data {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		jr := j.Info.Data[n]
		m, ok := schema.LookupMessage(n)
		switch {
		case !ok:
			skipped = append(skipped, fmt.Sprintf("data %s v%d-%d (%s)", n, jr.Lo, jr.Hi, j.Version))
		case jr.Hi > m.Versions.Hi:
			skipped = append(skipped, fmt.Sprintf("data %s v%d-%d (%s)", n, m.Versions.Hi+1, jr.Hi, j.Version))
		}
	}
	return targets, skipped
}

// run compares every target with release j, both ways.
func (o *oracle) run(t *testing.T, j *javaoracle.JVM, targets []target) {
	scale := casesScale()
	values := newKioValues()
	c := o.counts[j.Version]
	for i, tg := range targets {
		seed := int64(i)*7919 + 1
		r := rand.New(rand.NewSource(seed))
		// kio -> Java.
		inputs, err := values.encode(tg.typ, tg.version, kioToJavaCases*scale, r)
		if err != nil {
			t.Errorf("%s v%d: kio generator: %v", tg.name, tg.version, err)
			continue
		}
		results, err := j.Parse(tg.kind, tg.key, tg.name, tg.version, inputs)
		if err != nil {
			t.Fatalf("%s v%d: %v", tg.name, tg.version, err)
		}
		for k, res := range results {
			c.kioToJava++
			var symptom string
			switch {
			case res.Err != "":
				symptom = "Java refuses"
			case res.WriteErr != "":
				symptom = "Java cannot write back what it read"
			case res.Trailing != 0:
				symptom = "Java leaves bytes unread"
			case !bytes.Equal(res.Rewritten, inputs[k]):
				symptom = "Java rewrites different bytes"
			default:
				continue
			}
			o.note(difference{tg.name, kioToJava, symptom}, j.Version, tg.version,
				fmt.Sprintf("kio wrote %x; Java: %s%s %x", inputs[k], res.Err, res.WriteErr, res.Rewritten))
		}
		// Java -> kio.
		generated, reached, err := j.Generate(tg.kind, tg.key, tg.name, tg.version, javaToKioCases*scale, seed)
		c.javaReached.Nulls += reached.Nulls
		c.javaReached.Tagged += reached.Tagged
		c.javaReached.UnknownTags += reached.UnknownTags
		if err != nil {
			t.Errorf("%s v%d: Java %s generator: %v", tg.name, tg.version, j.Version, err)
			continue
		}
		for _, in := range generated {
			c.javaToKio++
			v := reflect.New(tg.typ).Interface()
			var symptom, detail string
			if err := serial.Unmarshal(in, v, tg.version); err != nil {
				symptom, detail = "kio refuses", err.Error()
			} else if out, err := serial.Marshal(v, tg.version); err != nil {
				symptom, detail = "kio cannot re-encode", err.Error()
			} else if !bytes.Equal(out, in) {
				symptom, detail = "kio rewrites different bytes", fmt.Sprintf("%x", out)
			} else {
				continue
			}
			o.note(difference{tg.name, javaToKio, symptom}, j.Version, tg.version, fmt.Sprintf("Java wrote %x; kio: %s", in, detail))
		}
	}
	if missing := values.missing(); len(missing) > 0 && scale == 1 {
		t.Errorf("%s: kio's generator never reached: %v", j.Version, missing)
	}
}

// report fails the test on differences not in knownDifferences and, when complete is
// true, on entries that did not occur at each of their releases and versions.
func (o *oracle) report(t *testing.T, complete bool) {
	byText := func(a, b difference) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) }
	for _, d := range slices.SortedFunc(maps.Keys(o.observed), byText) {
		known, ok := knownDifferences[d]
		for release, byVersion := range o.observed[d] {
			for v, obs := range byVersion {
				if !ok || !slices.Contains(known.Releases, release) || !known.Versions.Contains(v) {
					t.Errorf("unlisted difference %+v with %s at v%d (%d times), e.g. %s", d, release, v, obs.count, obs.example)
				}
			}
		}
		if ok {
			t.Logf("known difference %+v: %s", d, known.Reason)
		}
	}
	if !complete {
		return
	}
	for d, known := range knownDifferences {
		for _, release := range known.Releases {
			for v := known.Versions.Lo; v <= known.Versions.Hi; v++ {
				if o.observed[d][release][v] == nil {
					t.Errorf("known difference %+v did not occur with %s at v%d: remove or narrow the entry", d, release, v)
				}
			}
		}
	}
}

// redefinedUnstable reports whether version v of api is one that the index release
// matching Java release javaRelease ("3.9" for "3.9.2") marks unstable while a newer
// merged release defines it too, and returns that newer release.
func redefinedUnstable(api *schema.API, javaRelease string, v int16) (string, bool) {
	rels := api.Releases()
	for i, r := range rels {
		if r.Release != javaRelease && !strings.HasPrefix(javaRelease, r.Release+".") {
			continue
		}
		if !r.Unstable.Contains(v) {
			return "", false
		}
		for _, newer := range rels[i+1:] {
			if newer.Versions.Contains(v) {
				return newer.Release, true
			}
		}
	}
	return "", false
}
