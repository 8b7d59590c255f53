package gssapi

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	krbclient "github.com/jcmturner/gokrb5/v8/client"
	krbconfig "github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/crypto"
	krbgssapi "github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/chksumtype"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// Config says where the credentials are and whom they are for.
type Config struct {
	// Host is the HOST of the target name host@HOST (see ServerHost).
	Host string
	// CCache is KRB5CCNAME, "" for MIT's default cache.
	CCache string
	// Krb5Config is KRB5_CONFIG, "" for /etc/krb5.conf.
	Krb5Config string
	// ClientIdentity is GSSAPIClientIdentity: the principal
	// (user@REALM, or user in the cache's realm) the cache must hold;
	// "" takes the cache's own.
	ClientIdentity string
	// Resolver canonicalises the host as MIT's library would; nil uses
	// net.DefaultResolver.
	Resolver Resolver
}

// Client is one GSS-API security context of the Kerberos V5 mechanism,
// set up by x/crypto's gssapi-with-mic exchange through the GSSAPIClient
// methods. It requests mutual authentication and integrity, as ssh does.
type Client struct {
	realm      string // the client's realm
	cname      types.PrincipalName
	ticket     messages.Ticket
	sessionKey types.EncryptionKey

	// Set when the AP-REQ is made.
	ctime    time.Time
	cusec    int
	subkey   types.EncryptionKey // the initiator's subkey
	seq      uint64              // the initiator's next sequence number
	sent     bool
	complete bool
	// acceptorSubkey is the AP-REP's subkey; MICs use it when set.
	acceptorSubkey *types.EncryptionKey
}

// New does what the first gss_init_sec_context of OpenSSH's
// ssh_gssapi_check_mechanism does before anything is sent: read the
// credential cache and get a service ticket for host/HOST. A failure is
// an *Error carrying MIT's status texts; ssh then prints them at -v and
// goes on to its next method without sending a request.
func New(ctx context.Context, cfg Config) (*Client, error) {
	conf, text, err := loadKrb5Conf(cfg.Krb5Config)
	if err != nil {
		return nil, &Error{Major: majorFailure, Minor: err.Error(), Err: err}
	}
	cacheName := ccacheName(cfg.CCache, text)
	cache, err := loadCCache(cacheName, cfg.ClientIdentity)
	var noPrincipal *NoPrincipalError
	switch {
	case errors.As(err, &noPrincipal):
		return nil, &Error{Major: majorNoCred, Minor: fmt.Sprintf("Can't find client principal %s in cache collection", noPrincipal.Principal), Err: err}
	case err != nil:
		return nil, &Error{Major: majorNoCred, Minor: fmt.Sprintf("No Kerberos credentials available (default cache: %s)", cacheName), Err: err}
	}
	cl, err := krbclient.NewFromCCache(cache, conf, krbclient.DisablePAFXFAST(true))
	if err != nil {
		return nil, &Error{Major: majorNoCred, Minor: fmt.Sprintf("No Kerberos credentials available (default cache: %s)", cacheName), Err: err}
	}
	tgt, err := homeTGT(cache, time.Now())
	switch {
	case errors.Is(err, errTGTExpired):
		return nil, &Error{Major: majorExpired, Minor: "Ticket expired", Err: err}
	case err != nil:
		return nil, &Error{Major: majorNoCred, Minor: fmt.Sprintf("No Kerberos credentials available (default cache: %s)", cacheName), Err: err}
	}
	r := cfg.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	host := cfg.Host
	switch canon := libdefault(text, "dns_canonicalize_hostname"); strings.ToLower(canon) {
	case "", "true", "yes", "1", "on":
		host = canonicalHost(ctx, r, host, conf.LibDefaults.RDNS)
	case "fallback":
		// MIT asks for the name as given first and canonicalises only
		// if the KDC does not know it.
		if tkt, key, err := serviceTicket(cl, tgt, "host/"+strings.ToLower(host)); err == nil {
			return newClient(cl, tkt, key)
		}
		host = canonicalHost(ctx, r, host, conf.LibDefaults.RDNS)
	default:
		host = strings.ToLower(host)
	}
	spn := "host/" + host
	tkt, key, err := serviceTicket(cl, tgt, spn)
	if err != nil {
		minor := err.Error()
		// gokrb5 keeps only the text of the KDC's error.
		if strings.Contains(minor, "KDC_ERR_S_PRINCIPAL_UNKNOWN") {
			minor = fmt.Sprintf("Server %s@%s not found in Kerberos database", spn, serviceRealm(conf, host, cl))
		}
		return nil, &Error{Major: majorFailure, Minor: minor, Err: err}
	}
	return newClient(cl, tkt, key)
}

func newClient(cl *krbclient.Client, tkt messages.Ticket, key types.EncryptionKey) (*Client, error) {
	switch key.KeyType {
	case etypeID.AES128_CTS_HMAC_SHA1_96, etypeID.AES256_CTS_HMAC_SHA1_96,
		etypeID.AES128_CTS_HMAC_SHA256_128, etypeID.AES256_CTS_HMAC_SHA384_192:
	default:
		err := fmt.Errorf("session key type %d needs RFC 1964 tokens, which gssh does not make", key.KeyType)
		return nil, &Error{Major: majorFailure, Minor: "Unsupported encryption type", Err: err}
	}
	return &Client{
		realm:      cl.Credentials.Realm(),
		cname:      cl.Credentials.CName(),
		ticket:     tkt,
		sessionKey: key,
	}, nil
}

// serviceRealm is the realm named in MIT's "not found" message.
func serviceRealm(conf *krbconfig.Config, host string, cl *krbclient.Client) string {
	if r := conf.ResolveRealm(host); r != "" {
		return r
	}
	return cl.Credentials.Realm()
}

// errTGTExpired is homeTGT's error for a TGT that has run out.
var errTGTExpired = errors.New("ticket-granting ticket expired")

// homeTGT is the cache's TGT for its own realm; errTGTExpired when it has
// run out.
func homeTGT(cache *credentials.CCache, now time.Time) (*credentials.Credential, error) {
	realm := cache.DefaultPrincipal.Realm
	for _, e := range cache.GetEntries() {
		if n := e.Server.PrincipalName.NameString; len(n) == 2 && n[0] == "krbtgt" && n[1] == realm {
			if !now.Before(e.EndTime) {
				return nil, fmt.Errorf("%s at %v: %w", realm, e.EndTime, errTGTExpired)
			}
			return e, nil
		}
	}
	return nil, fmt.Errorf("no ticket-granting ticket for %s", realm)
}

// serviceTicket is a valid ticket for spn from the cache, else one the
// client realm's KDC issues with tgt (following its referrals to other
// realms). gokrb5's GetServiceTicket is not used: near the end of a
// TGT's life it tries to log in again, which needs a password.
func serviceTicket(cl *krbclient.Client, tgt *credentials.Credential, spn string) (messages.Ticket, types.EncryptionKey, error) {
	if tkt, key, ok := cl.GetCachedTicket(spn); ok {
		return tkt, key, nil
	}
	var tkt messages.Ticket
	if err := tkt.Unmarshal(tgt.Ticket); err != nil {
		return messages.Ticket{}, types.EncryptionKey{}, fmt.Errorf("TGT in the cache: %w", err)
	}
	princ := types.NewPrincipalName(nametype.KRB_NT_SRV_HST, spn)
	_, rep, err := cl.TGSREQGenerateAndExchange(princ, cl.Credentials.Realm(), tkt, tgt.Key, false)
	if err != nil {
		return messages.Ticket{}, types.EncryptionKey{}, err
	}
	return rep.Ticket, rep.DecryptedEncPart.Key, nil
}

// MIT's texts for the GSS major status codes ssh reports.
const (
	majorFailure = "Unspecified GSS failure.  Minor code may provide more information"
	majorNoCred  = "No credentials were supplied, or the credentials were unavailable or inaccessible"
	majorExpired = "The referenced credential has expired"
)

// Error is a failed GSS-API step, with the texts MIT gives for its major
// and minor status.
type Error struct {
	Major, Minor string
	Err          error
}

func (e *Error) Error() string { return "gssapi: " + e.Major + ": " + e.Minor }

func (e *Error) Unwrap() error { return e.Err }

// SSHText is what ssh's ssh_gssapi_error prints at -v for this failure:
// the major and the minor status, each on its own line. (ssh adds empty
// lines after some of them, and repeats the message once per mechanism
// MIT offers; gssh does not.)
func (e *Error) SSHText() string { return e.Major + "\n" + e.Minor }

// InitSecContext makes the AP-REQ context token on the first call and
// checks the server's AP-REP on the second; x/crypto always passes
// false for delegation, and gssh does not delegate.
func (c *Client) InitSecContext(target string, token []byte, _ bool) ([]byte, bool, error) {
	switch {
	case !c.sent:
		tok, err := c.apReq()
		if err != nil {
			return nil, false, err
		}
		c.sent = true
		return tok, true, nil
	case !c.complete:
		if err := c.apRep(token); err != nil {
			return nil, false, err
		}
		c.complete = true
		return nil, false, nil
	}
	return nil, false, errors.New("gssapi: context already established")
}

// krb5 mechanism token IDs (RFC 4121 §4.1).
var (
	tokAPReq = []byte{0x01, 0x00}
	tokAPRep = []byte{0x02, 0x00}
	tokError = []byte{0x03, 0x00}
)

// apReq builds the initial context token: the mechanism OID, TOK_ID 01 00
// and an AP-REQ whose authenticator carries a fresh subkey, a sequence
// number and the 0x8003 checksum with the mutual and integrity flags.
func (c *Client) apReq() ([]byte, error) {
	auth, err := types.NewAuthenticator(c.realm, c.cname)
	if err != nil {
		return nil, fmt.Errorf("gssapi: authenticator: %w", err)
	}
	et, err := crypto.GetEtype(c.sessionKey.KeyType)
	if err != nil {
		return nil, fmt.Errorf("gssapi: %w", err)
	}
	if err := auth.GenerateSeqNumberAndSubKey(c.sessionKey.KeyType, et.GetKeyByteSize()); err != nil {
		return nil, fmt.Errorf("gssapi: subkey: %w", err)
	}
	// RFC 4121 §4.1.1: Lgth 16, a zero channel binding hash, the flags.
	cksum := make([]byte, 24)
	binary.LittleEndian.PutUint32(cksum[:4], 16)
	binary.LittleEndian.PutUint32(cksum[20:], krbgssapi.ContextFlagMutual|krbgssapi.ContextFlagInteg)
	auth.Cksum = types.Checksum{CksumType: chksumtype.GSSAPI, Checksum: cksum}
	req, err := messages.NewAPReq(c.ticket, c.sessionKey, auth)
	if err != nil {
		return nil, fmt.Errorf("gssapi: AP-REQ: %w", err)
	}
	types.SetFlag(&req.APOptions, flags.APOptionMutualRequired)
	body, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("gssapi: AP-REQ: %w", err)
	}
	c.ctime, c.cusec, c.subkey, c.seq = auth.CTime, auth.Cusec, auth.SubKey, uint64(auth.SeqNumber)
	return frame(tokAPReq, body)
}

// frame wraps a krb5 mechanism message in the GSS-API token framing of
// RFC 2743 §3.1.
func frame(tokID, body []byte) ([]byte, error) {
	oid, err := asn1.Marshal(krbgssapi.OIDKRB5.OID())
	if err != nil {
		return nil, fmt.Errorf("gssapi: %w", err)
	}
	b := append(append(oid, tokID...), body...)
	return asn1tools.AddASNAppTag(b, 0), nil
}

// apRep checks the acceptor's reply: an AP-REP encrypted in the session
// key that echoes the authenticator's time, and may name the subkey the
// acceptor wants MICs made with.
func (c *Client) apRep(token []byte) error {
	var oid asn1.ObjectIdentifier
	rest, err := asn1.UnmarshalWithParams(token, &oid, "application,explicit,tag:0")
	if err != nil || !oid.Equal(krbgssapi.OIDKRB5.OID()) || len(rest) < 2 {
		return errors.New("gssapi: the server's reply is not a Kerberos V5 token")
	}
	tokID, body := rest[:2], rest[2:]
	switch {
	case string(tokID) == string(tokError):
		var kerr messages.KRBError
		if err := kerr.Unmarshal(body); err != nil {
			return fmt.Errorf("gssapi: KRB-ERROR from the server: %w", err)
		}
		return fmt.Errorf("gssapi: the server refused the ticket: %w", kerr)
	case string(tokID) != string(tokAPRep):
		return fmt.Errorf("gssapi: unexpected token %x from the server", tokID)
	}
	var rep messages.APRep
	if err := rep.Unmarshal(body); err != nil {
		return fmt.Errorf("gssapi: AP-REP: %w", err)
	}
	plain, err := crypto.DecryptEncPart(rep.EncPart, c.sessionKey, keyusage.AP_REP_ENCPART)
	if err != nil {
		return fmt.Errorf("gssapi: AP-REP: %w", err)
	}
	var part messages.EncAPRepPart
	if err := part.Unmarshal(plain); err != nil {
		return fmt.Errorf("gssapi: AP-REP: %w", err)
	}
	if !part.CTime.Equal(c.ctime.Truncate(time.Second)) || part.Cusec != c.cusec {
		return errors.New("gssapi: AP-REP does not answer our authenticator: the server did not prove its identity")
	}
	if part.Subkey.KeyType != 0 {
		key := part.Subkey
		c.acceptorSubkey = &key
	}
	return nil
}

// GetMIC makes an RFC 4121 MIC token over data with the acceptor's
// subkey if it sent one, else the initiator's, and the initiator's next
// sequence number.
func (c *Client) GetMIC(data []byte) ([]byte, error) {
	if !c.complete {
		return nil, errors.New("gssapi: GetMIC before the context is established")
	}
	tok := krbgssapi.MICToken{SndSeqNum: c.seq, Payload: data}
	key := c.subkey
	if c.acceptorSubkey != nil {
		tok.Flags = krbgssapi.MICTokenFlagAcceptorSubkey
		key = *c.acceptorSubkey
	}
	if err := tok.SetChecksum(key, keyusage.GSSAPI_INITIATOR_SIGN); err != nil {
		return nil, fmt.Errorf("gssapi: MIC: %w", err)
	}
	c.seq++
	b, err := tok.Marshal()
	if err != nil {
		return nil, fmt.Errorf("gssapi: MIC: %w", err)
	}
	return b, nil
}

// DeleteSecContext forgets the context's keys.
func (c *Client) DeleteSecContext() error {
	c.sessionKey, c.subkey, c.acceptorSubkey = types.EncryptionKey{}, types.EncryptionKey{}, nil
	c.sent, c.complete = false, false
	return nil
}
