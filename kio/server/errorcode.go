package server

import (
	"errors"
	"reflect"

	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/kio/tags"
)

// errorCodeAnswer is the response the server writes, in place of closing the
// connection, for a handler's error that carries a Kafka error code (errors.As finds a
// common.ErrorCode other than None): the API's response at its spec defaults with the
// code in its top-level ErrorCode field, as Kafka's broker answers a request it cannot
// serve. It is nil where the response has no top-level ErrorCode at the version
// (Produce, ListOffsets, Metadata before v13...): there the code belongs in per-topic or
// per-partition fields that only the handler knows how to fill.
func errorCodeAnswer(key, version int16, err error) any {
	var code common.ErrorCode
	if !errors.As(err, &code) || code == common.None {
		return nil
	}
	api, ok := schema.Lookup(key)
	if !ok {
		return nil
	}
	f, ok := api.Response.FieldByName("ErrorCode")
	if !ok || f.Type != reflect.TypeFor[common.ErrorCode]() || len(f.Index) != 1 {
		return nil
	}
	if ft, err := tags.ParseField(f.Tag.Get("kafka")); err != nil || !ft.Versions.Contains(version) {
		return nil
	}
	body := api.NewResponseBody()
	if serial.SetDefaults(body) != nil {
		return nil
	}
	reflect.ValueOf(body).Elem().Field(f.Index[0]).SetInt(int64(code))
	return body
}
