package realkafka

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema/alterclientquotas"
	"github.com/kio-go/kafka-protocol/kio/schema/alteruserscramcredentials"
	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/createacls"
	"github.com/kio-go/kafka-protocol/kio/schema/createdelegationtoken"
	"github.com/kio-go/kafka-protocol/kio/schema/deleteacls"
	"github.com/kio-go/kafka-protocol/kio/schema/describeacls"
	"github.com/kio-go/kafka-protocol/kio/schema/describeclientquotas"
	"github.com/kio-go/kafka-protocol/kio/schema/describedelegationtoken"
	"github.com/kio-go/kafka-protocol/kio/schema/describeuserscramcredentials"
	"github.com/kio-go/kafka-protocol/kio/schema/expiredelegationtoken"
	"github.com/kio-go/kafka-protocol/kio/schema/metadata"
	"github.com/kio-go/kafka-protocol/kio/schema/renewdelegationtoken"
	"github.com/kio-go/kafka-protocol/kio/schema/saslauthenticate"
	"github.com/kio-go/kafka-protocol/kio/schema/saslhandshake"
	"github.com/kio-go/kafka-protocol/kio/serial"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

// SCRAM mechanisms as AlterUserScramCredentials numbers them.
const (
	scramSHA256 int8 = 1
	scramSHA512 int8 = 2
)

// ACL enums (AclOperation, AclPermissionType, PatternType, ResourceType).
const (
	aclAny      = 1
	aclLiteral  = 3
	aclDescribe = 8
	aclAllow    = 3
	resourceAny = 1
)

// scramUser is the user the SCRAM steps create on a listener, with its password.
func scramUser(listener string) (string, string) {
	return "kio-user-" + listener, "kio-secret-" + listener
}

// dialSASL opens a connection to the SASL_PLAINTEXT listener authenticated with
// mechanism at the newest versions.
func (s *suite) dialSASL(t testing.TB, mechanism, user, password string, tokenAuth bool) *testkit.Conn {
	t.Helper()
	c := dial(s.root, onBroker, s.b.SASL, s.cov)
	code := saslAuth(t, c, s.newest(t, onBroker, 17), s.newest(t, onBroker, 36), mechanism, user, password, tokenAuth)
	if code != common.None {
		t.Fatalf("%s as %s: %v", mechanism, user, code)
	}
	return c
}

func (s *suite) testAlterUserScramCredentials(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		user, password := scramUser(listener)
		// One mechanism per request: Kafka refuses a user named twice in one request
		// (DUPLICATE_RESOURCE).
		for _, m := range []int8{scramSHA256, scramSHA512} {
			salt := make([]byte, 16)
			rand.Read(salt)
			req := serial.Default[alteruserscramcredentials.AlterUserScramCredentialsRequest]()
			req.Upsertions = []alteruserscramcredentials.ScramCredentialUpsertion{{
				Name: user, Mechanism: m, Iterations: 4096 + int32(m), Salt: salt, SaltedPassword: scramSaltedPassword(m, password, salt, 4096+int(m))}}
			req.Deletions = []alteruserscramcredentials.ScramCredentialDeletion{{Name: "kio-nobody", Mechanism: scramSHA256}}
			resp := testkit.Call[alteruserscramcredentials.AlterUserScramCredentialsResponse](t, s.on(listener), v, &req)
			codes := map[string]common.ErrorCode{}
			for _, r := range resp.Results {
				codes[r.User] = r.ErrorCode
			}
			if len(resp.Results) != 2 || codes[user] != common.None || codes["kio-nobody"] != common.ResourceNotFound {
				t.Fatalf("results %+v, want NONE for %s and RESOURCE_NOT_FOUND for kio-nobody", resp.Results, user)
			}
		}
	}
}

func (s *suite) testDescribeUserScramCredentials(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		user, _ := scramUser(listener)
		req := describeuserscramcredentials.DescribeUserScramCredentialsRequest{Users: []describeuserscramcredentials.UserName{{Name: user}, {Name: "kio-nobody"}}}
		if listener == onController {
			resp := testkit.Call[describeuserscramcredentials.DescribeUserScramCredentialsResponse](t, s.ctrl, v, &req)
			s.controllerRefuses(t, "DescribeUserScramCredentials", resp.ErrorCode)
			return
		}
		eventually(t, func() error {
			resp := testkit.Call[describeuserscramcredentials.DescribeUserScramCredentialsResponse](t, s.on(listener), v, &req)
			if resp.ErrorCode != common.None || len(resp.Results) != 2 {
				return fmt.Errorf("%+v", resp)
			}
			var got []int32
			for _, c := range resp.Results[0].CredentialInfos {
				got = append(got, int32(c.Mechanism)*10000+c.Iterations)
			}
			slices.Sort(got)
			want := []int32{int32(scramSHA256)*10000 + 4097, int32(scramSHA512)*10000 + 4098}
			if resp.Results[0].User != user || resp.Results[0].ErrorCode != common.None || !slices.Equal(got, want) {
				return fmt.Errorf("%s: %+v", user, resp.Results[0])
			}
			if resp.Results[1].ErrorCode != common.ResourceNotFound {
				return fmt.Errorf("kio-nobody: %v, want RESOURCE_NOT_FOUND", resp.Results[1].ErrorCode)
			}
			return nil
		})
	}
}

// testSaslHandshake logs in on the SASL_PLAINTEXT listener at handshake version v with
// every mechanism, through every SaslAuthenticate version (v0: the raw tokens of the
// original protocol), and checks that a wrong password is refused.
func (s *suite) testSaslHandshake(t *testing.T, v int16) {
	avs := s.versions(onBroker, 36)
	if v == 0 {
		avs = []int16{-1}
	}
	user, password := scramUser(onBroker)
	for _, av := range avs {
		for _, login := range []struct{ mech, user, password string }{
			{"PLAIN", AdminUser, AdminPassword},
			{"SCRAM-SHA-256", user, password},
			{"SCRAM-SHA-512", user, password},
		} {
			c := dial(t, onBroker, s.b.SASL, s.cov)
			if code := saslAuth(t, c, v, av, login.mech, login.user, login.password, false); code != common.None {
				t.Fatalf("handshake v%d, authenticate v%d, %s as %s: %v", v, av, login.mech, login.user, code)
			}
			// Authenticated, the connection serves requests.
			req := serial.Default[metadata.MetadataRequest]()
			if md := testkit.Call[metadata.MetadataResponse](t, c, 12, &req); len(md.Brokers) != 1 {
				t.Errorf("metadata after %s login: %+v", login.mech, md.Brokers)
			}
			c.Close()
			if av < 0 {
				continue
			}
			bad := dial(t, onBroker, s.b.SASL, s.cov)
			if code := saslAuth(t, bad, v, av, login.mech, login.user, "wrong", false); code != common.SaslAuthenticationFailed {
				t.Errorf("%s with a wrong password: %v, want SASL_AUTHENTICATION_FAILED", login.mech, code)
			}
			bad.Close()
		}
	}
	c := dial(t, onBroker, s.b.SASL, s.cov)
	defer c.Close()
	r := testkit.Call[saslhandshake.SaslHandshakeResponse](t, c, v, &saslhandshake.SaslHandshakeRequest{Mechanism: "GSSAPI"})
	slices.Sort(r.Mechanisms)
	if r.ErrorCode != common.UnsupportedSaslMechanism || !slices.Equal(r.Mechanisms, []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}) {
		t.Errorf("GSSAPI: %+v, want UNSUPPORTED_SASL_MECHANISM and the three enabled", r)
	}
}

// testSaslOnPlaintext: the controller listener is PLAINTEXT; SASL requests there are
// out of place.
func (s *suite) testSaslHandshakeOnPlaintext(t *testing.T, v int16) {
	c := dial(t, onController, s.b.Controller, s.cov)
	defer c.Close()
	r := testkit.Call[saslhandshake.SaslHandshakeResponse](t, c, v, &saslhandshake.SaslHandshakeRequest{Mechanism: "PLAIN"})
	if r.ErrorCode != common.IllegalSaslState && r.ErrorCode != common.UnsupportedSaslMechanism {
		t.Errorf("SaslHandshake on PLAINTEXT: %+v", r)
	}
}

func (s *suite) testSaslAuthenticateOnPlaintext(t *testing.T, v int16) {
	c := dial(t, onController, s.b.Controller, s.cov)
	defer c.Close()
	r := testkit.Call[saslauthenticate.SaslAuthenticateResponse](t, c, v, &saslauthenticate.SaslAuthenticateRequest{AuthBytes: []byte("\x00a\x00b")})
	if r.ErrorCode != common.IllegalSaslState {
		t.Errorf("SaslAuthenticate on PLAINTEXT: %v, want ILLEGAL_SASL_STATE", r.ErrorCode)
	}
}

// testSaslAuthenticate is covered by testSaslHandshake at every version; on its own it
// checks the SCRAM login of the user the controller-listener step created.
func (s *suite) testSaslAuthenticate(t *testing.T, v int16) {
	user, password := scramUser(onController)
	c := dial(t, onBroker, s.b.SASL, s.cov)
	defer c.Close()
	if code := saslAuth(t, c, s.newest(t, onBroker, 17), v, "SCRAM-SHA-512", user, password, false); code != common.None {
		t.Errorf("SCRAM-SHA-512 as %s: %v", user, code)
	}
}

func aclPrincipal(listener string, v int16) string {
	return fmt.Sprintf("User:kio-acl-%s-v%d", listener, v)
}

func (s *suite) testCreateAcls(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		req := createacls.CreateAclsRequest{Creations: []createacls.AclCreation{{ResourceType: resourceTopic, ResourceName: s.dataTopic,
			ResourcePatternType: aclLiteral, Principal: aclPrincipal(listener, v), Host: "*", Operation: aclDescribe, PermissionType: aclAllow}}}
		resp := testkit.Call[createacls.CreateAclsResponse](t, s.on(listener), v, &req)
		if len(resp.Results) != 1 || resp.Results[0].ErrorCode != common.None {
			t.Fatalf("%+v", resp.Results)
		}
	}
}

func (s *suite) describeAcls(t testing.TB, c *testkit.Conn, v int16, principal string) *describeacls.DescribeAclsResponse {
	t.Helper()
	req := describeacls.DescribeAclsRequest{ResourceTypeFilter: resourceAny, PatternTypeFilter: aclAny,
		PrincipalFilter: &principal, Operation: aclAny, PermissionType: aclAny}
	if v == 0 {
		req.PatternTypeFilter = 0 // absent at v0
	}
	return testkit.Call[describeacls.DescribeAclsResponse](t, c, v, &req)
}

func (s *suite) testDescribeAcls(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		principal := aclPrincipal(listener, s.newest(t, listener, 30))
		eventually(t, func() error {
			resp := s.describeAcls(t, s.on(listener), v, principal)
			if resp.ErrorCode != common.None || len(resp.Resources) != 1 {
				return fmt.Errorf("%+v", resp)
			}
			r := resp.Resources[0]
			if r.ResourceType != resourceTopic || r.ResourceName != s.dataTopic || v >= 1 && r.PatternType != aclLiteral ||
				len(r.Acls) != 1 || r.Acls[0].Principal != principal || r.Acls[0].Operation != aclDescribe || r.Acls[0].Host != "*" {
				return fmt.Errorf("%+v", r)
			}
			return nil
		})
	}
}

func (s *suite) testDeleteAcls(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		principal := aclPrincipal(listener, v)
		f := deleteacls.DeleteAclsFilter{ResourceTypeFilter: resourceTopic, ResourceNameFilter: &s.dataTopic, PatternTypeFilter: aclLiteral,
			PrincipalFilter: &principal, Operation: aclAny, PermissionType: aclAny}
		if v == 0 {
			f.PatternTypeFilter = 0
		}
		var resp *deleteacls.DeleteAclsResponse
		eventually(t, func() error { // the ACL the CreateAcls step made at v
			resp = testkit.Call[deleteacls.DeleteAclsResponse](t, s.on(listener), v, &deleteacls.DeleteAclsRequest{Filters: []deleteacls.DeleteAclsFilter{f}})
			if len(resp.FilterResults) != 1 || resp.FilterResults[0].ErrorCode != common.None || len(resp.FilterResults[0].MatchingAcls) != 1 {
				return fmt.Errorf("%+v", resp.FilterResults)
			}
			return nil
		})
		if m := resp.FilterResults[0].MatchingAcls[0]; m.Principal != principal || m.ResourceName != s.dataTopic || m.Operation != aclDescribe {
			t.Errorf("deleted %+v", m)
		}
	}
}

// testAclsAuthorize checks that ACLs act: a SCRAM user without ACLs may not describe
// the data topic; with a DESCRIBE ACL it may.
func (s *suite) testAclsAuthorize(t *testing.T) {
	user, password := scramUser(onBroker)
	c := s.dialSASL(t, "SCRAM-SHA-256", user, password, false)
	defer c.Close()
	describe := func() common.ErrorCode {
		req := serial.Default[metadata.MetadataRequest]()
		req.Topics = []metadata.MetadataRequestTopic{{Name: testkit.Ptr(common.TopicName(s.dataTopic))}}
		req.AllowAutoTopicCreation = false
		return testkit.Call[metadata.MetadataResponse](t, c, 12, &req).Topics[0].ErrorCode
	}
	if code := describe(); code != common.TopicAuthorizationFailed {
		t.Fatalf("without ACLs: %v, want TOPIC_AUTHORIZATION_FAILED", code)
	}
	req := createacls.CreateAclsRequest{Creations: []createacls.AclCreation{{ResourceType: resourceTopic, ResourceName: s.dataTopic,
		ResourcePatternType: aclLiteral, Principal: "User:" + user, Host: "*", Operation: aclDescribe, PermissionType: aclAllow}}}
	if r := testkit.Call[createacls.CreateAclsResponse](t, s.broker, s.newest(t, onBroker, 30), &req); r.Results[0].ErrorCode != common.None {
		t.Fatalf("%+v", r.Results)
	}
	eventually(t, func() error {
		if code := describe(); code != common.None {
			return fmt.Errorf("with a DESCRIBE ACL: %v", code)
		}
		return nil
	})
}

func quotaEntity(listener string, v int16) []alterclientquotas.EntityData {
	return []alterclientquotas.EntityData{{EntityType: "user", EntityName: testkit.Ptr(fmt.Sprintf("kio-quota-%s-v%d", listener, v))}}
}

func (s *suite) testAlterClientQuotas(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		req := alterclientquotas.AlterClientQuotasRequest{Entries: []alterclientquotas.AlterClientQuotasRequestEntryData{{
			Entity: quotaEntity(listener, v),
			Ops:    []alterclientquotas.OpData{{Key: "producer_byte_rate", Value: 1024 * float64(v+1)}, {Key: "consumer_byte_rate", Value: 2048}},
		}}}
		resp := testkit.Call[alterclientquotas.AlterClientQuotasResponse](t, s.on(listener), v, &req)
		if len(resp.Entries) != 1 || resp.Entries[0].ErrorCode != common.None || str(resp.Entries[0].Entity[0].EntityName) != str(req.Entries[0].Entity[0].EntityName) {
			t.Fatalf("%+v", resp.Entries)
		}
		bad := req
		bad.ValidateOnly = true
		bad.Entries = []alterclientquotas.AlterClientQuotasRequestEntryData{{Entity: quotaEntity(listener, v), Ops: []alterclientquotas.OpData{{Key: "kio_no_such_quota", Value: 1}}}}
		if r := testkit.Call[alterclientquotas.AlterClientQuotasResponse](t, s.on(listener), v, &bad); r.Entries[0].ErrorCode != common.InvalidRequest {
			t.Errorf("unknown quota key: %v, want INVALID_REQUEST", r.Entries[0].ErrorCode)
		}
	}
}

func (s *suite) testDescribeClientQuotas(t *testing.T, v int16) {
	for _, l := range []string{onBroker, onController} {
		av := s.newest(t, l, 49)
		name := str(quotaEntity(l, av)[0].EntityName)
		req := describeclientquotas.DescribeClientQuotasRequest{Components: []describeclientquotas.ComponentData{{EntityType: "user", MatchType: 0, Match: &name}}, Strict: true}
		eventually(t, func() error {
			resp := testkit.Call[describeclientquotas.DescribeClientQuotasResponse](t, s.broker, v, &req)
			if resp.ErrorCode != common.None || len(resp.Entries) != 1 {
				return fmt.Errorf("%s: %+v", name, resp)
			}
			got := map[string]float64{}
			for _, val := range resp.Entries[0].Values {
				got[val.Key] = val.Value
			}
			if got["producer_byte_rate"] != 1024*float64(av+1) || got["consumer_byte_rate"] != 2048 || str(resp.Entries[0].Entity[0].EntityName) != name {
				return fmt.Errorf("%s: %+v", name, resp.Entries[0])
			}
			return nil
		})
	}
}

// controllerRefuses checks the answer of the controller listener to an API it
// advertises but cannot serve there: one of the codes in want, or UNKNOWN_SERVER_ERROR
// where Kafka's ControllerApis has no handler for the key at all ("Unsupported ApiKey"),
// which is noted for the report.
func (s *suite) controllerRefuses(t testing.TB, api string, code common.ErrorCode, want ...common.ErrorCode) {
	t.Helper()
	switch {
	case slices.Contains(want, code):
	case code == common.UnknownServerError:
		s.quirk(api + ": advertised on the controller listener, answered UNKNOWN_SERVER_ERROR (ControllerApis has no handler: \"Unsupported ApiKey\")")
	default:
		t.Errorf("%s on the controller listener: %v, want one of %v", api, code, want)
	}
}

// quirk notes something the node did for the report.
func (s *suite) quirk(what string) {
	if s.quirks == nil {
		s.quirks = map[string]bool{}
	}
	s.quirks[what] = true
}

// delegationToken is a token the CreateDelegationToken steps made.
type delegationToken struct {
	id   string
	hmac []byte
}

// adminConn is a SASL connection as the super user, on which delegation tokens may be
// created (not on PLAINTEXT, not with a token).
func (s *suite) adminConn(t testing.TB) *testkit.Conn {
	if s.admin == nil {
		s.admin = s.dialSASL(t, "SCRAM-SHA-256", AdminUser, AdminPassword, false)
	}
	return s.admin
}

func (s *suite) testCreateDelegationToken(t *testing.T, v int16) {
	req := serial.Default[createdelegationtoken.CreateDelegationTokenRequest]()
	req.Renewers = []createdelegationtoken.CreatableRenewers{{PrincipalType: "User", PrincipalName: AdminUser}}
	req.MaxLifetimeMs = 3_600_000
	owner := AdminUser
	if v >= 3 {
		owner, _ = scramUser(onBroker)
		req.OwnerPrincipalType, req.OwnerPrincipalName = testkit.Ptr("User"), &owner
	}
	resp := testkit.Call[createdelegationtoken.CreateDelegationTokenResponse](t, s.adminConn(t), v, &req)
	if resp.ErrorCode != common.None || resp.TokenId == "" || len(resp.Hmac) == 0 || resp.PrincipalName != owner {
		t.Fatalf("%+v", resp)
	}
	if resp.MaxTimestampMs-resp.IssueTimestampMs != 3_600_000 || resp.ExpiryTimestampMs > resp.MaxTimestampMs {
		t.Errorf("timestamps issue %d expiry %d max %d", resp.IssueTimestampMs, resp.ExpiryTimestampMs, resp.MaxTimestampMs)
	}
	if v >= 3 && resp.TokenRequesterPrincipalName != AdminUser {
		t.Errorf("requester %s", resp.TokenRequesterPrincipalName)
	}
	s.tokens = append(s.tokens, delegationToken{id: resp.TokenId, hmac: resp.Hmac})
	// On PLAINTEXT tokens may not be created.
	if r := testkit.Call[createdelegationtoken.CreateDelegationTokenResponse](t, s.broker, v, &req); r.ErrorCode != common.DelegationTokenRequestNotAllowed {
		t.Errorf("on PLAINTEXT: %v, want DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", r.ErrorCode)
	}
}

func (s *suite) testCreateDelegationTokenOnController(t *testing.T, v int16) {
	req := serial.Default[createdelegationtoken.CreateDelegationTokenRequest]()
	req.MaxLifetimeMs = 3_600_000
	r := testkit.Call[createdelegationtoken.CreateDelegationTokenResponse](t, s.ctrl, v, &req)
	s.controllerRefuses(t, "CreateDelegationToken", r.ErrorCode, common.DelegationTokenRequestNotAllowed)
}

func (s *suite) testDescribeDelegationToken(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		c := s.adminConn(t)
		if listener == onController {
			c = s.ctrl
		}
		eventually(t, func() error {
			resp := testkit.Call[describedelegationtoken.DescribeDelegationTokenResponse](t, c, v, &describedelegationtoken.DescribeDelegationTokenRequest{Owners: nil})
			if listener == onController { // no SASL there: not allowed
				s.controllerRefuses(t, "DescribeDelegationToken", resp.ErrorCode, common.DelegationTokenRequestNotAllowed)
				return nil
			}
			if resp.ErrorCode != common.None {
				return fmt.Errorf("%v", resp.ErrorCode)
			}
			found := 0
			for _, tok := range resp.Tokens {
				for _, mine := range s.tokens {
					if tok.TokenId == mine.id && string(tok.Hmac) == string(mine.hmac) && len(tok.Renewers) == 1 {
						found++
					}
				}
			}
			if found != len(s.tokens) {
				return fmt.Errorf("found %d of %d tokens in %+v", found, len(s.tokens), resp.Tokens)
			}
			return nil
		})
	}
}

func (s *suite) testRenewDelegationToken(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		if listener == onController {
			r := testkit.Call[renewdelegationtoken.RenewDelegationTokenResponse](t, s.ctrl, v, &renewdelegationtoken.RenewDelegationTokenRequest{Hmac: s.tokens[0].hmac, RenewPeriodMs: 1000})
			s.controllerRefuses(t, "RenewDelegationToken", r.ErrorCode, common.DelegationTokenRequestNotAllowed)
			return
		}
		// The token authenticates (SCRAM with tokenauth=true, the HMAC in base64 as the password).
		tok := s.tokens[0]
		tc := s.dialSASL(t, "SCRAM-SHA-256", tok.id, base64.StdEncoding.EncodeToString(tok.hmac), true)
		tc.Close()
		r := testkit.Call[renewdelegationtoken.RenewDelegationTokenResponse](t, s.adminConn(t), v, &renewdelegationtoken.RenewDelegationTokenRequest{Hmac: tok.hmac, RenewPeriodMs: 600_000})
		if r.ErrorCode != common.None || r.ExpiryTimestampMs <= 0 {
			t.Errorf("renew: %+v", r)
		}
		unknown := testkit.Call[renewdelegationtoken.RenewDelegationTokenResponse](t, s.adminConn(t), v, &renewdelegationtoken.RenewDelegationTokenRequest{Hmac: []byte("kio"), RenewPeriodMs: 1000})
		if unknown.ErrorCode != common.DelegationTokenNotFound {
			t.Errorf("renew an unknown token: %v, want DELEGATION_TOKEN_NOT_FOUND", unknown.ErrorCode)
		}
	}
}

func (s *suite) testExpireDelegationToken(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) {
		if listener == onController {
			r := testkit.Call[expiredelegationtoken.ExpireDelegationTokenResponse](t, s.ctrl, v, &expiredelegationtoken.ExpireDelegationTokenRequest{Hmac: s.tokens[0].hmac, ExpiryTimePeriodMs: -1})
			s.controllerRefuses(t, "ExpireDelegationToken", r.ErrorCode, common.DelegationTokenRequestNotAllowed)
			return
		}
		if len(s.tokens) == 0 {
			t.Fatal("no token left to expire")
		}
		tok := s.tokens[len(s.tokens)-1]
		s.tokens = s.tokens[:len(s.tokens)-1]
		r := testkit.Call[expiredelegationtoken.ExpireDelegationTokenResponse](t, s.adminConn(t), v, &expiredelegationtoken.ExpireDelegationTokenRequest{Hmac: tok.hmac, ExpiryTimePeriodMs: -1})
		if r.ErrorCode != common.None {
			t.Errorf("expire: %+v", r)
		}
		eventually(t, func() error {
			resp := testkit.Call[describedelegationtoken.DescribeDelegationTokenResponse](t, s.adminConn(t), s.newest(t, onBroker, 41), &describedelegationtoken.DescribeDelegationTokenRequest{Owners: nil})
			for _, d := range resp.Tokens {
				if d.TokenId == tok.id {
					return fmt.Errorf("token %s still listed", tok.id)
				}
			}
			return nil
		})
	}
}
