package serial

import (
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/kio-go/kafka-protocol/kio/internal/layout"
)

// This file holds the codec's per-type state over kio/internal/layout, which parses a
// struct's tags and decides its wire kinds once: the compiled plans and the version
// check. Per-version work happens in plan.go.

// wireKind is how one value is laid out on the wire: layout's kinds, and one the plans
// add.
type wireKind = layout.Kind

const (
	kBool    = layout.Bool
	kInt8    = layout.Int8
	kInt16   = layout.Int16
	kInt32   = layout.Int32
	kInt64   = layout.Int64
	kUint16  = layout.Uint16
	kUint32  = layout.Uint32
	kFloat64 = layout.Float64
	kUUID    = layout.UUID
	kString  = layout.String
	kBytes   = layout.Bytes
	kArray   = layout.Array
	kStruct  = layout.Struct

	// Plan-only kinds: a layout above, specialised for the encode loop.
	kCompactInt32s = layout.NumKinds    // kArray of int32 in a flexible version (replica and ISR lists)
	kGeneral       = kCompactInt32s + 1 // any kind, through its general rule only (see optimize)
)

// typeInfo is the codec's state of one struct type: its layout, copied facts the hot
// paths read without a second pointer, and its compiled plans.
type typeInfo struct {
	lt   *layout.Type
	typ  reflect.Type
	size uintptr // typ.Size(), without an interface call
	// wordAligned: typ's alignment allows reading it as 8-byte words.
	wordAligned bool
	hasUnknown  bool
	unknownOff  uintptr
	err         error // a *SchemaError found by layout; reported on first use
	// checked: every declared version compiled once, on first top-level use, so that
	// a mistake at any version is refused by every entry point (checkVersions).
	checked        sync.Once
	checkedVersion int16
	checkedErr     error
	plans          planCache
	generalPlans   planCache // compiled with the fast paths off (see optimize)
	// topPlans holds the plans of the versions already used at the top level (in
	// the marker's range, at its flexibility), so planAt is one load for them.
	topPlans [maxCachedVersion]atomic.Pointer[plan]
}

var typeInfos sync.Map // reflect.Type -> *typeInfo

// infoFor returns the codec's state of struct type t, creating it on first use.
func infoFor(t reflect.Type) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	lt := layout.Of(t)
	ti := &typeInfo{lt: lt, typ: t, size: lt.Size, wordAligned: lt.WordAligned,
		hasUnknown: lt.HasUnknownTags(), unknownOff: lt.UnknownOffset, err: schemaError(lt.Err)}
	actual, _ := typeInfos.LoadOrStore(t, ti)
	return actual.(*typeInfo)
}

// schemaError is a layout mistake as the codec reports it, nil for none.
func schemaError(e *layout.Error) error {
	if e == nil {
		return nil
	}
	return &SchemaError{Struct: e.Struct, Field: e.Field, Reason: e.Reason}
}
