package gssapi

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/crypto"
	krbgssapi "github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

func aesKey(t *testing.T) types.EncryptionKey {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return types.EncryptionKey{KeyType: etypeID.AES256_CTS_HMAC_SHA1_96, KeyValue: k}
}

// apRepToken is the acceptor's reply to an authenticator sent at ctime,
// cusec: an AP-REP encrypted in key, with the acceptor's subkey.
func apRepToken(t *testing.T, key types.EncryptionKey, ctime time.Time, cusec int, subkey types.EncryptionKey) []byte {
	t.Helper()
	part := messages.EncAPRepPart{CTime: ctime.UTC().Truncate(time.Second), Cusec: cusec, Subkey: subkey, SequenceNumber: 7}
	plain, err := asn1.Marshal(part)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := crypto.GetEncryptedData(asn1tools.AddASNAppTag(plain, 27), key, keyusage.AP_REP_ENCPART, 0)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := asn1.Marshal(messages.APRep{PVNO: 5, MsgType: 15, EncPart: enc})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := frame(tokAPRep, asn1tools.AddASNAppTag(rep, 15))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestContextNeedsTheServersProof: the context completes only on an
// AP-REP encrypted in the ticket's session key that echoes our
// authenticator's time (RFC 4120 §3.2.5, mutual authentication); MICs
// then use the acceptor's subkey with the AcceptorSubkey flag and the
// initiator's sequence numbers (RFC 4121 §4.2.6.1). A reply in another
// key, for another authenticator, or a KRB-ERROR leaves it incomplete.
func TestContextNeedsTheServersProof(t *testing.T) {
	session, other, acceptor := aesKey(t), aesKey(t), aesKey(t)
	newClient := func() *Client {
		c := &Client{sessionKey: session, realm: "EXAMPLE.ORG", cname: types.NewPrincipalName(1, "alice"),
			ticket: messages.Ticket{TktVNO: 5, Realm: "EXAMPLE.ORG", SName: types.NewPrincipalName(3, "host/h")}}
		if _, _, err := c.InitSecContext("host@h", nil, false); err != nil {
			t.Fatal(err)
		}
		return c
	}
	kerr := messages.NewKRBError(types.NewPrincipalName(2, "host/h"), "EXAMPLE.ORG", errorcode.KRB_AP_ERR_MODIFIED, "bad")
	kerrBody, err := kerr.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	kerrTok, err := frame(tokError, kerrBody)
	if err != nil {
		t.Fatal(err)
	}
	for name, reply := range map[string]func(c *Client) []byte{
		"other key":   func(c *Client) []byte { return apRepToken(t, other, c.ctime, c.cusec, acceptor) },
		"other time":  func(c *Client) []byte { return apRepToken(t, session, c.ctime.Add(-time.Hour), c.cusec, acceptor) },
		"other usec":  func(c *Client) []byte { return apRepToken(t, session, c.ctime, c.cusec+1, acceptor) },
		"KRB-ERROR":   func(*Client) []byte { return kerrTok },
		"not krb5":    func(*Client) []byte { return []byte("\x60\x03\x06\x01\x00") },
		"empty reply": func(*Client) []byte { return nil },
	} {
		c := newClient()
		if _, _, err := c.InitSecContext("host@h", reply(c), false); err == nil || c.complete {
			t.Errorf("%s: accepted (%v)", name, err)
		}
		if _, err := c.GetMIC([]byte("data")); err == nil {
			t.Errorf("%s: a MIC without an established context", name)
		}
	}

	c := newClient()
	seq := c.seq
	tok, more, err := c.InitSecContext("host@h", apRepToken(t, session, c.ctime, c.cusec, acceptor), false)
	if err != nil || more || tok != nil || !c.complete {
		t.Fatalf("good AP-REP: %x %v %v", tok, more, err)
	}
	for i := range 2 {
		b, err := c.GetMIC([]byte("session data"))
		if err != nil {
			t.Fatal(err)
		}
		var mic krbgssapi.MICToken
		if err := mic.Unmarshal(b, false); err != nil {
			t.Fatal(err)
		}
		mic.Payload = []byte("session data")
		if ok, err := mic.Verify(acceptor, keyusage.GSSAPI_INITIATOR_SIGN); !ok || mic.Flags != krbgssapi.MICTokenFlagAcceptorSubkey || mic.SndSeqNum != seq+uint64(i) {
			t.Fatalf("MIC %d: %+v verified=%v %v", i, mic, ok, err)
		}
	}
	if len(c.subkey.KeyValue) != 32 || c.subkey.KeyType != session.KeyType {
		t.Fatalf("initiator subkey %+v", c.subkey)
	}
}
