package kafkadist

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/filelock"
)

// JavaDir is the Maven project of the Java helpers, found from this source file so
// that every test package reaches the same one.
func JavaDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "java")
}

type builtModule struct {
	once sync.Once
	cp   string
	err  error
}

var built sync.Map // module + "@" + version -> *builtModule

// Classpath builds Maven module (a folder of tests/java: "oracle", "clients"...) against
// Kafka release version, once per process, and returns a Java classpath holding the
// module's jar and all its dependencies. Where Java, Maven or the registry is missing it
// ends the test through Unavailable.
//
// Builds are serialised across processes with a lock file, because go test runs the
// test packages that need Java at the same time.
func Classpath(t testing.TB, module, version string) string {
	t.Helper()
	RequireTools(t, "java", "mvn")
	v, _ := built.LoadOrStore(module+"@"+version, &builtModule{})
	b := v.(*builtModule)
	b.once.Do(func() { b.cp, b.err = buildModule(module, version) })
	if b.err != nil {
		Unavailable(t, fmt.Sprintf("building tests/java/%s against Kafka %s: %v (Maven needs Maven Central)", module, version, b.err))
	}
	return b.cp
}

func buildModule(module, version string) (string, error) {
	dir := JavaDir()
	unlock, err := filelock.Lock(filepath.Join(dir, ".build.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	out := filepath.Join(dir, module, "target", version)
	cpFile := filepath.Join(out, "classpath.txt")
	args := []string{"-q", "-B", "-Dstyle.color=never", "-Dkafka.version=" + version, "-pl", module, "-am",
		"package", "dependency:build-classpath", "-Dmdep.outputFile=" + cpFile, "-Dmdep.includeScope=runtime"}
	cmd := exec.Command("mvn", args...)
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("mvn %s: %v\n%s", strings.Join(args, " "), err, tail(msg, 3000))
	}
	deps, err := os.ReadFile(cpFile)
	if err != nil {
		return "", err
	}
	jar := filepath.Join(out, module+"-0.jar")
	if _, err := os.Stat(jar); err != nil {
		return "", err
	}
	return jar + string(os.PathListSeparator) + strings.TrimSpace(string(deps)), nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// BuildClasspath is Classpath for programs that are not tests (such as the command that
// starts a real broker by hand): it builds the module once per process and returns the
// classpath or the build's error.
func BuildClasspath(module, version string) (string, error) {
	for _, c := range []string{"java", "mvn"} {
		if _, err := exec.LookPath(c); err != nil {
			return "", fmt.Errorf("%s is not on PATH", c)
		}
	}
	v, _ := built.LoadOrStore(module+"@"+version, &builtModule{})
	b := v.(*builtModule)
	b.once.Do(func() { b.cp, b.err = buildModule(module, version) })
	return b.cp, b.err
}
