package testkit_test

import (
	"fmt"

	"github.com/kio-go/kafka-protocol/kio/tags"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

func ExampleCoverage() {
	var cov testkit.Coverage
	for v := int16(0); v <= 3; v++ {
		cov.Add("broker", 3, v) // Metadata v0-v3
	}
	cov.Add("broker", 18, 0) // ApiVersions v0 and v3: not a range
	cov.Add("broker", 18, 3)
	cov.Add("controller", 18, 4)
	fmt.Println(cov.Describe("broker"))
	fmt.Println(cov.Summary())
	// Output:
	// Metadata(3) v0-v3; ApiVersions(18) [0 3]
	// 7 API/version pairs over 2 APIs: Metadata(3) v0-v3; ApiVersions(18) [0 3 4]
}

func ExampleCommon() {
	// What a peer advertised in ApiVersions: Metadata v0-v1, and an API kio lacks.
	supported := map[int16]tags.Range{3: {Lo: 0, Hi: 1}, 9999: {Lo: 0, Hi: 2}}
	fmt.Println(testkit.Common(supported, 3), testkit.Common(supported, 18), testkit.Common(supported, 9999))
	// Output: [0 1] [] []
}
