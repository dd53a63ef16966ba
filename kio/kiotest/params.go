package kiotest

import (
	"os"
	"strconv"

	"github.com/leanovate/gopter"
)

// DefaultSeed is the fixed seed of Parameters, so that runs are reproducible.
const DefaultSeed int64 = 0x6b696f // "kio"

// Environment variables read by Cases, Seed and Parameters.
const (
	// CasesEnv sets the number of cases per property, for long local runs:
	// KIO_PROP_CASES=5000 go test ./...
	CasesEnv = "KIO_PROP_CASES"
	// SeedEnv replaces DefaultSeed, to explore other values or replay a reported seed.
	SeedEnv = "KIO_PROP_SEED"
)

// Cases returns the number of cases a property should check: the value of
// KIO_PROP_CASES when it is a positive integer, else def.
func Cases(def int) int {
	if n, err := strconv.Atoi(os.Getenv(CasesEnv)); err == nil && n > 0 {
		return n
	}
	return def
}

// Seed returns the seed properties should use: KIO_PROP_SEED when it is an integer,
// else DefaultSeed.
func Seed() int64 {
	if n, err := strconv.ParseInt(os.Getenv(SeedEnv), 0, 64); err == nil {
		return n
	}
	return DefaultSeed
}

// Parameters returns gopter parameters with a fixed seed (Seed) that check Cases(def)
// cases per property on one worker. Each call returns fresh parameters with their own
// random source, so properties run in parallel stay deterministic.
func Parameters(def int) *gopter.TestParameters {
	p := gopter.DefaultTestParametersWithSeed(Seed())
	p.MinSuccessfulTests = Cases(def)
	return p
}
