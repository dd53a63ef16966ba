package common_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/kafkarelease"
	"github.com/kio-go/kafka-protocol/internal/kafkaspecs/specstest"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
)

// Expected names and retriable flags are Kafka's, as listed in its error-codes table.
func TestErrorCodes(t *testing.T) {
	cases := []struct {
		code      common.ErrorCode
		value     int16
		name      string
		retriable bool
	}{
		{common.UnknownServerError, -1, "UNKNOWN_SERVER_ERROR", false},
		{common.None, 0, "NONE", false},
		{common.OffsetOutOfRange, 1, "OFFSET_OUT_OF_RANGE", false},
		{common.UnknownTopicOrPartition, 3, "UNKNOWN_TOPIC_OR_PARTITION", true},
		{common.UnsupportedVersion, 35, "UNSUPPORTED_VERSION", false},
		{common.NotController, 41, "NOT_CONTROLLER", true},
		{common.VoterNotFound, 127, "VOTER_NOT_FOUND", false},
		{common.PositionOutOfRange, 99, "POSITION_OUT_OF_RANGE", false}, // from Kafka 4.x on
		{common.ShareSessionLimitReached, 133, "SHARE_SESSION_LIMIT_REACHED", true},
		{common.ControllerIdNotRegistered, 136, "CONTROLLER_ID_NOT_REGISTERED", false},
	}
	for _, c := range cases {
		if int16(c.code) != c.value || c.code.String() != c.name || c.code.Retriable() != c.retriable || !c.code.IsKnown() {
			t.Errorf("code %d: value %d, String %q, Retriable %v, IsKnown %v; want %d, %q, %v, true",
				c.value, int16(c.code), c.code.String(), c.code.Retriable(), c.code.IsKnown(), c.value, c.name, c.retriable)
		}
	}
	for _, n := range []int16{137, 1234, -2} {
		c := common.ErrorCode(n)
		want := fmt.Sprintf("UNKNOWN_ERROR_CODE(%d)", n)
		if c.String() != want || c.IsKnown() || c.Retriable() {
			t.Errorf("code %d: String %q, IsKnown %v, Retriable %v; want %q, false, false", n, c.String(), c.IsKnown(), c.Retriable(), want)
		}
	}
	if got := common.ErrorCode(1234).Error(); got != "kafka error 1234: UNKNOWN_ERROR_CODE(1234)" {
		t.Errorf("Error() = %q", got)
	}
}

func TestErrorCodeAsError(t *testing.T) {
	if err := common.None.Err(); err != nil {
		t.Errorf("None.Err() = %v, want nil", err)
	}
	var code common.ErrorCode = 3 // as decoded from a response
	err := code.Err()
	if !errors.Is(err, common.UnknownTopicOrPartition) || errors.Is(err, common.LeaderNotAvailable) {
		t.Errorf("errors.Is on %v is wrong", err)
	}
	wrapped := fmt.Errorf("fetching metadata: %w", err)
	var got common.ErrorCode
	if !errors.As(wrapped, &got) || got != common.UnknownTopicOrPartition || !got.Retriable() {
		t.Errorf("errors.As(%v) gave %v", wrapped, got)
	}
	if err.Error() != "kafka error 3: UNKNOWN_TOPIC_OR_PARTITION" {
		t.Errorf("Error() = %q", err.Error())
	}
}

// TestEveryErrorCodeOfTheNewestRelease checks every code of the newest pinned release, read
// from its Errors enum (the kafkaspecs cache), against common.ErrorCode.
func TestEveryErrorCodeOfTheNewestRelease(t *testing.T) {
	r := specstest.Release(t, kafkarelease.Newest)
	f, err := os.Open(r.ErrorCodes)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		n, err := strconv.ParseInt(row[0], 10, 16)
		if err != nil {
			t.Fatal(err)
		}
		c := common.ErrorCode(n)
		if !c.IsKnown() || c.String() != row[1] || fmt.Sprint(c.Retriable()) != row[2] {
			t.Errorf("code %d: %s, retriable %v; Kafka %s says %s, %s", n, c, c.Retriable(), r.Version, row[1], row[2])
		}
	}
	if len(rows) < 130 {
		t.Errorf("only %d codes in %s", len(rows)-1, r.ErrorCodes)
	}
	t.Logf("%d error codes of Kafka %s", len(rows)-1, r.Version)
}
