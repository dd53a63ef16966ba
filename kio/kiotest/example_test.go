package kiotest_test

import (
	"fmt"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/kiotest"
	"github.com/kio-go/kafka-protocol/kio/schema"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
)

// A hand-written message: versions 0-2, flexible from v2.
type Greeting struct {
	_           struct{}    `kafka:"request,apiKey=1000,versions=0-2,flexible=2+"`
	Name        string      `kafka:"versions=0+"`
	Nickname    *string     `kafka:"versions=1+,nullable=1+"`
	Languages   []string    `kafka:"versions=0+"`
	TimeoutMs   int32       `kafka:"versions=0+,default=30000"`
	Trace       *string     `kafka:"versions=2+,nullable=2+,default=null,tag=0,tagged=2+"`
	UnknownTags kio.RawTags `kafka:"unknownTags"`
}

// A round-trip property over a hand-written struct at every version it declares.
func Example() {
	props := gopter.NewProperties(kiotest.Parameters(200))
	for v := int16(0); v <= 2; v++ {
		props.Property(fmt.Sprintf("Greeting v%d", v), kiotest.RoundTripProp[Greeting](v))
	}
	// In a test: props.TestingRun(t), which fails the test and reports the shrunk value.
	fmt.Println("every version passed:", props.Run(quiet{}))
	// Output:
	// every version passed: true
}

// A property over a generated message at every version of its API, taken from the
// schema index, written out with Gen and RoundTrip, and a Coverage proving that every
// nullable, tagged, unknown-tags and array field was generated in each of its states.
func Example_generatedMessage() {
	api, _ := schema.Lookup(metadata.APIKey)
	cov := kiotest.NewCoverage()
	props := gopter.NewProperties(kiotest.Parameters(200))
	for v := api.Versions.Lo; v <= api.Versions.Hi; v++ {
		props.Property(fmt.Sprintf("MetadataRequest v%d", v), prop.ForAll(func(m metadata.MetadataRequest) string {
			if err := kiotest.RoundTrip(&m, v); err != nil {
				return err.Error() // gopter shrinks m and reports this with the smallest m
			}
			return ""
		}, kiotest.Gen[metadata.MetadataRequest](v, kiotest.WithCoverage(cov))))
	}
	fmt.Println("every version passed:", props.Run(quiet{}))
	fmt.Println("states never generated:", len(cov.Missing()))
	// Output:
	// every version passed: true
	// states never generated: 0
}

// A property that fails: gopter shrinks the failing value to a small one.
func Example_shrinking() {
	params := gopter.DefaultTestParametersWithSeed(1)
	res := prop.ForAll(func(g Greeting) bool {
		return len(g.Languages) < 2 // the "bug": two languages or more
	}, kiotest.Gen[Greeting](1)).Check(params)
	g := res.Args[0].Arg.(Greeting)
	fmt.Printf("Name %q, Nickname %v, Languages %q, TimeoutMs %d\n", g.Name, g.Nickname, g.Languages, g.TimeoutMs)
	// Output:
	// Name "", Nickname <nil>, Languages ["" ""], TimeoutMs 0
}

// quiet is a gopter reporter that prints nothing, so the examples' output is theirs.
type quiet struct{}

func (quiet) ReportTestResult(string, *gopter.TestResult) {}
