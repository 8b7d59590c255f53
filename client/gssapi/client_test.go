//go:build unix

package gssapi

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/kdctest"
)

// realmWithTicket starts a realm with service host/127.0.0.1 and returns
// it and a FILE: cache holding alice's TGT.
func realmWithTicket(t *testing.T) (*kdctest.KDC, string) {
	t.Helper()
	k := kdctest.Start(t)
	k.AddUser(t, "alice", "alice-pw")
	k.AddService(t, "host/127.0.0.1")
	cc := "FILE:" + filepath.Join(t.TempDir(), "cc")
	k.Kinit(t, "alice", "alice-pw", cc)
	return k, cc
}

// TestNewFailsAsMITDoes: each way of having no usable credentials is an
// *Error with the status texts MIT's library gives ssh (checked against
// ssh -v in cmd/gssh's GSSAPI tests).
func TestNewFailsAsMITDoes(t *testing.T) {
	k, cc := realmWithTicket(t)
	missing := "FILE:" + filepath.Join(t.TempDir(), "none")
	for _, tc := range []struct {
		name         string
		cfg          Config
		major, minor string
	}{
		{"no cache", Config{Host: "127.0.0.1", CCache: missing},
			majorNoCred, "No Kerberos credentials available (default cache: " + missing + ")"},
		{"unknown service", Config{Host: "nowhere.gssh.test", CCache: cc},
			majorFailure, "Server host/nowhere.gssh.test@" + kdctest.Realm + " not found in Kerberos database"},
		{"other client identity", Config{Host: "127.0.0.1", CCache: cc, ClientIdentity: "bob"},
			majorNoCred, "Can't find client principal bob in cache collection"},
		{"unsupported cache type", Config{Host: "127.0.0.1", CCache: "KEYRING:persistent:0"},
			majorNoCred, "No Kerberos credentials available (default cache: KEYRING:persistent:0)"},
	} {
		tc.cfg.Krb5Config = k.Krb5Conf
		_, err := New(context.Background(), tc.cfg)
		var gerr *Error
		if !errors.As(err, &gerr) || gerr.Major != tc.major || gerr.Minor != tc.minor {
			t.Errorf("%s: %v, want %q / %q", tc.name, err, tc.major, tc.minor)
		}
	}
}

// TestNewGetsServiceTicket: with a TGT, New asks the KDC for
// host/HOST (lowercased) and the first InitSecContext makes a krb5
// initial context token (RFC 2743 §3.1 framing, TOK_ID 01 00).
func TestNewGetsServiceTicket(t *testing.T) {
	k, cc := realmWithTicket(t)
	for _, id := range []string{"", "alice", "alice@" + kdctest.Realm} {
		c, err := New(context.Background(), Config{Host: "127.0.0.1", CCache: cc, Krb5Config: k.Krb5Conf, ClientIdentity: id})
		if err != nil {
			t.Fatalf("identity %q: %v", id, err)
		}
		if got := strings.Join(c.ticket.SName.NameString, "/"); got != "host/127.0.0.1" {
			t.Fatalf("ticket for %s", got)
		}
		tok, more, err := c.InitSecContext("host@127.0.0.1", nil, false)
		if err != nil || !more || len(tok) < 20 || tok[0] != 0x60 {
			t.Fatalf("first token %x %v %v", tok, more, err)
		}
		if _, err := c.GetMIC([]byte("x")); err == nil {
			t.Fatal("GetMIC before the context is established")
		}
		c.DeleteSecContext()
	}
}

// TestClientIdentityPicksCollectionMember: in a DIR: collection whose
// primary cache is alice's, GSSAPIClientIdentity bob selects bob's member,
// as MIT's krb5_cc_cache_match does; a principal no member holds fails.
func TestClientIdentityPicksCollectionMember(t *testing.T) {
	k, _ := realmWithTicket(t)
	k.AddUser(t, "bob", "bob-pw")
	dir := t.TempDir()
	k.Kinit(t, "alice", "alice-pw", "DIR:"+dir)
	k.Kinit(t, "bob", "bob-pw", "DIR::"+filepath.Join(dir, "tktbob"))
	for id, want := range map[string]string{"": "alice", "bob": "bob", "alice@" + kdctest.Realm: "alice"} {
		c, err := New(context.Background(), Config{Host: "127.0.0.1", CCache: "DIR:" + dir, Krb5Config: k.Krb5Conf, ClientIdentity: id})
		if err != nil {
			t.Fatalf("identity %q: %v", id, err)
		}
		if got := c.cname.PrincipalNameString(); got != want {
			t.Errorf("identity %q: cache of %s, want %s", id, got, want)
		}
	}
	_, err := New(context.Background(), Config{Host: "127.0.0.1", CCache: "DIR:" + dir, Krb5Config: k.Krb5Conf, ClientIdentity: "carol"})
	var gerr *Error
	if !errors.As(err, &gerr) || gerr.Minor != "Can't find client principal carol in cache collection" {
		t.Fatalf("carol: %v", err)
	}
}

// TestExpiredTGT: a TGT that has run out fails as MIT's "Ticket expired"
// (gssh does not renew it), and nothing is asked of the KDC.
func TestExpiredTGT(t *testing.T) {
	k, _ := realmWithTicket(t)
	cc := "FILE:" + filepath.Join(t.TempDir(), "short")
	k.Kinit(t, "alice", "alice-pw", cc, "-l", "1s")
	time.Sleep(1500 * time.Millisecond)
	_, err := New(context.Background(), Config{Host: "127.0.0.1", CCache: cc, Krb5Config: k.Krb5Conf})
	var gerr *Error
	if !errors.As(err, &gerr) || gerr.Major != majorExpired || gerr.Minor != "Ticket expired" {
		t.Fatalf("%v, want Ticket expired", err)
	}
}
