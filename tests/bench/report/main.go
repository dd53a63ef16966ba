// Command report runs the side-by-side benchmarks of tests/bench (kio, franz-go's kmsg,
// segmentio/kafka-go) and prints a Markdown table: for each benchmark the median ns/op,
// B/op and allocs/op of every implementation over -count runs, and kio's time and
// allocation ratios against the anchors. The runs are interleaved: every benchmark runs
// once per round, so each row's implementations are measured side by side in time
// (-together runs go test -count instead).
//
//	go run ./tests/bench/report                      # run (about 1.5 minutes on 2 cores)
//	go run ./tests/bench/report -count 8 -benchtime 500ms -raw bench.txt
//	go run ./tests/bench/report -in bench.txt        # table from a saved run
//
// Benchmarks are paired by name: Benchmark<Subject>/<operation>/<implementation>, the
// last element naming the implementation (kio, kmsg or kafkago).
//
// With -xlang it runs the cross-language benchmark instead (see xlang.go): kio, kmsg and
// kafka-go, the Rust crates kafka-protocol and crabka-protocol (tests/bench/rust, built
// with cargo) and Kafka's Java classes under JMH (tests/bench/jmh, built with Maven),
// over the same fixture files, interleaved in rounds, every implementation checked to
// reproduce the fixture bytes first; a harness whose tool is missing is skipped with a
// note saying so:
//
//	go run ./tests/bench/report -xlang                   # 3 rounds, about 5 minutes on 2 cores
//	go run ./tests/bench/report -xlang -count 5 -raw xlang.txt
//	go run ./tests/bench/report -xlang -in xlang.txt     # tables from a saved run
//	go run ./tests/bench/report -xlang -in xlang.txt -best   # each cell's fastest round
//	go run ./tests/bench/report -xlang -baseline 0ae57a9     # kio as of a revision, side by side
//	go run ./tests/bench/report -xlang -skip java -jmh '-f 1 -wi 5 -i 5'
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// benchPackage is the package the benchmarks live in; an import path works from any
// directory of the module.
const benchPackage = "github.com/kio-go/kafka-protocol/tests/bench"

// implementations, in column order.
var implementations = []string{"kio", "kmsg", "kafkago"}

func main() {
	var (
		count     = flag.Int("count", 5, "runs of each benchmark; the table shows medians")
		benchtime = flag.String("benchtime", "200ms", "go test -benchtime per run")
		bench     = flag.String("bench", ".", "go test -bench pattern")
		in        = flag.String("in", "", "read saved `go test -bench` output from this file instead of running")
		raw       = flag.String("raw", "", "also save the raw `go test -bench` output to this file")
		together  = flag.Bool("together", false, "one go test -count run (each benchmark's runs back to back) instead of interleaved rounds")
		xlang     = flag.Bool("xlang", false, "run the cross-language benchmark (Go, Rust, Java) instead; -count rounds, 3 unless set")
		jmh       = flag.String("jmh", "-f 1 -wi 3 -w 300ms -i 3 -r 300ms -prof gc", "with -xlang: JMH options of each round")
		skip      = flag.String("skip", "", "with -xlang: comma-separated harnesses not to run (rust, java)")
		baseline  = flag.String("baseline", "", "with -xlang: also run kio's Go benchmarks as of this git `revision` in every round (column kio before)")
		best      = flag.Bool("best", false, "with -xlang: show each cell's fastest round instead of the median (memory stays the median)")
	)
	flag.Parse()

	if *xlang {
		rounds := 3
		flag.Visit(func(f *flag.Flag) {
			if f.Name == "count" {
				rounds = *count
			}
		})
		var output []byte
		if *in != "" {
			var err error
			if output, err = os.ReadFile(*in); err != nil {
				fail(err)
			}
		} else {
			output = runXlang(xlangConfig{rounds: rounds, benchtime: *benchtime, jmh: *jmh, skip: *skip, baseline: *baseline})
			if *raw != "" {
				if err := os.WriteFile(*raw, output, 0o644); err != nil {
					fail(err)
				}
			}
		}
		x, err := parseXlang(output)
		if err != nil {
			fail(err)
		}
		x.best = *best
		printXlang(os.Stdout, x)
		return
	}

	var output []byte
	var command string
	if *in != "" {
		var err error
		if output, err = os.ReadFile(*in); err != nil {
			fail(err)
		}
		command = "(read from " + *in + ")"
	} else if *together {
		args := []string{"test", "-run", "^$", "-bench", *bench, "-benchmem",
			"-count", strconv.Itoa(*count), "-benchtime", *benchtime, "-timeout", "60m", benchPackage}
		command = "go " + strings.Join(args, " ")
		fmt.Fprintln(os.Stderr, command)
		var err error
		if output, err = run("go", args); err != nil {
			os.Stdout.Write(output)
			fail(fmt.Errorf("go test: %w", err))
		}
	} else {
		output, command = runRounds(*count, *bench, *benchtime)
	}
	if *in == "" && *raw != "" {
		if err := os.WriteFile(*raw, output, 0o644); err != nil {
			fail(err)
		}
	}

	results, env, err := parse(bytes.NewReader(output))
	if err != nil {
		fail(err)
	}
	if len(results.order) == 0 {
		fail(fmt.Errorf("no benchmark results in the output"))
	}
	printTable(os.Stdout, results, env, command)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "report:", err)
	os.Exit(1)
}

// runRounds builds the benchmark binary once and runs every benchmark once per round,
// rounds times. Each row's implementations then run next to each other in every round,
// so a slow minute on a shared machine slows all of them rather than one: medians over
// rounds compare like with like, where -count would run one implementation's samples
// back to back and another's minutes later.
func runRounds(rounds int, bench, benchtime string) ([]byte, string) {
	dir, err := os.MkdirTemp("", "kio-bench")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bench.test")
	if out, err := run("go", []string{"test", "-c", "-o", bin, benchPackage}); err != nil {
		os.Stdout.Write(out)
		fail(fmt.Errorf("go test -c: %w", err))
	}
	args := []string{"-test.run", "^$", "-test.bench", bench, "-test.benchmem",
		"-test.count", "1", "-test.benchtime", benchtime, "-test.timeout", "60m"}
	command := fmt.Sprintf("go test -c %s, then %d rounds of bench.test %s", benchPackage, rounds, strings.Join(args, " "))
	fmt.Fprintln(os.Stderr, command)
	var all []byte
	for i := range rounds {
		fmt.Fprintf(os.Stderr, "round %d of %d\n", i+1, rounds)
		out, err := run(bin, args)
		all = append(all, out...)
		if err != nil {
			os.Stdout.Write(out)
			fail(fmt.Errorf("bench.test: %w", err))
		}
	}
	return all, command
}

// run runs name with args, echoing its output to stderr as it comes (the runs take
// minutes) and returning it.
func run(name string, args []string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, os.Stderr)
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	return out.Bytes(), err
}

// sample is one benchmark line's measurements.
type sample struct{ ns, bytes, allocs float64 }

// results holds the samples per row (benchmark name without the implementation) and
// implementation, with the rows in order of first appearance.
type results struct {
	order   []string
	samples map[string]map[string][]sample
}

// procsSuffix is the -GOMAXPROCS suffix go test adds to benchmark names.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// parse reads `go test -bench -benchmem` output: result lines and the goos, goarch,
// cpu and pkg lines, which it returns as env.
func parse(r io.Reader) (*results, []string, error) {
	res := &results{samples: map[string]map[string][]sample{}}
	var env []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		for _, prefix := range []string{"goos:", "goarch:", "cpu:"} {
			if strings.HasPrefix(line, prefix) && !slices.Contains(env, line) {
				env = append(env, line)
			}
		}
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := procsSuffix.ReplaceAllString(fields[0], "")
		slash := strings.LastIndexByte(name, '/')
		if slash < 0 {
			continue
		}
		row, impl := strings.TrimPrefix(name[:slash], "Benchmark"), name[slash+1:]
		s := sample{ns: math.NaN(), bytes: math.NaN(), allocs: math.NaN()}
		// After the name and iteration count come value-unit pairs.
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, nil, fmt.Errorf("line %q: %w", line, err)
			}
			switch fields[i+1] {
			case "ns/op":
				s.ns = v
			case "B/op":
				s.bytes = v
			case "allocs/op":
				s.allocs = v
			}
		}
		if res.samples[row] == nil {
			res.samples[row] = map[string][]sample{}
			res.order = append(res.order, row)
		}
		res.samples[row][impl] = append(res.samples[row][impl], s)
	}
	return res, env, sc.Err()
}

// median of the values picked from samples; NaN when there are none.
func median(samples []sample, pick func(sample) float64) float64 {
	var vs []float64
	for _, s := range samples {
		if v := pick(s); !math.IsNaN(v) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return math.NaN()
	}
	slices.Sort(vs)
	if n := len(vs); n%2 == 1 {
		return vs[n/2]
	} else {
		return (vs[n/2-1] + vs[n/2]) / 2
	}
}

func printTable(w io.Writer, res *results, env []string, command string) {
	fmt.Fprintf(w, "Command: `%s`\n\n", command)
	if len(env) > 0 {
		fmt.Fprintf(w, "%s\n\n", strings.Join(env, ", "))
	}
	fmt.Fprintln(w, "Medians over the runs. Ratios are kio divided by the anchor: below 1 kio is faster or allocates less.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Benchmark | kio ns/op | kmsg ns/op | kafka-go ns/op | kio/kmsg time | kio/kafka-go time | kio B/op | kmsg B/op | kafka-go B/op | kio allocs | kmsg allocs | kafka-go allocs | kio/kmsg allocs |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	ns := func(s sample) float64 { return s.ns }
	bytesOp := func(s sample) float64 { return s.bytes }
	allocs := func(s sample) float64 { return s.allocs }
	for _, row := range res.order {
		byImpl := res.samples[row]
		med := func(impl string, pick func(sample) float64) float64 { return median(byImpl[impl], pick) }
		cells := []string{row}
		for _, impl := range implementations {
			cells = append(cells, formatNumber(med(impl, ns)))
		}
		cells = append(cells,
			formatRatio(med("kio", ns), med("kmsg", ns)),
			formatRatio(med("kio", ns), med("kafkago", ns)))
		for _, impl := range implementations {
			cells = append(cells, formatNumber(med(impl, bytesOp)))
		}
		for _, impl := range implementations {
			cells = append(cells, formatNumber(med(impl, allocs)))
		}
		cells = append(cells, formatRatio(med("kio", allocs), med("kmsg", allocs)))
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	var others []string
	for _, row := range res.order {
		for impl := range res.samples[row] {
			if !slices.Contains(implementations, impl) {
				others = append(others, row+"/"+impl)
			}
		}
	}
	if len(others) > 0 {
		slices.Sort(others)
		fmt.Fprintf(w, "\nNot shown (implementation not one of %v): %s\n", implementations, strings.Join(others, ", "))
	}
}

// formatNumber prints v with thousands separators, keeping two decimals below 100;
// "—" for a missing value.
func formatNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "—"
	case v < 100 && v != math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// formatRatio prints a/b to two decimals (two significant digits below 0.1); "—" if
// either is missing, "=" when both are zero, "∞" when only b is.
func formatRatio(a, b float64) string {
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return "—"
	case a == 0 && b == 0:
		return "="
	case b == 0:
		return "∞"
	}
	if r := a / b; r < 0.1 {
		return strconv.FormatFloat(r, 'g', 2, 64)
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64)
}
