package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestAPIsAndDescribe: the tables come from the index and the struct tags.
func TestAPIsAndDescribe(t *testing.T) {
	var out bytes.Buffer
	if err := runAPIs([]string{"-release", "4.4.0"}, &out); err != nil {
		t.Fatal(err)
	}
	produce := ""
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "0 ") {
			produce = strings.Join(strings.Fields(l), " ")
		}
		if strings.Contains(l, " LeaderAndIsr ") {
			t.Errorf("4.4.0 has no LeaderAndIsr: %s", l)
		}
	}
	if produce != "0 Produce 3-13 9-13 3-8:1 9-13:2 3-8:0 9-13:1" {
		t.Errorf("Produce in 4.4.0: %q", produce)
	}
	out.Reset()
	if err := runAPIs([]string{"-release", "3.9.2"}, &out); err != nil || !strings.Contains(out.String(), " LeaderAndIsr ") {
		t.Errorf("3.9.2 (index release 3.9) lists LeaderAndIsr: %v", err)
	}
	if err := runAPIs([]string{"-release", "2.8"}, &out); err == nil {
		t.Error("-release 2.8 accepted")
	}
	out.Reset()
	if err := runDescribe([]string{"Metadata", "12", "response"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"MetadataResponse v12", "ClusterId clusterId string yes null", "LeaderEpoch leaderEpoch int32 -1"} {
		if !strings.Contains(squeeze(out.String()), want) {
			t.Errorf("describe Metadata 12 response lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := runDescribe([]string{"Fetch", "18"}, &out); err != nil || !strings.Contains(squeeze(out.String()), "ClusterId clusterId string yes 0 null") {
		t.Errorf("describe Fetch 18 (a tagged field): %v\n%s", err, out.String())
	}
	if err := runDescribe([]string{"Metadata", "99"}, &out); err == nil {
		t.Error("Metadata v99 described")
	}
}

// squeeze collapses runs of spaces, as tabwriter pads columns.
func squeeze(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	return strings.Join(lines, "\n")
}
