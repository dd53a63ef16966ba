package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/kafkarelease"
	"github.com/kio-go/kafka-protocol/internal/kafkaspecs"
	"github.com/kio-go/kafka-protocol/internal/kafkaspecs/specstest"
)

// moduleRoot finds the directory holding go.mod, from the test's working directory up.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// releaseSpecs returns a release's specs and error codes from the kafkaspecs cache.
func releaseSpecs(t *testing.T, version string) kafkaspecs.Release {
	t.Helper()
	return specstest.Release(t, version)
}

// schemaSources are the inputs kio/schema is generated from: the pinned releases' specs
// (internal/kafkarelease: 3.9.x, then the newest) and the newest release's error codes.
func schemaSources(t *testing.T) ([]specSource, []string) {
	t.Helper()
	return releaseSources(releaseSpecs(t, kafkarelease.Kafka39), releaseSpecs(t, kafkarelease.Newest))
}

// regenerateCommand says how to regenerate kio/schema by hand.
func regenerateCommand() string {
	return "run: go run ./generator -release " + kafkarelease.Newest
}

// TestRealSpecNaming checks the request/response struct rule on Kafka 3.9's specs: the
// exact list of renamed and of shared structs.
func TestRealSpecNaming(t *testing.T) {
	m, err := load(schemaSources(t))
	if err != nil {
		t.Fatal(err)
	}
	var renamed, shared []string
	for _, p := range m.Packages {
		for _, msg := range p.Messages {
			for _, s := range msg.Structs {
				switch {
				case s.GoName != s.Name:
					renamed = append(renamed, p.Name+"."+s.GoName)
				case s.Shared && msg.Kind.String() == "request":
					shared = append(shared, p.Name+"."+s.GoName)
				}
			}
		}
	}
	slices.Sort(renamed)
	slices.Sort(shared)
	wantRenamed := []string{
		"alterclientquotas.AlterClientQuotasRequestEntryData", "alterclientquotas.AlterClientQuotasResponseEntryData",
		"alterpartition.AlterPartitionRequestPartitionData", "alterpartition.AlterPartitionRequestTopicData",
		"alterpartition.AlterPartitionResponsePartitionData", "alterpartition.AlterPartitionResponseTopicData",
		"assignreplicastodirs.AssignReplicasToDirsRequestDirectoryData", "assignreplicastodirs.AssignReplicasToDirsRequestPartitionData",
		"assignreplicastodirs.AssignReplicasToDirsRequestTopicData", "assignreplicastodirs.AssignReplicasToDirsResponseDirectoryData",
		"assignreplicastodirs.AssignReplicasToDirsResponsePartitionData", "assignreplicastodirs.AssignReplicasToDirsResponseTopicData",
		"beginquorumepoch.BeginQuorumEpochRequestPartitionData", "beginquorumepoch.BeginQuorumEpochRequestTopicData",
		"beginquorumepoch.BeginQuorumEpochResponsePartitionData", "beginquorumepoch.BeginQuorumEpochResponseTopicData",
		"describequorum.DescribeQuorumRequestPartitionData", "describequorum.DescribeQuorumRequestTopicData",
		"describequorum.DescribeQuorumResponsePartitionData", "describequorum.DescribeQuorumResponseTopicData",
		"endquorumepoch.EndQuorumEpochRequestPartitionData", "endquorumepoch.EndQuorumEpochRequestTopicData",
		"endquorumepoch.EndQuorumEpochResponsePartitionData", "endquorumepoch.EndQuorumEpochResponseTopicData",
		"fetchsnapshot.FetchSnapshotRequestPartitionSnapshot", "fetchsnapshot.FetchSnapshotRequestTopicSnapshot",
		"fetchsnapshot.FetchSnapshotResponsePartitionSnapshot", "fetchsnapshot.FetchSnapshotResponseTopicSnapshot",
		"vote.VoteRequestPartitionData", "vote.VoteRequestTopicData",
		"vote.VoteResponsePartitionData", "vote.VoteResponseTopicData",
	}
	// Same name, same fields in request and response: one type under the verbatim name.
	wantShared := []string{
		"alterclientquotas.EntityData", "consumergroupheartbeat.TopicPartitions",
		"describetopicpartitions.Cursor", "fetchsnapshot.SnapshotId", "streamsgroupheartbeat.Endpoint", "streamsgroupheartbeat.TaskIds",
	}
	if !slices.Equal(renamed, wantRenamed) {
		t.Errorf("renamed structs:\n got %v\nwant %v", renamed, wantRenamed)
	}
	if !slices.Equal(shared, wantShared) {
		t.Errorf("shared structs:\n got %v\nwant %v", shared, wantShared)
	}
	var lowerFields []string
	for _, p := range m.Packages {
		for _, msg := range p.Messages {
			all := [][]*field{msg.Fields}
			for _, s := range msg.Structs {
				all = append(all, s.Fields)
			}
			for _, fields := range all {
				for _, f := range fields {
					if f.GoName != f.Name {
						lowerFields = append(lowerFields, f.Name+"->"+f.GoName)
					}
				}
			}
		}
	}
	slices.Sort(lowerFields)
	lowerFields = slices.Compact(lowerFields)
	if want := []string{"isKRaftController->IsKRaftController", "timeoutMs->TimeoutMs", "validateOnly->ValidateOnly"}; !slices.Equal(lowerFields, want) {
		t.Errorf("renamed fields = %v, want %v", lowerFields, want)
	}
}

// TestGeneratedUpToDate regenerates kio/schema into a temporary directory and fails if
// any committed generated file differs, is missing, or is no longer produced. Hand-written
// files (those without the generated-code header) are not compared.
func TestGeneratedUpToDate(t *testing.T) {
	sources, errorFiles := schemaSources(t)
	committed := filepath.Join(moduleRoot(t), "kio", "schema")
	tmp := t.TempDir()
	if _, err := run(sources, errorFiles, tmp); err != nil {
		t.Fatal(err)
	}
	fresh := map[string][]byte{}
	err := filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(tmp, p)
		fresh[rel], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	regen := regenerateCommand()
	rels := make([]string, 0, len(fresh))
	for rel := range fresh {
		rels = append(rels, rel)
	}
	slices.Sort(rels)
	for _, rel := range rels {
		want := fresh[rel]
		got, err := os.ReadFile(filepath.Join(committed, rel))
		if err != nil {
			t.Errorf("kio/schema/%s is missing (%v); %s", rel, err, regen)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("kio/schema/%s differs from the generator's output; %s", rel, regen)
		}
	}
	err = filepath.WalkDir(committed, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
			return err
		}
		rel, _ := filepath.Rel(committed, p)
		if _, ok := fresh[rel]; ok {
			return nil
		}
		if generated, err := isGeneratedFile(p); err != nil || generated {
			t.Errorf("kio/schema/%s is a generated file the generator no longer produces (%v); %s", rel, err, regen)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fresh) < 100 {
		t.Errorf("the generator wrote only %d files", len(fresh))
	}
}

// TestStraightLineCoverage pins how many request and response versions of the real
// specs get straight-line encoders (straight.go), and that the issue-20 benchmark's
// HeartbeatRequest v4 is one of them, so a change to what counts as flat is seen.
func TestStraightLineCoverage(t *testing.T) {
	sources, errorFiles := schemaSources(t)
	files, m, err := generate(sources, errorFiles)
	if err != nil {
		t.Fatal(err)
	}
	// Every request and response version: 148 flat (straight.go), the others nested
	// (straight_encode.go), known tagged fields and absent struct values included.
	if m.StraightPairs != 728 {
		t.Errorf("%d (message, version) pairs have straight-line encoders, want 728", m.StraightPairs)
	}
	hb := string(files["internal/straightline/heartbeat.go"])
	if !strings.Contains(hb, "register(reflect.TypeFor[heartbeat.HeartbeatRequest](), 4, ") {
		t.Error("HeartbeatRequest v4 has no straight-line encoder")
	}
	for file, want := range map[string][]string{
		"metadata.go": {"register(reflect.TypeFor[metadata.MetadataRequest](), 12, ", "register(reflect.TypeFor[metadata.MetadataResponse](), 12, "},
		"fetch.go":    {"register(reflect.TypeFor[fetch.FetchResponse](), 16, ", "register(reflect.TypeFor[fetch.FetchRequest](), 17, "},
		"produce.go":  {"register(reflect.TypeFor[produce.ProduceRequest](), 9, ", "register(reflect.TypeFor[produce.ProduceResponse](), 12, "},
	} {
		for _, w := range want {
			if !strings.Contains(string(files["internal/straightline/"+file]), w) {
				t.Errorf("no straight-line encoder: %s", w)
			}
		}
	}
	// Decoders: every request and response version (364 of each) is made of kinds
	// the decoders know; a kind or default they do not would show here.
	if m.StraightDecoders != 728 {
		t.Errorf("%d (message, version) pairs have straight-line decoders, want 728", m.StraightDecoders)
	}
	for file, want := range map[string][]string{
		"fetch.go":     {"registerDecoder(reflect.TypeFor[fetch.FetchResponse](), 16, ", "registerDecoder(reflect.TypeFor[fetch.FetchResponse](), 17, ", "registerDecoder(reflect.TypeFor[fetch.FetchResponse](), 18, "},
		"produce.go":   {"registerDecoder(reflect.TypeFor[produce.ProduceRequest](), 9, ", "registerDecoder(reflect.TypeFor[produce.ProduceRequest](), 13, "},
		"metadata.go":  {"registerDecoder(reflect.TypeFor[metadata.MetadataResponse](), 12, ", "registerDecoder(reflect.TypeFor[metadata.MetadataRequest](), 12, "},
		"heartbeat.go": {"registerDecoder(reflect.TypeFor[heartbeat.HeartbeatRequest](), 4, "},
	} {
		for _, w := range want {
			if !strings.Contains(string(files["internal/straightline/"+file]), w) {
				t.Errorf("%s lacks %q", file, w)
			}
		}
	}
}
