package serial

import (
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio/internal/arena"
	"github.com/kio-go/kafka-protocol/kio/internal/layout"
	"github.com/kio-go/kafka-protocol/kio/internal/straight"
)

// This file compiles a type's layout (kio/internal/layout) into a plan for one (version, flexibility): the
// fields present in order, the tagged fields by id, and what is absent. Plans are
// cached on their typeInfo, so reflection is paid once per type and version.

// op is one value to encode or decode, with every per-version decision made.
type op struct {
	// The fields the hot loops read come first, to share a cache line.
	kind     wireKind
	fast     wireKind // the encode loop's case: kind, a specialisation of it, or kGeneral
	dfast    wireKind // the decode loop's case: kind or kGeneral
	general  bool     // fast paths off (see optimize): the kinds' general rules only
	nullable bool     // may be null at this version
	compact  bool     // flexible (compact) lengths at this version
	ptr      bool     // *string or *struct
	elemKind wireKind // kArray: the element's kind, read without following elem
	tag      uint32   // tagged-field id, for tagged ops
	offset   uintptr  // within the parent struct; 0 for array elements
	elem     *op      // kArray: the element
	elemSize uintptr  // kArray: Go size of one element
	// kArray: the wire width of one element when it is fixed, else 0.
	elemWidth int
	// allocType is the type word of what a decode allocates for the value (newArray):
	// kArray, the element type; a *struct, the struct.
	allocType unsafe.Pointer
	sub       *plan  // kStruct: the struct's plan
	minSize   int    // fewest bytes the value takes on the wire
	name      string // Go field name, for error paths
	goType    reflect.Type
	field     *layout.Field
}

// plan is a struct's layout at one version and flexibility.
type plan struct {
	ti       *typeInfo
	version  int16
	flexible bool
	fields   []op // present, untagged, in declaration order
	// ops points at fields' ops: the encode and decode loops walk pointers rather
	// than indexing a slice of large structs.
	ops []*op
	// For Marshal's size pass: the wire width of the fixed-width fields, and the
	// others.
	fixedSize int
	varOps    []*op
	// flat: every field not fixed-width is an array of fixed-width values, and none
	// is tagged at this version, so flatSize sizes the struct.
	flat   bool
	tagged []op            // tagged at this version, in ascending tag order
	absent []*layout.Field // not present at this version and not ignorable
	// defaults set the absent and tagged fields whose default is not Go's zero value
	// (directly or in a nested struct value) before decoding, flattened.
	defaults []defaultWrite
	// defaultSet is defaults as a decode performs them (non-empty when defaults is).
	defaultSet defaultSet
	minSize    int
	err        error // a *SchemaError, reported on use
	// hints size the first arena chunks of the next decode with this plan at the top.
	hints arena.Hints
	// Copied from ti so the encode loop's last check reads the plan alone.
	hasUnknown bool
	unknownOff uintptr
	// general: compiled with every fast path off (see optimize).
	general bool
	// untaggedFast: no tagged field at this version and fast paths on, so encode
	// writes an empty tagged-field section inline when no unknown tag is kept.
	untaggedFast bool
	// flexibleFast: flexible and fast paths on, so decode reads an empty tagged-field
	// section inline.
	flexibleFast bool
	// direct: the fields' cases for encodeDirect (direct.go), when each has one.
	direct        []directOp
	directReserve int
	// directDecode: arrays of this struct decode through decodeDirect
	// (direct_decode.go).
	directDecode bool
	// sizing: how Marshal makes its buffer, after the plan's last message (marshal).
	sizing atomic.Uint32
	// pair: a one-element array of this struct allocates with its inner array's
	// one element (pair_alloc.go).
	pair *pairAlloc
	// straight: the generated straight-line encoder of a top-level message at this
	// version (kio/internal/straight), which Append and Marshal try before the plan;
	// fast plans only. Its functions are nil when there is none.
	straight straight.Encoder
	// straightDecode: the generated straight-line decoder of a top-level message at
	// this version, which decodeInto tries before the plan on a whole input; fast
	// plans only; nil when there is none.
	straightDecode straight.Decoder
}

// maxCachedVersion bounds the lock-free plan array; later versions use a map.
const maxCachedVersion = layout.MaxCachedVersion

// planKey names a plan of a type: its version and flexibility.
type planKey = layout.VersionKey

// planCache keeps a type's plans by planKey.
type planCache = layout.VersionCache[plan]

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// planFor returns ti's plan at version with the given flexibility, compiling it once,
// with the fast paths on unless optimize is off.
func (ti *typeInfo) planFor(version int16, flexible bool) *plan {
	return ti.planOf(version, flexible, !optimize)
}

// planOf is planFor choosing the fast paths: general plans are cached apart, so the
// differential test can run both in one process.
func (ti *typeInfo) planOf(version int16, flexible, general bool) *plan {
	cache := &ti.plans
	if general {
		cache = &ti.generalPlans
	}
	k := planKey{Version: version, Flexible: flexible}
	if p := cache.Load(k); p != nil {
		return p
	}
	c := &compiler{key: k, general: general, plans: map[*typeInfo]*plan{}}
	p := c.plan(ti)
	for cti, cp := range c.plans {
		if cti != ti {
			c.cache(cti).Store(k, cp)
		}
	}
	return cache.Store(k, p)
}

// compiler compiles the plans of one type and the structs it holds, at one version and
// flexibility, with or without fast paths.
type compiler struct {
	key     planKey
	general bool
	plans   map[*typeInfo]*plan // compiled so far, for recursive types
}

func (c *compiler) cache(ti *typeInfo) *planCache {
	if c.general {
		return &ti.generalPlans
	}
	return &ti.plans
}

func (c *compiler) plan(ti *typeInfo) *plan {
	k := c.key
	if p := c.cache(ti).Load(k); p != nil {
		return p
	}
	if p, ok := c.plans[ti]; ok {
		return p // recursive type: finished by the outer call
	}
	p := &plan{ti: ti, version: k.Version, flexible: k.Flexible, hasUnknown: ti.hasUnknown, unknownOff: ti.unknownOff, general: c.general}
	c.plans[ti] = p
	if ti.err != nil {
		p.err = ti.err
		return p
	}
	lv := ti.lt.At(k.Version, k.Flexible)
	if lv.Err != nil {
		p.err = schemaError(lv.Err)
		return p
	}
	if k.Flexible {
		p.minSize = 1 // the tagged-field count
	}
	member := func(m *layout.Member) op {
		o := c.op(&m.ValueAt)
		o.name, o.offset, o.field = m.Field.Name, m.Field.Offset, m.Field
		return o
	}
	for i := range lv.Fields {
		o := member(lv.Fields[i])
		p.fields = append(p.fields, o)
		p.minSize += o.minSize
	}
	// The fields with a default to set, for the general plans' defaultSet.
	var defaultFields []*layout.Field
	var defaultOffsets []uintptr
	for i := range lv.Tagged { // in ascending tag order
		o := member(lv.Tagged[i])
		o.tag = lv.Tagged[i].TagID()
		p.tagged = append(p.tagged, o)
		n := len(p.defaults)
		if p.defaults = appendDefaultWrites(p.defaults, o.field, o.offset); len(p.defaults) > n {
			defaultFields, defaultOffsets = append(defaultFields, o.field), append(defaultOffsets, o.offset)
		}
	}
	for _, f := range lv.Absent {
		if !f.Tag.Ignorable {
			p.absent = append(p.absent, f)
		}
		n := len(p.defaults)
		if p.defaults = appendDefaultWrites(p.defaults, f, f.Offset); len(p.defaults) > n {
			defaultFields, defaultOffsets = append(defaultFields, f), append(defaultOffsets, f.Offset)
		}
	}
	p.defaultSet = compileDefaults(p.defaults, defaultFields, defaultOffsets, c.general)
	p.flat = len(p.tagged) == 0
	p.untaggedFast = len(p.tagged) == 0 && !c.general
	p.flexibleFast = k.Flexible && !c.general
	for i := range p.fields {
		o := &p.fields[i]
		if w := o.kind.FixedWidth(); w == 0 && (o.kind != kArray || o.elemWidth == 0) {
			p.flat = false
		}
		p.ops = append(p.ops, o)
		if w := o.kind.FixedWidth(); w > 0 {
			p.fixedSize += w
		} else {
			p.varOps = append(p.varOps, o)
		}
	}
	p.compileDirect()
	p.compileDirectDecode()
	p.compilePair()
	if !c.general && ti.lt.HasMarker && ti.lt.Message.Flexible.Contains(k.Version) == k.Flexible {
		p.straight, _ = straight.Lookup(ti.typ, k.Version)
		p.straightDecode = straight.LookupDecoder(ti.typ, k.Version)
	}
	return p
}

// op fixes a value's layout decisions for one version.
func (c *compiler) op(va *layout.ValueAt) op {
	o := op{kind: va.Kind, fast: va.Kind, dfast: va.Kind, general: c.general, ptr: va.Ptr, goType: va.GoType, compact: va.Compact, nullable: va.Nullable}
	// The fewest bytes a value takes (kinds.go): its width, the length of an empty one,
	// or a struct's fields.
	o.minSize = va.Kind.FixedWidth()
	switch va.Kind {
	case kString, kBytes, kArray:
		o.minSize = lengthSize(&o, 0)
	case kStruct:
		o.sub = c.plan(infoFor(va.Struct.Type.Go))
		o.minSize = o.sub.minSize
		if va.Ptr {
			o.minSize = 1 // the null marker, where nullable; a lower bound otherwise
			o.allocType = typeWord(va.GoType.Elem())
		}
	}
	if va.Kind == kArray {
		e := c.op(va.Elem)
		o.elem, o.elemSize, o.elemKind, o.elemWidth = &e, va.Elem.GoType.Size(), e.kind, e.kind.FixedWidth()
		o.allocType = typeWord(va.Elem.GoType)
		if e.kind == kInt32 && o.compact {
			o.fast = kCompactInt32s
		}
	}
	if c.general {
		o.fast, o.dfast = kGeneral, kGeneral
	}
	return o
}
