package client_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/kio-go/kafka-protocol/internal/conntest"
	"github.com/kio-go/kafka-protocol/kio/client"
	"github.com/kio-go/kafka-protocol/kio/sasl"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/server"
)

// oauthBearer is an application's OAUTHBEARER mechanism (RFC 7628's client message,
// as Kafka's clients send it), plugged in through sasl.Mechanism.
type oauthBearer struct{ token string }

func (oauthBearer) Name() string { return "OAUTHBEARER" }
func (o oauthBearer) Start(context.Context) (sasl.Session, []byte, error) {
	return oauthSession{}, []byte("n,,\x01auth=Bearer " + o.token + "\x01\x01"), nil
}

type oauthSession struct{}

func (oauthSession) Challenge(server []byte) (bool, []byte, error) {
	if len(server) != 0 { // an error JSON; the client answers \x01 and the server fails
		return false, nil, &sasl.Error{Mechanism: "OAUTHBEARER", Message: string(server)}
	}
	return true, nil, nil
}

// oauthServer checks the bearer token; the principal is the token's subject.
type oauthServer struct{}

func (oauthServer) Name() string                             { return "OAUTHBEARER" }
func (oauthServer) Start(context.Context) sasl.ServerSession { return &oauthServerSession{} }

type oauthServerSession struct{ principal string }

func (s *oauthServerSession) Step(tok []byte) ([]byte, bool, error) {
	if !bytes.Equal(tok, []byte("n,,\x01auth=Bearer good-token\x01\x01")) {
		return nil, false, &sasl.Error{Mechanism: "OAUTHBEARER", Message: "invalid token"}
	}
	s.principal = "token-subject"
	return []byte{}, true, nil
}

func (s *oauthServerSession) Principal() string { return s.principal }

func TestPluggableMechanism(t *testing.T) {
	mux := server.NewMux()
	server.Handle(mux, func(ctx context.Context, req *server.Request, body *metadata.MetadataRequest) (*metadata.MetadataResponse, error) {
		p := req.Peer.Mechanism + ":" + req.Peer.Principal
		return &metadata.MetadataResponse{ClusterId: &p}, nil
	})
	addr := serve(t, &server.Server{Handler: mux, SASL: []sasl.ServerMechanism{oauthServer{}}})
	d := client.Dialer{SASL: oauthBearer{token: "good-token"}}
	c := conntest.DialWith(t, context.Background(), &d, addr)
	resp, err := client.Call[metadata.MetadataResponse](context.Background(), c, &metadata.MetadataRequest{})
	if err != nil || *resp.ClusterId != "OAUTHBEARER:token-subject" {
		t.Fatalf("%v, %v", resp, err)
	}
	d.SASL = oauthBearer{token: "bad-token"}
	if _, err := d.Dial(context.Background(), addr); !errors.Is(err, sasl.ErrAuthentication) {
		t.Errorf("bad token: %v", err)
	}
}
