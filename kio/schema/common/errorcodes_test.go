package common_test

import (
	"errors"
	"fmt"
	"testing"

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
	}
	for _, c := range cases {
		if int16(c.code) != c.value || c.code.String() != c.name || c.code.Retriable() != c.retriable || !c.code.IsKnown() {
			t.Errorf("code %d: value %d, String %q, Retriable %v, IsKnown %v; want %d, %q, %v, true",
				c.value, int16(c.code), c.code.String(), c.code.Retriable(), c.code.IsKnown(), c.value, c.name, c.retriable)
		}
	}
	// Kafka 3.9 leaves 99 unassigned.
	for _, n := range []int16{99, 128, 1234, -2} {
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
