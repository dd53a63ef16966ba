package tags_test

import (
	"errors"
	"fmt"

	"github.com/kio-go/kafka-protocol/kio/tags"
)

// Version ranges as Kafka's specs write them.
func ExampleParseRange() {
	for _, s := range []string{"3", "0-5", "9+", "none"} {
		r, err := tags.ParseRange(s)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-4s contains 4: %-5v 12: %-5v open: %v\n", r, r.Contains(4), r.Contains(12), r.IsOpen())
	}
	flexible, _ := tags.ParseRange("9+")
	valid, _ := tags.ParseRange("0-12")
	fmt.Println("flexible and valid:", flexible.Intersect(valid))

	_, err := tags.ParseRange("5-3")
	fmt.Println(err != nil)
	// Output:
	// 3    contains 4: false 12: false open: false
	// 0-5  contains 4: true  12: false open: false
	// 9+   contains 4: false 12: true  open: true
	// none contains 4: false 12: false open: false
	// flexible and valid: 9-12
	// true
}

// The tag of a nullable string field that becomes tagged in flexible versions, and a
// malformed tag, which is a *tags.Error naming the item at fault.
func ExampleParseField() {
	f, err := tags.ParseField("type=string,versions=2+,nullable=2+,default=null,tag=0,tagged=2+")
	if err != nil {
		panic(err)
	}
	fmt.Println("type:", f.Type, "versions:", f.Versions, "nullable:", f.Nullable)
	fmt.Println("tagged:", f.IsTagged(), "tag:", f.Tag, "in", f.Tagged, "default:", f.Default, f.HasDefault)

	_, err = tags.ParseField("type=int32,versions=0+,colour=blue")
	var te *tags.Error
	fmt.Println(errors.As(err, &te), te.Item)
	// Output:
	// type: string versions: 2+ nullable: 2+
	// tagged: true tag: 0 in 2+ default: null true
	// true colour=blue
}
