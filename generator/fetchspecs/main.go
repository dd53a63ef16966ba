// Command fetchspecs puts the JSON message specs and the error codes of named Apache
// Kafka releases into a cache outside the repository, from each release's kafka-clients
// jar on Maven Central, and prints each release's folder:
//
//	go run ./generator/fetchspecs -release 4.4.0
//	~/.cache/kio/kafka-specs/4.4.0
//
// The folder holds message/*.json (as the jar carries them) and error-codes.csv (read
// from the release's Errors enum by ErrorCodes.java). It needs mvn and java. The cache
// is $KIO_KAFKA_SPECS, else the user cache folder's kio/kafka-specs.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/kio-go/kafka-protocol/internal/kafkaspecs"
)

func main() {
	releases := flag.String("release", "", "comma-separated Kafka releases, e.g. 3.9.2,4.4.0")
	flag.Parse()
	if *releases == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	root, err := kafkaspecs.CacheRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fetchspecs:", err)
		os.Exit(1)
	}
	for _, v := range strings.Split(*releases, ",") {
		r, err := kafkaspecs.Get(root, strings.TrimSpace(v))
		if err != nil {
			fmt.Fprintln(os.Stderr, "fetchspecs:", err)
			os.Exit(1)
		}
		fmt.Println(r.Dir)
	}
}
