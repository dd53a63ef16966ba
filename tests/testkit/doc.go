// Package testkit holds what the suites under tests/ share, so that each suite reads as
// the scenario it runs: a connection that sends kio's generated requests through
// kio/client and records what completed ([Conn], [Call]), that record by API key
// ([Coverage]), and the versions to test an API at ([LearnVersions], [Common]).
//
// It speaks Kafka through kio alone. What starts a peer (franz-go's kfake, a real
// broker in tests/realkafka, a kio/server fake) stays with the suite that needs it.
package testkit

// Ptr returns a pointer to a copy of v, for the optional fields of generated structs.
func Ptr[T any](v T) *T { return &v }
