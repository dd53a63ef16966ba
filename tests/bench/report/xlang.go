package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The cross-language report (-xlang): kio, kmsg and kafka-go (the Go benchmarks of
// tests/bench), the Rust crates kafka-protocol and crabka-protocol (tests/bench/rust,
// cargo) and Kafka's Java classes under JMH (tests/bench/jmh, Maven) over the same
// fixture files, which the Go test binary writes (TestExportFixtures). Before timing
// anything every implementation must reproduce the fixture bytes exactly; then each
// round runs, message by message, the three harnesses one after the other on that
// message's benchmarks (starting with a different message and harness each round), so
// on a loaded machine the implementations of a row are measured seconds apart, and
// the table shows medians over the rounds.
//
// Every harness's results end up as `go test -bench` lines (the Rust harness prints
// them, JMH's JSON is converted), named Benchmark<Message>/<op>/<implementation>, so
// -raw saves one text file that -in reads back. Lines "machine: ..." and "note: ..."
// carry the machine and what was skipped.

// xlangImpl is one column of the cross-language table.
type xlangImpl struct {
	key    string // the implementation element of the benchmark names
	header string
	// sameBytes: the implementation handles the fixture bytes themselves (kafka-go
	// runs at older versions of each API).
	sameBytes bool
}

var xlangImpls = []xlangImpl{
	{"kio", "kio", true},
	{"kmsg", "kmsg (franz-go)", true},
	{"kafkago", "kafka-go (older versions)", false},
	{"kafka-protocol", "kafka-protocol 0.18 (Rust)", true},
	{"crabka", "crabka-protocol 0.3.1 (Rust)", true},
	{"java", "kafka-clients 4.4.0 (Java, JMH)", true},
}

// borrowedOf names, for an implementation, the variant shown in brackets in its cell.
var borrowedOf = map[string]string{"crabka": "crabka-borrowed"}

// parsesRecords lists the cells that also parse the 1 MiB record batch (kio and the
// others keep it as bytes): not like for like, so never "the fastest".
var parsesRecords = map[string]bool{
	"FetchResponse/decode/kafkago": true, "ProduceRequest/decode/kafkago": true,
	"FetchResponse/decode/crabka": true, "ProduceRequest/decode/crabka": true,
	"FetchResponse/decode/crabka-borrowed": true, "ProduceRequest/decode/crabka-borrowed": true,
}

// copyImpls maps the copy benchmarks' implementations (Go, Rust, Java) to the column
// each is shown in. The Rust and Java harnesses name them Copy/<message>/<language>;
// Go's is <message>/encode-fresh/copy (tests/bench/messages_test.go; runs before it was
// there named it Copy/<message>/go).
var copyImpls = map[string]string{"go": "kio", "rust": "kafka-protocol", "java": "java"}

// goCopy is the row and implementation of Go's copy of a message's bytes.
func goCopy(message string) (row, impl string) { return message + "/encode-fresh", "copy" }

// xlangMessages and xlangOps order the table's rows.
var (
	xlangMessages = []string{"MetadataResponse", "MetadataRequest", "HeartbeatRequest", "FetchResponse", "ProduceRequest"}
	xlangOps      = []string{"decode", "encode-reuse", "encode-fresh", "copy"}
)

// messageLabels describe the fixtures in the row labels.
var messageLabels = map[string]string{
	"MetadataResponse": "MetadataResponse v12 (50 topics x 10 partitions)",
	"MetadataRequest":  "MetadataRequest v12 (50 topics)",
	"HeartbeatRequest": "HeartbeatRequest v4",
	"FetchResponse":    "FetchResponse v16 (1 MiB of records)",
	"ProduceRequest":   "ProduceRequest v9 (1 MiB of records)",
}

var opLabels = map[string]string{
	"decode":       "decode",
	"encode-reuse": "encode, reused buffer",
	"encode-fresh": "encode, fresh buffer",
	"copy":         "copy of its bytes (Go, Rust, Java)",
}

// copyMessages are the messages with a copy row (the 1 MiB ones).
var copyMessages = map[string]bool{"FetchResponse": true, "ProduceRequest": true}

// goXlangBench selects the Go benchmarks of one message (its copy rows included).
func goXlangBench(message string) string {
	return "^Benchmark" + message + "$/^(decode|encode-reuse|encode-fresh)$"
}

// xlangConfig is what -xlang runs.
type xlangConfig struct {
	rounds    int
	benchtime string // Go's -benchtime; the Rust harness gets the same time
	jmh       string // JMH options of one round
	skip      string // comma-separated harnesses not to run: rust, java
	// baseline, a git revision, adds kio's benchmarks as of that revision to every
	// round (column "kio before"): before and after measured side by side.
	baseline string
}

// baselineImpl is the implementation name of kio at the baseline revision.
const baselineImpl = "kio-baseline"

// runXlang builds and checks every harness, runs the rounds and returns their output
// as benchmark lines plus machine and note lines.
func runXlang(cfg xlangConfig) []byte {
	var out bytes.Buffer
	note := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		fmt.Fprintln(os.Stderr, "report: "+line)
		fmt.Fprintln(&out, "note: "+line)
	}
	benchDir, err := goList(benchPackage)
	if err != nil {
		fail(err)
	}
	dir, err := os.MkdirTemp("", "kio-xbench")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	fixturesDir := filepath.Join(dir, "fixtures")
	start := time.Now().UTC()
	for _, m := range machine() {
		fmt.Fprintln(&out, "machine: "+m)
	}

	// Go: build the test binary, check kio's and kmsg's bytes and write the fixtures.
	bin := filepath.Join(dir, "bench.test")
	if o, err := run("go", []string{"test", "-c", "-o", bin, benchPackage}); err != nil {
		os.Stdout.Write(o)
		fail(fmt.Errorf("go test -c: %w", err))
	}
	if o, err := run(bin, []string{"-test.run", "^(TestFixturesIdentical|TestExportFixtures)$", "-test.v", "-xlang.fixtures", fixturesDir}); err != nil {
		os.Stdout.Write(o)
		fail(fmt.Errorf("the Go side does not reproduce the fixture bytes: %w", err))
	}
	type harness struct {
		name  string
		round func(round int, message string) ([]byte, error)
	}
	harnesses := []harness{{"go", func(_ int, message string) ([]byte, error) {
		return run(bin, []string{"-test.run", "^$", "-test.bench", goXlangBench(message), "-test.benchmem",
			"-test.count", "1", "-test.benchtime", cfg.benchtime, "-test.timeout", "60m"})
	}}}
	if cfg.baseline != "" {
		baseBin, rev, err := buildBaseline(benchDir, cfg.baseline, dir)
		if err != nil {
			fail(fmt.Errorf("-baseline %s: %w", cfg.baseline, err))
		}
		fmt.Fprintf(&out, "baseline: %s\n", rev)
		harnesses = append(harnesses, harness{"go-baseline", func(_ int, message string) ([]byte, error) {
			o, err := run(baseBin, []string{"-test.run", "^$", "-test.bench", goXlangBench(message) + "/^kio$", "-test.benchmem",
				"-test.count", "1", "-test.benchtime", cfg.benchtime, "-test.timeout", "60m"})
			return renameBaseline(o), err
		}})
	}
	skipped := func(name string) bool { return slices.Contains(strings.Split(cfg.skip, ","), name) }

	// Rust.
	if reason := rustUnavailable(skipped("rust")); reason != "" {
		note("Rust (kafka-protocol, crabka-protocol) skipped: %s", reason)
	} else if rustBin, err := buildRust(filepath.Join(benchDir, "rust")); err != nil {
		note("Rust (kafka-protocol, crabka-protocol) skipped: cargo build failed (crates.io unreachable?): %v", err)
	} else {
		if o, err := run(rustBin, []string{fixturesDir, "--check"}); err != nil {
			os.Stdout.Write(o)
			fail(fmt.Errorf("the Rust side does not reproduce the fixture bytes: %w", err))
		}
		ms, err := benchtimeMillis(cfg.benchtime)
		if err != nil {
			fail(err)
		}
		harnesses = append(harnesses, harness{"rust", func(_ int, message string) ([]byte, error) {
			// The filter is a substring: it also selects Copy/<message>.
			return run(rustBin, []string{fixturesDir, "--benchtime-ms", strconv.Itoa(ms), "--filter", message + "/"})
		}})
	}

	// Java.
	if reason := javaUnavailable(skipped("java")); reason != "" {
		note("Java (kafka-clients under JMH) skipped: %s", reason)
	} else if cp, err := buildJava(filepath.Join(benchDir, "jmh")); err != nil {
		note("Java (kafka-clients under JMH) skipped: mvn package failed (Maven Central unreachable?): %v", err)
	} else {
		if o, err := run("java", []string{"-cp", cp, "io.kio.xbench.Check", fixturesDir}); err != nil {
			os.Stdout.Write(o)
			fail(fmt.Errorf("the Java side does not reproduce the fixture bytes: %w", err))
		}
		harnesses = append(harnesses, harness{"java", func(round int, message string) ([]byte, error) {
			result := filepath.Join(dir, fmt.Sprintf("jmh-%d-%s.json", round, message))
			args := append([]string{"-cp", cp, "org.openjdk.jmh.Main"}, strings.Fields(cfg.jmh)...)
			benchmarks := `io\.kio\.xbench\.CodecBench\.`
			if copyMessages[message] {
				benchmarks = `io\.kio\.xbench\.(CodecBench|CopyBench)\.`
			}
			args = append(args, "-foe", "true", "-rf", "json", "-rff", result, "-p", "fixture="+message,
				"-jvmArgsAppend", "-Dxbench.fixtures="+fixturesDir, benchmarks)
			if o, err := run("java", args); err != nil {
				return o, err
			}
			data, err := os.ReadFile(result)
			if err != nil {
				return nil, err
			}
			return jmhLines(data)
		}})
	}

	var names []string
	for _, h := range harnesses {
		names = append(names, h.name)
	}
	fmt.Fprintf(os.Stderr, "report: %d rounds of %s\n", cfg.rounds, strings.Join(names, ", "))
	for r := range cfg.rounds {
		// Start each round with a different message and harness, so none always runs
		// first.
		for j := range xlangMessages {
			message := xlangMessages[(r+j)%len(xlangMessages)]
			for i := range harnesses {
				h := harnesses[(r+i)%len(harnesses)]
				fmt.Fprintf(os.Stderr, "report: round %d of %d: %s, %s\n", r+1, cfg.rounds, message, h.name)
				o, err := h.round(r, message)
				if err != nil {
					os.Stdout.Write(o)
					fail(fmt.Errorf("round %d, %s, %s: %w", r+1, message, h.name, err))
				}
				out.Write(o)
			}
		}
	}
	fmt.Fprintf(&out, "machine: run %s to %s UTC, load average %s at the end\n",
		start.Format("2006-01-02 15:04"), time.Now().UTC().Format("15:04"), loadAverage())
	command := fmt.Sprintf("go run ./tests/bench/report -xlang -count %d -benchtime %s -jmh '%s'", cfg.rounds, cfg.benchtime, cfg.jmh)
	if cfg.skip != "" {
		command += " -skip " + cfg.skip
	}
	if cfg.baseline != "" {
		command += " -baseline " + cfg.baseline
	}
	fmt.Fprintf(&out, "machine: command `%s`\n", command)
	return out.Bytes()
}

// buildBaseline builds the Go benchmarks of tests/bench as of a git revision, from a
// copy of that revision's tree, and returns the binary and the revision's description.
func buildBaseline(benchDir, revision, tmp string) (bin, rev string, err error) {
	git := func(args ...string) (string, error) {
		cmd := exec.Command("git", args...)
		cmd.Dir = benchDir
		o, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(o)), nil
	}
	root, err := git("rev-parse", "--show-toplevel")
	if err != nil {
		return "", "", err
	}
	if rev, err = git("log", "-1", "--format=%h %s", revision); err != nil {
		return "", "", err
	}
	tree := filepath.Join(tmp, "baseline")
	archive := tree + ".tar"
	if err := os.MkdirAll(tree, 0o755); err != nil {
		return "", "", err
	}
	if _, err := git("-C", root, "archive", "--format=tar", "-o", archive, revision); err != nil {
		return "", "", err
	}
	if o, err := exec.Command("tar", "-xf", archive, "-C", tree).CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("tar: %w: %s", err, o)
	}
	bin = filepath.Join(tmp, "baseline.test")
	cmd := exec.Command("go", "test", "-c", "-o", bin, "./tests/bench")
	cmd.Dir = tree
	if o, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go test -c: %w\n%s", err, tail(o, 2000))
	}
	return bin, rev, nil
}

// renameBaseline renames the kio benchmarks of the baseline binary's output to
// baselineImpl and drops its other lines.
func renameBaseline(out []byte) []byte {
	var b bytes.Buffer
	for line := range strings.SplitSeq(string(out), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := procsSuffix.ReplaceAllString(fields[0], "")
		if !strings.HasSuffix(name, "/kio") {
			continue
		}
		b.WriteString(name[:len(name)-len("kio")] + baselineImpl + line[len(fields[0]):] + "\n")
	}
	return b.Bytes()
}

// goList returns the directory of a package.
func goList(pkg string) (string, error) {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %w", pkg, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func rustUnavailable(skip bool) string {
	if skip {
		return "-skip rust"
	}
	if _, err := exec.LookPath("cargo"); err != nil {
		return "cargo is not on PATH (install Rust with rustup)"
	}
	return ""
}

func javaUnavailable(skip bool) string {
	if skip {
		return "-skip java"
	}
	for _, tool := range []string{"java", "mvn"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not on PATH (needs a JDK 17+ and Maven)"
		}
	}
	return ""
}

// buildRust builds the Rust harness from its lock file and returns the binary.
func buildRust(dir string) (string, error) {
	cmd := exec.Command("cargo", "build", "--release", "--locked")
	cmd.Dir = dir
	if o, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w\n%s", err, tail(o, 2000))
	}
	return filepath.Join(dir, "target", "release", "kio-xbench"), nil
}

// buildJava packages the JMH harness and returns its classpath.
func buildJava(dir string) (string, error) {
	cpFile := filepath.Join(dir, "target", "classpath.txt")
	cmd := exec.Command("mvn", "-q", "-B", "-Dstyle.color=never", "package", "dependency:build-classpath",
		"-Dmdep.outputFile="+cpFile, "-Dmdep.includeScope=runtime")
	cmd.Dir = dir
	if o, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w\n%s", err, tail(o, 2000))
	}
	deps, err := os.ReadFile(cpFile)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "target", "kio-xbench-jmh-0.jar") + string(os.PathListSeparator) + strings.TrimSpace(string(deps)), nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// benchtimeMillis reads a Go -benchtime duration for the Rust harness.
func benchtimeMillis(benchtime string) (int, error) {
	d, err := time.ParseDuration(benchtime)
	if err != nil {
		return 0, fmt.Errorf("-benchtime %q: the cross-language report wants a duration: %w", benchtime, err)
	}
	return max(1, int(d.Milliseconds())), nil
}

// machine describes this machine and the tools' versions.
func machine() []string {
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	lines := []string{fmt.Sprintf("%d cores (nproc), %s, %s/%s, load average %s at the start", runtime.NumCPU(), cpu, runtime.GOOS, runtime.GOARCH, loadAverage())}
	for _, tool := range [][]string{{"go", "version"}, {"rustc", "--version"}, {"java", "-version"}, {"mvn", "-v"}} {
		o, err := exec.Command(tool[0], tool[1:]...).CombinedOutput()
		if err != nil {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimSpace(string(o)), "\n")
		lines = append(lines, strings.TrimSpace(stripANSI(first)))
	}
	return lines
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// jmhResult is the part of a JMH JSON result the report reads.
type jmhResult struct {
	Benchmark     string            `json:"benchmark"`
	Params        map[string]string `json:"params"`
	PrimaryMetric struct {
		Score     float64 `json:"score"`
		ScoreUnit string  `json:"scoreUnit"`
	} `json:"primaryMetric"`
	SecondaryMetrics map[string]struct {
		Score     float64 `json:"score"`
		ScoreUnit string  `json:"scoreUnit"`
	} `json:"secondaryMetrics"`
}

// jmhOps maps the JMH methods to the operations of the Go benchmark names.
var jmhOps = map[string]string{
	"CodecBench.decode":      "decode",
	"CodecBench.encodeReuse": "encode-reuse",
	"CodecBench.encodeFresh": "encode-fresh",
	"CopyBench.copy":         "copy",
}

// jmhLines converts JMH's JSON results into benchmark lines: time per op and, with
// -prof gc, bytes allocated per op (JMH counts no allocations).
func jmhLines(data []byte) ([]byte, error) {
	var results []jmhResult
	if err := json.Unmarshal(data, &results); err != nil {
		return nil, fmt.Errorf("JMH results: %w", err)
	}
	var out bytes.Buffer
	for _, r := range results {
		method := r.Benchmark[strings.LastIndexByte(r.Benchmark[:max(0, strings.LastIndexByte(r.Benchmark, '.'))], '.')+1:]
		op, ok := jmhOps[method]
		if !ok {
			return nil, fmt.Errorf("JMH result %s: unknown benchmark", r.Benchmark)
		}
		fixture := r.Params["fixture"]
		if fixture == "" {
			return nil, fmt.Errorf("JMH result %s: no fixture parameter", r.Benchmark)
		}
		if r.PrimaryMetric.ScoreUnit != "ns/op" {
			return nil, fmt.Errorf("JMH result %s: unit %q, want ns/op", r.Benchmark, r.PrimaryMetric.ScoreUnit)
		}
		name := "Benchmark" + fixture + "/" + op + "/java"
		if op == "copy" {
			name = "BenchmarkCopy/" + fixture + "/java"
		}
		fmt.Fprintf(&out, "%s\t1\t%s ns/op", name, strconv.FormatFloat(r.PrimaryMetric.Score, 'f', 3, 64))
		for key, m := range r.SecondaryMetrics {
			if strings.HasSuffix(key, "gc.alloc.rate.norm") && m.ScoreUnit == "B/op" {
				fmt.Fprintf(&out, "\t%s B/op", strconv.FormatFloat(m.Score, 'f', 0, 64))
			}
		}
		out.WriteByte('\n')
	}
	return out.Bytes(), nil
}

// xlangRun is a parsed cross-language run.
type xlangRun struct {
	res     *results
	machine []string
	notes   []string
	// baseline describes the revision of the "kio before" column, if the run had one.
	baseline string
	// best shows each cell's fastest round instead of its median: on a loaded machine
	// the noise only ever adds time, so the minimum is the better estimate of the
	// quiet machine (and the worse one of what a user sees).
	best bool
}

// parseXlang reads the benchmark, machine and note lines of a run.
func parseXlang(data []byte) (*xlangRun, error) {
	res, _, err := parse(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	x := &xlangRun{res: res}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if m, ok := strings.CutPrefix(line, "machine: "); ok {
			x.machine = append(x.machine, m)
		} else if n, ok := strings.CutPrefix(line, "note: "); ok {
			x.notes = append(x.notes, n)
		} else if b, ok := strings.CutPrefix(line, "baseline: "); ok {
			x.baseline = b
		}
	}
	if len(res.order) == 0 {
		return nil, errors.New("no benchmark results in the run")
	}
	return x, sc.Err()
}

// cell returns the median samples of one row and implementation, the copy rows' keyed
// by the column they are shown in.
func (x *xlangRun) medians(message, op, impl string) (ns, bytesOp, allocs float64) {
	var samples []sample
	if op == "copy" {
		for from, to := range copyImpls {
			if to == impl {
				samples = append(samples, x.res.samples["Copy/"+message][from]...)
			}
		}
		if impl == "kio" {
			row, impl := goCopy(message)
			samples = append(samples, x.res.samples[row][impl]...)
		}
	} else {
		samples = x.res.samples[message+"/"+op][impl]
	}
	stat := median
	if x.best {
		stat = minimum
	}
	return stat(samples, func(s sample) float64 { return s.ns }),
		median(samples, func(s sample) float64 { return s.bytes }),
		median(samples, func(s sample) float64 { return s.allocs })
}

// minimum of the values picked from samples; NaN when there are none.
func minimum(samples []sample, pick func(sample) float64) float64 {
	m := math.NaN()
	for _, s := range samples {
		if v := pick(s); !math.IsNaN(v) && (math.IsNaN(m) || v < m) {
			m = v
		}
	}
	return m
}

// printXlang writes the cross-language tables: time with ratios, then memory.
func printXlang(w io.Writer, x *xlangRun) {
	if len(x.machine) > 0 {
		fmt.Fprintf(w, "Machine: %s.\n\n", strings.Join(x.machine, "; "))
	}
	for _, n := range x.notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	if len(x.notes) > 0 {
		fmt.Fprintln(w)
	}
	stat := "Median ns per operation over the rounds"
	if x.best {
		stat = "Fastest round's ns per operation (-best)"
	}
	fmt.Fprintln(w, stat+". kio/kmsg and kio/fastest divide kio's time by kmsg's and by the fastest other implementation on the same bytes (named; kafka-go, kio before and the cells marked † excluded); below 1 kio is faster. kio/before divides it by kio's at the baseline revision (-baseline), measured in the same rounds. kio/copy divides a fresh encode by one copy of the message's bytes in Go, the physical limit. † also parses the 1 MiB record batch, which the others keep as bytes. Brackets: crabka's borrowed (zero-copy) decode.")
	fmt.Fprintln(w)
	impls := x.impls()
	header := []string{"fixture, op"}
	for _, im := range impls {
		header = append(header, im.header)
	}
	header = append(header, "kio/kmsg", "kio/fastest", "kio/copy")
	if x.baseline != "" {
		header = append(header, "kio/before")
	}
	fmt.Fprintf(w, "| %s |\n|---|%s\n", strings.Join(header, " | "), strings.Repeat("--:|", len(header)-1))
	for _, msg := range xlangMessages {
		for _, op := range xlangOps {
			if !x.hasRow(msg, op) {
				continue
			}
			cells := []string{messageLabels[msg] + " " + opLabels[op]}
			fastest, fastestName := math.NaN(), ""
			for _, im := range impls {
				ns, _, _ := x.medians(msg, op, im.key)
				cell := formatNumber(ns)
				if parsesRecords[msg+"/"+op+"/"+im.key] && !math.IsNaN(ns) {
					cell += " †"
				}
				if b, ok := borrowedOf[im.key]; ok {
					if bns, _, _ := x.medians(msg, op, b); !math.IsNaN(bns) {
						cell += " (borrowed " + formatNumber(bns)
						if parsesRecords[msg+"/"+op+"/"+b] {
							cell += " †"
						}
						cell += ")"
					}
				}
				if op == "copy" && (im.key == "kmsg" || im.key == "kafkago" || im.key == "crabka" || im.key == baselineImpl) {
					cell = ""
				}
				cells = append(cells, cell)
				if im.key != "kio" && im.key != baselineImpl && im.sameBytes && op != "copy" && !parsesRecords[msg+"/"+op+"/"+im.key] &&
					!math.IsNaN(ns) && (math.IsNaN(fastest) || ns < fastest) {
					fastest, fastestName = ns, im.key
				}
			}
			kio, _, _ := x.medians(msg, op, "kio")
			kmsg, _, _ := x.medians(msg, op, "kmsg")
			if op == "copy" {
				cells = append(cells, "", "", "")
				if x.baseline != "" {
					cells = append(cells, "")
				}
			} else {
				cells = append(cells, formatRatio(kio, kmsg))
				if fastestName != "" {
					cells = append(cells, formatRatio(kio, fastest)+" ("+fastestName+")")
				} else {
					cells = append(cells, "—")
				}
				if copyNs, _, _ := x.medians(msg, "copy", "kio"); op == "encode-fresh" && !math.IsNaN(copyNs) {
					cells = append(cells, formatRatio(kio, copyNs))
				} else {
					cells = append(cells, "")
				}
				if x.baseline != "" {
					before, _, _ := x.medians(msg, op, baselineImpl)
					cells = append(cells, formatRatio(kio, before))
				}
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
		}
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "Allocations per operation, then bytes allocated per operation (medians). The Rust harness counts through a global allocator (a reallocation counts as one allocation); JMH reports bytes only (`-prof gc`, gc.alloc.rate.norm).")
	fmt.Fprintln(w)
	header = []string{"fixture, op"}
	for _, im := range impls {
		header = append(header, im.header)
	}
	fmt.Fprintf(w, "| %s |\n|---|%s\n", strings.Join(header, " | "), strings.Repeat("--:|", len(header)-1))
	for _, msg := range xlangMessages {
		for _, op := range xlangOps {
			if op == "copy" || !x.hasRow(msg, op) {
				continue
			}
			cells := []string{messageLabels[msg] + " " + opLabels[op]}
			for _, im := range impls {
				cells = append(cells, memoryCell(x, msg, op, im.key))
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
		}
	}
}

// impls lists the table's columns: xlangImpls, with "kio before" after kio when the
// run had a baseline.
func (x *xlangRun) impls() []xlangImpl {
	if x.baseline == "" {
		return xlangImpls
	}
	rev, _, _ := strings.Cut(x.baseline, " ")
	return slices.Insert(slices.Clone(xlangImpls), 1, xlangImpl{baselineImpl, "kio before (" + rev + ")", true})
}

// memoryCell is "allocations / bytes B" of one cell, with the borrowed variant's in
// brackets.
func memoryCell(x *xlangRun, msg, op, impl string) string {
	one := func(impl string) string {
		ns, b, a := x.medians(msg, op, impl)
		if math.IsNaN(ns) {
			return ""
		}
		return formatNumber(a) + " / " + formatNumber(b) + " B"
	}
	cell := one(impl)
	if cell == "" {
		cell = "—"
	}
	if b, ok := borrowedOf[impl]; ok {
		if bc := one(b); bc != "" {
			cell += " (borrowed " + bc + ")"
		}
	}
	return cell
}

// hasRow reports whether any implementation measured the row.
func (x *xlangRun) hasRow(msg, op string) bool {
	if op == "copy" {
		row, impl := goCopy(msg)
		return len(x.res.samples["Copy/"+msg]) > 0 || len(x.res.samples[row][impl]) > 0
	}
	return len(x.res.samples[msg+"/"+op]) > 0
}
