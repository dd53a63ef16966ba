// Package kafkaspecs gets the JSON message specs and the error codes of a named Apache
// Kafka release from the release's own artifacts on Maven Central, and keeps them in a
// cache outside the repository.
//
// The specs are the common/message/*.json files that the kafka-clients jar carries (the
// files of the release's clients/src/main/resources/common/message folder). The error
// codes come from the release's org.apache.kafka.common.protocol.Errors enum, printed by
// ErrorCodes.java run on the jar: code, name, and whether the code's exception is a
// RetriableException.
//
// A release's cache folder holds message/*.json and error-codes.csv; it is written
// to a temporary folder and renamed into place, so a folder that exists is complete.
package kafkaspecs

import (
	"archive/zip"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kio-go/kafka-protocol/internal/filelock"
)

// errorCodesJava is the Java program that prints a release's error codes.
//
//go:embed ErrorCodes.java
var errorCodesJava []byte

// slf4jAPI is the logging API the Errors class loads; any release of it works, since
// Errors only asks for a logger. No binding is installed, so nothing is logged.
const slf4jAPI = "org.slf4j:slf4j-api:1.7.36"

// Release is one release's specs and error codes in the cache.
type Release struct {
	Version    string // e.g. "4.4.0"
	Dir        string // the release's cache folder
	Specs      string // the folder of its *.json specs
	ErrorCodes string // its error-codes.csv
}

// CacheRoot is where releases are kept: $KIO_KAFKA_SPECS if set, else
// <user cache dir>/kio/kafka-specs (~/.cache/kio/kafka-specs on Linux).
func CacheRoot() (string, error) {
	if d := os.Getenv("KIO_KAFKA_SPECS"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "kio", "kafka-specs"), nil
}

var versionPattern = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)

// Cached returns the release from the cache under root without fetching anything, and
// whether it is there.
func Cached(root, version string) (Release, bool) {
	r := release(root, version)
	if _, err := os.Stat(r.ErrorCodes); err != nil {
		return r, false
	}
	return r, true
}

func release(root, version string) Release {
	dir := filepath.Join(root, version)
	return Release{Version: version, Dir: dir, Specs: filepath.Join(dir, "message"), ErrorCodes: filepath.Join(dir, "error-codes.csv")}
}

// Get returns the release from the cache under root, first fetching it when it is not
// there: the kafka-clients jar through Maven (mvn dependency:copy, from Maven Central),
// its specs unpacked, its error codes printed by ErrorCodes.java (java). version is a
// full release number such as "4.4.0".
func Get(root, version string) (Release, error) {
	if !versionPattern.MatchString(version) {
		return Release{}, fmt.Errorf("release %q is not a full release number such as 4.4.0", version)
	}
	if r, ok := Cached(root, version); ok {
		return r, nil
	}
	r := release(root, version)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return r, err
	}
	// One fetch at a time across processes (go test runs packages in parallel), so
	// Maven's local repository sees one writer and the release is fetched once.
	unlock, err := filelock.Lock(filepath.Join(root, ".lock"))
	if err != nil {
		return r, err
	}
	defer unlock()
	if r, ok := Cached(root, version); ok {
		return r, nil
	}
	tmp, err := os.MkdirTemp(root, "."+version+"-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(tmp)
	jars := filepath.Join(tmp, "jars")
	for _, artifact := range []string{"org.apache.kafka:kafka-clients:" + version, slf4jAPI} {
		cmd := exec.Command("mvn", "-q", "-B", "dependency:copy", "-Dartifact="+artifact, "-DoutputDirectory="+jars)
		if out, err := cmd.CombinedOutput(); err != nil {
			return r, fmt.Errorf("mvn dependency:copy %s: %v\n%s", artifact, err, tail(out))
		}
	}
	clients := filepath.Join(jars, "kafka-clients-"+version+".jar")
	staged := release(tmp, "staged")
	n, err := unpackSpecs(clients, staged.Specs)
	if err != nil {
		return r, err
	}
	if n == 0 {
		return r, fmt.Errorf("%s holds no common/message/*.json", clients)
	}
	if err := writeErrorCodes(staged, jars); err != nil {
		return r, err
	}
	if err := os.Rename(staged.Dir, r.Dir); err != nil {
		if _, ok := Cached(root, version); ok {
			return r, nil // another process got there first
		}
		return r, err
	}
	return r, nil
}

// unpackSpecs writes the jar's common/message/*.json into dir and returns their number.
func unpackSpecs(jar, dir string) (int, error) {
	z, err := zip.OpenReader(jar)
	if err != nil {
		return 0, err
	}
	defer z.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	n := 0
	for _, f := range z.File {
		if path.Dir(f.Name) != "common/message" || !strings.HasSuffix(f.Name, ".json") {
			continue
		}
		if f.UncompressedSize64 > 1<<24 {
			return n, fmt.Errorf("%s: %s is implausibly large", jar, f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return n, err
		}
		src, err := io.ReadAll(io.LimitReader(rc, 1<<24))
		rc.Close()
		if err != nil {
			return n, fmt.Errorf("%s: %s: %v", jar, f.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, path.Base(f.Name)), src, 0o644); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// writeErrorCodes runs ErrorCodes.java on the jars and writes its CSV.
func writeErrorCodes(r Release, jars string) error {
	src := filepath.Join(r.Dir, "ErrorCodes.java")
	if err := os.WriteFile(src, errorCodesJava, 0o644); err != nil {
		return err
	}
	defer os.Remove(src)
	entries, err := os.ReadDir(jars)
	if err != nil {
		return err
	}
	var cp []string
	for _, e := range entries {
		cp = append(cp, filepath.Join(jars, e.Name()))
	}
	cmd := exec.Command("java", "-cp", strings.Join(cp, string(os.PathListSeparator)), src)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("java ErrorCodes.java: %v\n%s", err, tail([]byte(stderr.String())))
	}
	if !strings.HasPrefix(string(out), "code,name,retriable\n") {
		return errors.New("java ErrorCodes.java printed no error codes")
	}
	return os.WriteFile(r.ErrorCodes, out, 0o644)
}

func tail(b []byte) string {
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}
