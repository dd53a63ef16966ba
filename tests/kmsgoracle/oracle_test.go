package kmsgoracle

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/requestheader"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/kio/tags"
	"github.com/kio-go/kafka-protocol/tests/kafkadist"
)

// The kmsg oracle: franz-go's kmsg (v1.15.0) is an independent implementation of the
// same messages, generated from its own reading of Kafka's specs. kmsg must read every
// byte string kio writes and write it back byte for byte, and kio must do the same with
// the bytes kmsg writes. Each side re-encodes what it decoded, so a field one side
// drops, misreads or rewrites shows up as a byte difference, which the test attributes
// to a kio field (oracle_kmsg_locate_test.go) and looks up in knownDifferences.
//
// Only the intersection is compared: kio's schema merges Kafka 3.9 and 4.4.0, kmsg follows
// its own reading of recent Kafka; versions only one side has are counted and named in the
// report line, and an API kio defines and kmsg lacks fails the test.

// kmsgOracleCases is the number of generated values checked per API version and side
// (request, response); KIO_PROP_CASES raises it for long runs.
const kmsgOracleCases = 200

// kmsgHeaderCases is the number of generated request headers checked per request version.
const kmsgHeaderCases = 10

// kmsgDirection says which side wrote the bytes the other side read.
type kmsgDirection string

const (
	// kioToKmsg: a generated value encoded by kio, decoded and re-encoded by kmsg.
	kioToKmsg kmsgDirection = "kio->kmsg"
	// kmsgToKio: a kmsg Default() value (see checkDefaults) encoded by kmsg, decoded and
	// re-encoded by kio.
	kmsgToKio kmsgDirection = "kmsg->kio"
	// defaultsAgree: kio's spec defaults (serial.SetDefaults, in the shape of the kmsg
	// value) encoded by kio, against kmsg's Default() value encoded by kmsg.
	defaultsAgree kmsgDirection = "defaults"
	// headerKioToKmsg: a generated RequestHeader encoded by kio, against the frame kmsg's
	// RequestFormatter writes for the same key, version, correlation id and client id.
	headerKioToKmsg kmsgDirection = "header"
)

// kmsgDifference names one difference between kio and kmsg: the API key, whether it is
// in the request or the response, the direction, and the field where the two differ:
// a kio field path with indices written as [] ("Topics[].Partitions[].Name"), unknown
// tags by id ("UnknownTags(tag 0)"), or, where one side cannot read the other's bytes
// at all, the innermost element that still makes it fail (see failingElement).
type kmsgDifference struct {
	Key       int16
	Response  bool
	Direction kmsgDirection
	Field     string
}

func (d kmsgDifference) String() string {
	kind := "request"
	if d.Response {
		kind = "response"
	}
	return fmt.Sprintf("%s(%d) %s %s field %q", kmsg.NameForKey(d.Key), d.Key, kind, d.Direction, d.Field)
}

// knownDifference is an entry of knownDifferences: the versions where the difference
// occurs and why it is a kmsg quirk, citing the specs of Kafka 3.9 or 4.4.0 (the release
// that decides the version in kio's merged schema).
type knownDifference struct {
	Versions tags.Range
	Reason   string
}

// knownDifferences lists every difference the oracle is expected to find, each a kmsg
// quirk shown by a line of Kafka's specs (../shared/kafka-schemas/3.9, or 4.4.0's for
// the versions 4.x decides). The test
// fails on a difference not listed here and, in a default run, on an entry that does
// not occur at each of its versions, so the table cannot go stale. Differences that are
// kio bugs do not belong here: they fail the test until kio is fixed.
var knownDifferences = map[kmsgDifference]knownDifference{
	// Wire layout.
	{5, false, kioToKmsg, "ControllerEpoch"}: {tags.Range{Lo: 4, Hi: 4},
		"kmsg puts IsKRaftController after ControllerEpoch; StopReplicaRequest.json lists " +
			`{ "name": "isKRaftController", "type": "bool", "versions": "4+", ... } between ControllerId and ` +
			`ControllerEpoch, so kmsg reads kio's bool as the first byte of the epoch`},
	{78, true, kmsgToKio, "Topics[].Partitions[] (kio Unmarshal fails)"}: {tags.Range{Lo: 1, Hi: 2},
		"kmsg's Default() partition writes Records as null (length -1) at v1-2; Kafka 4.4.0's ShareFetchResponse.json: " +
			`{ "name": "Records", "type": "records", "versions": "0+", "nullableVersions": "0", ... }: null only at v0, ` +
			"which 4.x dropped, so kio (as Kafka's Java reader) refuses a null there"},
	{7, false, headerKioToKmsg, "(size prefix)"}: {tags.Range{Lo: 0, Hi: 0},
		"kmsg's RequestFormatter.AppendRequest returns right after the correlation id for ControlledShutdown v0, " +
			"leaving the 4-byte size 0 and writing no body; the header bytes themselves agree (RequestHeader.json: " +
			`"Version 0 of the RequestHeader is only used by v0 of ControlledShutdownRequest"), but the body ` +
			`ControlledShutdownRequest.json defines for v0 ({ "name": "BrokerId", "type": "int32", "versions": "0+" }) is missing`},

	// Tagged fields written at versions before the field exists. kio ignores fields
	// absent at the version; kmsg writes a non-empty tagged field whatever the version.
	// kio reads such a tag back as an unknown tag and rewrites it unchanged.
	{1, true, defaultsAgree, "UnknownTags(tag 0)"}: {tags.Range{Lo: 12, Hi: 15},
		"kmsg writes its Brokers (NodeEndpoints, tag 0) below v16; FetchResponse.json: " +
			`{ "name": "NodeEndpoints", ..., "versions": "16+", "taggedVersions": "16+", "tag": 0 }`},
	{0, true, defaultsAgree, "UnknownTags(tag 0)"}: {tags.Range{Lo: 9, Hi: 9},
		"kmsg writes its Brokers (NodeEndpoints, tag 0) at v9; ProduceResponse.json: " +
			`{ "name": "NodeEndpoints", ..., "versions": "10+", "taggedVersions": "10+", "tag": 0 }`},
	{59, true, defaultsAgree, "UnknownTags(tag 0)"}: {tags.Range{Lo: 0, Hi: 0},
		"kmsg writes its NodeEndpoints (tag 0) at v0; FetchSnapshotResponse.json: " +
			`{ "name": "NodeEndpoints", ..., "versions": "1+", "taggedVersions": "1+", "tag": 0 }`},
	{52, true, defaultsAgree, "UnknownTags(tag 0)"}: {tags.Range{Lo: 0, Hi: 0},
		"kmsg writes its NodeEndpoints (tag 0) at v0; VoteResponse.json: " +
			`{ "name": "NodeEndpoints", ..., "versions": "1+", "taggedVersions": "1+", "tag": 0 }`},

	// Defaults. SCHEMA-FORMAT.md: "Integer fields default to 0", "Booleans default to
	// false", unless the field has a "default" entry, which then overrides it.
	{0, false, defaultsAgree, "TimeoutMs"}: {tags.Range{Lo: 0, Hi: 13},
		"kmsg's Default() sets TimeoutMillis to 15000; ProduceRequest.json gives TimeoutMs no default " +
			`({ "name": "TimeoutMs", "type": "int32", "versions": "0+", ... }), so it is 0`},
	{20, false, defaultsAgree, "TimeoutMs"}: {tags.Range{Lo: 0, Hi: 6},
		"kmsg's Default() sets TimeoutMillis to 15000; DeleteTopicsRequest.json gives TimeoutMs no default, so it is 0"},
	{21, false, defaultsAgree, "TimeoutMs"}: {tags.Range{Lo: 0, Hi: 2},
		"kmsg's Default() sets TimeoutMillis to 15000; DeleteRecordsRequest.json gives TimeoutMs no default, so it is 0"},
	{37, false, defaultsAgree, "TimeoutMs"}: {tags.Range{Lo: 0, Hi: 3},
		"kmsg's Default() sets TimeoutMillis to 15000; CreatePartitionsRequest.json gives TimeoutMs no default, so it is 0"},
	{80, false, defaultsAgree, "TimeoutMs"}: {tags.Range{Lo: 0, Hi: 1},
		"kmsg's Default() sets TimeoutMillis to 15000; AddRaftVoterRequest.json: " +
			`{ "name": "TimeoutMs", "type": "int32", "versions": "0+" }, no default, so it is 0`},
	{2, false, defaultsAgree, "ReplicaId"}: {tags.Range{Lo: 0, Hi: 11},
		"kmsg's Default() sets ReplicaID to -1 (a consumer's value); ListOffsetsRequest.json gives ReplicaId no " +
			`default ({ "name": "ReplicaId", "type": "int32", "versions": "0+", "entityType": "brokerId", ... }), so it is 0 ` +
			"(from v10 kmsg also sets TimeoutMillis to 30000, where 4.4.0's spec gives TimeoutMs, versions 10+, no default)"},
	{3, false, defaultsAgree, "AllowAutoTopicCreation"}: {tags.Range{Lo: 4, Hi: 13},
		"kmsg's Default() leaves AllowAutoTopicCreation false; MetadataRequest.json: " +
			`{ "name": "AllowAutoTopicCreation", "type": "bool", "versions": "4+", "default": "true", ... }`},
	{57, false, defaultsAgree, "FeatureUpdates[].UpgradeType"}: {tags.Range{Lo: 1, Hi: 2},
		"kmsg's Default() leaves UpgradeType 0; UpdateFeaturesRequest.json: " +
			`{"name": "UpgradeType", "type": "int8", "versions": "1+", "default": 1, ... }`},
}

// kmsgObservation is what the oracle saw of one difference at one version.
type kmsgObservation struct {
	count   int
	example string
}

// kmsgOracle collects the differences found by the parallel subtests.
type kmsgOracle struct {
	mu       sync.Mutex
	observed map[kmsgDifference]map[int16]*kmsgObservation
}

// note records one occurrence of d at version; example describes the first.
func (o *kmsgOracle) note(d kmsgDifference, version int16, example func() string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	byVersion := o.observed[d]
	if byVersion == nil {
		byVersion = map[int16]*kmsgObservation{}
		o.observed[d] = byVersion
	}
	obs := byVersion[version]
	if obs == nil {
		obs = &kmsgObservation{example: example()}
		byVersion[version] = obs
	}
	obs.count++
}

// TestKmsgOracle compares kio with kmsg on every API version both define, both ways,
// and request headers through kmsg's RequestFormatter.
func TestKmsgOracle(t *testing.T) {
	start := time.Now()
	o := &kmsgOracle{observed: map[kmsgDifference]map[int16]*kmsgObservation{}}
	cases := kiotest.Cases(kmsgOracleCases)
	cov := kiotest.NewCoverage()

	var compared, headers, skipped int
	var kioOnly, kmsgOnly, kmsgNewer, kioNewer []string
	for _, api := range schema.APIs() {
		req, resp := kmsg.RequestForKey(api.Key), kmsg.ResponseForKey(api.Key)
		if req == nil || resp == nil {
			kioOnly = append(kioOnly, api.String())
			continue
		}
		if req.MaxVersion() != resp.MaxVersion() {
			t.Errorf("%v: kmsg request max version %d, response %d", api, req.MaxVersion(), resp.MaxVersion())
		}
		// kmsg has no minimum version: it takes every version from 0 to its maximum.
		both := api.Versions.Intersect(tags.Range{Lo: 0, Hi: req.MaxVersion()})
		compared += 2 * int(both.Hi-both.Lo+1)
		headers += int(both.Hi - both.Lo + 1)
		if extra := int(req.MaxVersion() - api.Versions.Hi); extra > 0 {
			skipped += 2 * extra
			kmsgNewer = append(kmsgNewer, fmt.Sprintf("%s v%d-%d", api.Name, api.Versions.Hi+1, req.MaxVersion()))
		}
		if api.Versions.Hi > req.MaxVersion() {
			kioNewer = append(kioNewer, fmt.Sprintf("%s v%d-%d", api.Name, req.MaxVersion()+1, api.Versions.Hi))
		}
	}
	if len(kioOnly) > 0 {
		t.Errorf("APIs kio defines and kmsg does not (not compared): %v", kioOnly)
	}
	for key := int16(0); key < 1024; key++ {
		if req := kmsg.RequestForKey(key); req != nil {
			if _, ok := schema.Lookup(key); !ok {
				skipped += 2 * int(req.MaxVersion()+1)
				kmsgOnly = append(kmsgOnly, fmt.Sprintf("%s(%d) v0-%d", kmsg.NameForKey(key), key, req.MaxVersion()))
			}
		}
	}

	t.Run("apis", func(t *testing.T) {
		for _, api := range schema.APIs() {
			if kmsg.RequestForKey(api.Key) == nil {
				continue
			}
			t.Run(api.Name, func(t *testing.T) {
				t.Parallel()
				o.checkAPI(t, cov, api, cases)
			})
		}
	})

	o.report(t, cases >= kmsgOracleCases)
	for _, f := range cov.Missing() {
		t.Errorf("never sent to kmsg in state %v: %v", f.Missing(), f)
	}
	line := fmt.Sprintf("kmsg oracle: compared %d API versions (request+response) at %d generated values + 2 kmsg Default() values each, "+
		"%d request header versions at %d values; %d known kmsg differences listed, %d kinds seen; "+
		"skipped %d versions kio's schema lacks (newer in kmsg: %s; kmsg-only APIs: %s) and the kio versions kmsg lacks (%s); "+
		"response headers not compared (kmsg has no response header); seed %d, %v",
		compared, cases, headers, kmsgHeaderCases, len(knownDifferences), len(o.observed),
		skipped, strings.Join(kmsgNewer, ", "), strings.Join(kmsgOnly, ", "), strings.Join(kioNewer, ", "),
		kiotest.Seed(), time.Since(start).Round(time.Millisecond))
	nullDefaults := 0
	kmsgNullDefaults.Range(func(_, _ any) bool { nullDefaults++; return true })
	line += fmt.Sprintf("; plus one rule: kmsg Default() is null where the spec implies empty, in %d fields", nullDefaults)
	if nullDefaults == 0 {
		t.Error("the null-default rule matched no field: remove it from kioDefaultsShapedLike")
	}
	kafkadist.Report(t, line)
	kafkadist.Report(t, "kmsg oracle generator coverage: "+cov.Summary())
}

// checkAPI runs every comparison on the versions of api that kmsg also defines.
func (o *kmsgOracle) checkAPI(t *testing.T, cov *kiotest.Coverage, api *schema.API, cases int) {
	maxVersion := kmsg.RequestForKey(api.Key).MaxVersion()
	for v := api.Versions.Lo; v <= api.Versions.Hi && v <= maxVersion; v++ {
		for _, response := range []bool{false, true} {
			typ := api.Request
			if response {
				typ = api.Response
			}
			m := newKmsgMessage(api.Key, response)
			m.SetVersion(v)
			if m.IsFlexible() != api.Flexible.Contains(v) {
				t.Errorf("%v v%d: kmsg flexible %v, kio flexible versions %v", api, v, m.IsFlexible(), api.Flexible)
			}
			o.checkGenerated(t, cov, api, typ, response, v, cases)
			o.checkDefaults(t, api, typ, response, v)
		}
		o.checkRequestHeader(t, api, v)
	}
}

// kmsgMessage is what kmsg's requests and responses have in common.
type kmsgMessage interface {
	SetVersion(int16)
	IsFlexible() bool
	AppendTo([]byte) []byte
	ReadFrom([]byte) error
}

// newKmsgMessage returns kmsg's request or response for key, with kmsg's defaults.
func newKmsgMessage(key int16, response bool) kmsgMessage {
	if response {
		return kmsg.ResponseForKey(key)
	}
	return kmsg.RequestForKey(key)
}

// versionSeed derives a per-version seed from the suite seed, so versions checked in
// parallel draw the same values whatever the order.
func versionSeed(key int16, response bool, version int16) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "kmsg/%d/%v/%d", key, response, version)
	return kiotest.Seed() ^ int64(h.Sum64())
}

// checkGenerated encodes generated values with kio and requires kmsg to read them and
// write the same bytes back.
func (o *kmsgOracle) checkGenerated(t *testing.T, cov *kiotest.Coverage, api *schema.API, typ reflect.Type, response bool, v int16, cases int) {
	g, err := kiotest.NewGen(typ, v, kiotest.WithCoverage(cov))
	if err != nil {
		t.Fatalf("%v v%d: generator: %v", typ, v, err)
	}
	r := rand.New(rand.NewSource(versionSeed(api.Key, response, v)))
	for range cases {
		value := kiotest.Sample(g, r)
		kioBytes, err := serial.Marshal(value, v)
		if err != nil {
			t.Errorf("%v v%d: kio Marshal of a generated value: %v\nvalue: %+v", typ, v, err, value)
			continue
		}
		m := newKmsgMessage(api.Key, response)
		m.SetVersion(v)
		readErr := m.ReadFrom(kioBytes)
		kmsgBytes := m.AppendTo(nil) // kmsg ignores trailing bytes: compare whole strings
		if readErr == nil && bytes.Equal(kioBytes, kmsgBytes) {
			continue
		}
		example := fmt.Sprintf("value: %+v\nkio  bytes: %s\nkmsg bytes: %s", value, hex.EncodeToString(kioBytes), hex.EncodeToString(kmsgBytes))
		var field string
		if readErr == nil {
			field = firstDifferingField(typ, v, kioBytes, kmsgBytes)
		} else {
			example += fmt.Sprintf("\nkmsg ReadFrom: %v", readErr)
			root := reflect.New(typ)
			root.Elem().Set(reflect.ValueOf(value))
			field = failingElement(root, func() bool {
				b, err := serial.Marshal(root.Interface(), v)
				if err != nil {
					return false // the cut made the value invalid for kio: keep that part
				}
				m := newKmsgMessage(api.Key, response)
				m.SetVersion(v)
				return m.ReadFrom(b) != nil
			}) + " (kmsg ReadFrom fails)"
		}
		o.note(kmsgDifference{api.Key, response, kioToKmsg, field}, v, func() string { return example })
	}
}

// checkDefaults requires kio to read the bytes kmsg writes for its Default() values and
// write them back, and kio's own spec defaults, in the same shape, to encode to the same
// bytes. It does so with the message's Default() as it is (arrays empty, nullable
// structs null) and with a tree holding a Default() element in every array of structs
// and a Default() struct behind every struct pointer, so nested defaults are compared.
func (o *kmsgOracle) checkDefaults(t *testing.T, api *schema.API, typ reflect.Type, response bool, v int16) {
	for _, tree := range []bool{false, true} {
		m := newKmsgMessage(api.Key, response)
		if tree {
			fillKmsgDefaults(reflect.ValueOf(m).Elem(), 0)
		}
		m.SetVersion(v)
		o.checkKmsgBytes(t, api, typ, response, v, m)
	}
}

// checkKmsgBytes runs checkDefaults' comparisons on one kmsg value m.
func (o *kmsgOracle) checkKmsgBytes(t *testing.T, api *schema.API, typ reflect.Type, response bool, v int16, m kmsgMessage) {
	kmsgBytes := m.AppendTo(nil)
	decoded := reflect.New(typ)
	if err := serial.Unmarshal(kmsgBytes, decoded.Interface(), v); err != nil {
		// Cut kmsg's value down to the element kio cannot read; the names are kmsg's.
		root := reflect.ValueOf(m)
		field := failingElement(root, func() bool {
			return serial.Unmarshal(m.AppendTo(nil), reflect.New(typ).Interface(), v) != nil
		}) + " (kio Unmarshal fails)"
		o.note(kmsgDifference{api.Key, response, kmsgToKio, field}, v, func() string {
			return fmt.Sprintf("kio Unmarshal: %v\nkmsg bytes: %s", err, hex.EncodeToString(kmsgBytes))
		})
		return // without kmsg's shape, kio's defaults cannot be compared
	}
	if again, err := serial.Marshal(decoded.Interface(), v); err != nil || !bytes.Equal(again, kmsgBytes) {
		var field string
		if err != nil {
			field = errorField(err) + " (kio Marshal fails)"
		} else {
			field = firstDifferingField(typ, v, kmsgBytes, again)
		}
		o.note(kmsgDifference{api.Key, response, kmsgToKio, field}, v, func() string {
			return fmt.Sprintf("kmsg bytes: %s\nkio  bytes: %s (Marshal error: %v)", hex.EncodeToString(kmsgBytes), hex.EncodeToString(again), err)
		})
	}

	defaults, err := kioDefaultsShapedLike(decoded.Elem())
	if err != nil {
		t.Errorf("%v: SetDefaults: %v", typ, err)
		return
	}
	kioBytes, err := serial.Marshal(defaults.Addr().Interface(), v)
	if err == nil && bytes.Equal(kioBytes, kmsgBytes) {
		return
	}
	var field string
	if err != nil {
		field = errorField(err) + " (kio Marshal fails)"
	} else {
		field = firstDifferingField(typ, v, kioBytes, kmsgBytes)
	}
	o.note(kmsgDifference{api.Key, response, defaultsAgree, field}, v, func() string {
		return fmt.Sprintf("kio  bytes: %s (Marshal error: %v)\nkmsg bytes: %s", hex.EncodeToString(kioBytes), err, hex.EncodeToString(kmsgBytes))
	})
}

// headerRequest wraps a kmsg request so that kmsg's RequestFormatter writes its frame
// around an empty body: only Key, GetVersion and IsFlexible matter to the header.
type headerRequest struct {
	kmsg.Request
}

func (headerRequest) AppendTo(dst []byte) []byte { return dst }

// checkRequestHeader encodes generated request headers with kio and requires kmsg's
// RequestFormatter to write the same bytes, after a size prefix that counts them, for
// the same key, version, correlation id and client id, and kio to decode kmsg's header
// back to the same value. kmsg cannot write unknown header tags, so the generated
// headers carry none.
func (o *kmsgOracle) checkRequestHeader(t *testing.T, api *schema.API, v int16) {
	hv := api.RequestHeaderVersion(v)
	typ := reflect.TypeFor[requestheader.RequestHeader]()
	// No coverage: the unknown tags generated are dropped (kmsg cannot write them), so
	// the states generated are not what kmsg saw.
	g, err := kiotest.NewGen(typ, hv)
	if err != nil {
		t.Fatalf("RequestHeader v%d: generator: %v", hv, err)
	}
	r := rand.New(rand.NewSource(versionSeed(api.Key, false, v) ^ 0x68656164))
	for range kmsgHeaderCases {
		value := kiotest.Sample(g, r)
		h := value.(requestheader.RequestHeader)
		h.RequestApiKey, h.RequestApiVersion, h.UnknownTags = api.Key, v, nil
		kioBytes, err := serial.Marshal(&h, hv)
		if err != nil {
			t.Errorf("RequestHeader v%d: kio Marshal: %v", hv, err)
			continue
		}
		var opts []kmsg.RequestFormatterOpt
		if h.ClientId != nil {
			opts = append(opts, kmsg.FormatterClientID(*h.ClientId))
		}
		req := kmsg.RequestForKey(api.Key)
		req.SetVersion(v)
		framed := kmsg.NewRequestFormatter(opts...).AppendRequest(nil, headerRequest{req}, h.CorrelationId)
		size := binary.BigEndian.Uint32(framed)
		kmsgBytes := framed[4:]
		var back requestheader.RequestHeader
		decodeErr := serial.Unmarshal(kmsgBytes, &back, hv)
		if int(size) == len(kmsgBytes) && bytes.Equal(kioBytes, kmsgBytes) && decodeErr == nil && reflect.DeepEqual(back, h) {
			continue
		}
		field := firstDifferingField(typ, hv, kioBytes, kmsgBytes)
		switch {
		case field == sameBytes && int(size) != len(kmsgBytes):
			field = "(size prefix)"
		case field == sameBytes:
			field = fmt.Sprintf("(kio decodes kmsg's header as %+v, error %v)", back, decodeErr)
		}
		o.note(kmsgDifference{api.Key, false, headerKioToKmsg, field}, v, func() string {
			return fmt.Sprintf("header v%d %+v\nkio  bytes: %s\nkmsg bytes: %s (size prefix %d)",
				hv, h, hex.EncodeToString(kioBytes), hex.EncodeToString(kmsgBytes), size)
		})
	}
}

// report fails the test for every difference knownDifferences does not list and, when
// requireAll (a run with at least the default number of cases), for every listed
// difference that did not occur at each of its versions.
func (o *kmsgOracle) report(t *testing.T, requireAll bool) {
	t.Helper()
	var unlisted []string
	for d, byVersion := range o.observed {
		known, listed := knownDifferences[d]
		for _, v := range slices.Sorted(maps.Keys(byVersion)) {
			if listed && known.Versions.Contains(v) {
				continue
			}
			obs := byVersion[v]
			unlisted = append(unlisted, fmt.Sprintf("%v v%d (%d values)\n%s", d, v, obs.count, obs.example))
		}
	}
	slices.Sort(unlisted)
	for _, u := range unlisted {
		t.Errorf("difference not in knownDifferences: %s", u)
	}
	for _, d := range slices.SortedFunc(maps.Keys(knownDifferences), func(a, b kmsgDifference) int {
		return strings.Compare(a.String(), b.String())
	}) {
		known := knownDifferences[d]
		for v := known.Versions.Lo; v <= known.Versions.Hi; v++ {
			switch obs := o.observed[d][v]; {
			case obs == nil && requireAll:
				t.Errorf("knownDifferences entry no longer occurs at v%d: %v (%s)", v, d, known.Reason)
			case obs == nil:
				t.Logf("knownDifferences entry not seen at v%d in this short run: %v", v, d)
			case testing.Verbose():
				t.Logf("known difference %v v%d: %d values", d, v, obs.count)
			}
		}
	}
}
