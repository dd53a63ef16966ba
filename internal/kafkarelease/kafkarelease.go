// Package kafkarelease pins the Apache Kafka releases kio is built from and judged by:
// kio/schema merges their specs (generator), and the suites run their Java classes and
// brokers (tests/kafkadist, tests/java). It sits at the module root's internal/, the
// build tooling every layer may import (kio/ tests, internal/, generator/, tests/), so
// that nothing outside tests/ needs a package of tests/ to know a release number.
//
// A new Kafka release moves Newest in one command, which also regenerates kio/schema:
//
//	go run ./generator -release 4.4.0
package kafkarelease

// The pinned releases, both taken from Maven Central as they ship (kafka-clients for the
// specs and message classes, kafka_2.13 for a broker).
const (
	// Kafka39 is the newest 3.9.x: the 3.9 line stays, since it is the last to define the
	// APIs Kafka 4 dropped (LeaderAndIsr to ControlledShutdown, Produce and Fetch's
	// oldest versions) that an old client or broker may still speak.
	Kafka39 = "3.9.2"
	// Newest is the newest release; `go run ./generator -release X.Y.Z` replaces it.
	Newest = "4.4.0"
)

// All lists the pinned releases, oldest first: the releases kio/schema merges, in the
// order the generator takes them, and the releases the Java and broker suites run.
func All() []string { return []string{Kafka39, Newest} }
