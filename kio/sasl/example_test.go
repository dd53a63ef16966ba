package sasl_test

import (
	"context"
	"fmt"

	"github.com/kio-go/kafka-protocol/kio/sasl"
)

// The two sides of a SCRAM-SHA-512 login, tokens passed by hand (kio/client and
// kio/server carry them in SaslAuthenticate requests).
func Example() {
	cred, _ := sasl.NewScramCredential(sasl.SHA512, "alice-secret") // what a server stores
	srv := sasl.ScramServer{Hash: sasl.SHA512, Lookup: func(user string, token bool) (sasl.ScramCredential, bool) {
		return cred, user == "alice" && !token
	}}.Start(context.Background())

	var mech sasl.Mechanism = &sasl.Scram{Hash: sasl.SHA512, User: "alice", Password: "alice-secret"}
	session, token, _ := mech.Start(context.Background())
	for {
		challenge, serverDone, err := srv.Step(token)
		if err != nil {
			fmt.Println("server:", err)
			return
		}
		done, next, err := session.Challenge(challenge)
		if err != nil {
			fmt.Println("client:", err)
			return
		}
		if done {
			fmt.Println(mech.Name(), "authenticated:", serverDone, srv.Principal())
			return
		}
		token = next
	}
	// Output:
	// SCRAM-SHA-512 authenticated: true alice
}
