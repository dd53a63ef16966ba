package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
)

// TestSASLAgainstKfake: kio's client mechanisms against an implementation of the
// server side that is not kio's (franz-go's kfake): PLAIN, SCRAM-SHA-256 and
// SCRAM-SHA-512 log in; a wrong password is refused (kfake closes the connection).
func TestSASLAgainstKfake(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "plain-user", "plain-pw"),
		kfake.Superuser("SCRAM-SHA-256", "scram256-user", "scram256-pw"),
		kfake.Superuser("SCRAM-SHA-512", "scram512-user", "scram512-pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	addr := cluster.ListenAddrs()[0]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range []struct {
		mech sasl.Mechanism
		ok   bool
	}{
		{sasl.Plain{User: "plain-user", Password: "plain-pw"}, true},
		{&sasl.Scram{Hash: sasl.SHA256, User: "scram256-user", Password: "scram256-pw"}, true},
		{&sasl.Scram{Hash: sasl.SHA512, User: "scram512-user", Password: "scram512-pw"}, true},
		{&sasl.Scram{Hash: sasl.SHA512, User: "scram512-user", Password: "wrong"}, false},
		{sasl.Plain{User: "plain-user", Password: "wrong"}, false},
	} {
		d := client.Dialer{SASL: c.mech}
		conn, err := d.Dial(ctx, addr)
		if !c.ok {
			// kfake closes the connection where Kafka answers SASL_AUTHENTICATION_FAILED.
			if !errors.Is(err, sasl.ErrAuthentication) || !errors.Is(err, client.ErrClosed) {
				t.Errorf("%s with a wrong password: %v", c.mech.Name(), err)
			}
			if err == nil {
				conn.Close()
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.mech.Name(), err)
			continue
		}
		if _, err := client.Call[metadata.MetadataResponse](ctx, conn, &metadata.MetadataRequest{}); err != nil {
			t.Errorf("%s: Metadata after login: %v", c.mech.Name(), err)
		}
		conn.Close()
	}
}
