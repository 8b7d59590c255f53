package gssapi

import (
	"context"
	"errors"
	"net"
	"testing"
)

// fakeResolver answers from maps; a missing entry is a lookup failure.
type fakeResolver struct {
	addr  map[string][]string // address → names
	host  map[string][]string // name → addresses
	cname map[string]string
}

var errNoSuchHost = errors.New("no such host")

func (r fakeResolver) LookupAddr(_ context.Context, addr string) ([]string, error) {
	if n, ok := r.addr[addr]; ok {
		return n, nil
	}
	return nil, errNoSuchHost
}

// LookupHost gives an address literal back, as net.LookupHost does.
func (r fakeResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	if net.ParseIP(host) != nil {
		return []string{host}, nil
	}
	if a, ok := r.host[host]; ok {
		return a, nil
	}
	return nil, errNoSuchHost
}

func (r fakeResolver) LookupCNAME(_ context.Context, host string) (string, error) {
	if c, ok := r.cname[host]; ok {
		return c, nil
	}
	return "", errNoSuchHost
}

// TestServerHost follows Debian's userauth_gssapi: GSSAPIServerIdentity
// first, then with GSSAPITrustDns the forward-confirmed reverse name of
// the peer (its address when unconfirmed, the HostName when the
// connection is no TCP socket), else the HostName as given.
func TestServerHost(t *testing.T) {
	r := fakeResolver{
		addr: map[string][]string{"192.0.2.1": {"Web.Example.ORG."}, "192.0.2.2": {"liar.example.org."}},
		host: map[string][]string{"Web.Example.ORG": {"192.0.2.1"}, "liar.example.org": {"192.0.2.99"}},
	}
	tcp := func(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 22} }
	for _, tc := range []struct {
		name     string
		identity string
		trust    bool
		peer     net.Addr
		want     string
	}{
		{"hostname as given", "", false, tcp("192.0.2.1"), "web"},
		{"server identity wins", "svc.example.org", true, tcp("192.0.2.1"), "svc.example.org"},
		{"trust dns: confirmed reverse name, lowercased", "", true, tcp("192.0.2.1"), "web.example.org"},
		{"trust dns: unconfirmed name gives the address", "", true, tcp("192.0.2.2"), "192.0.2.2"},
		{"trust dns: no reverse name gives the address", "", true, tcp("192.0.2.3"), "192.0.2.3"},
		{"trust dns over a proxy command", "", true, &net.UnixAddr{Name: "pipe"}, "web"},
	} {
		if got := ServerHost(context.Background(), r, tc.identity, tc.trust, "web", tc.peer); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestCanonicalHost follows MIT's sname_to_principal: the CNAME target
// with dns_canonicalize_hostname, the reverse name of the first address
// with rdns, lowercased; failures keep the name.
func TestCanonicalHost(t *testing.T) {
	r := fakeResolver{
		cname: map[string]string{"web": "WWW1.example.org."},
		host:  map[string][]string{"www1.example.org": {"192.0.2.1"}, "WWW1.example.org": {"192.0.2.1"}},
		addr:  map[string][]string{"192.0.2.1": {"rack7.example.org."}},
	}
	for _, tc := range []struct {
		host string
		rdns bool
		want string
	}{
		{"web", false, "www1.example.org"},
		{"web", true, "rack7.example.org"},
		{"Unknown", false, "unknown"},
		{"192.0.2.1", false, "192.0.2.1"},
		{"192.0.2.1", true, "rack7.example.org"},
	} {
		if got := canonicalHost(context.Background(), r, tc.host, tc.rdns); got != tc.want {
			t.Errorf("%s rdns=%v: %q, want %q", tc.host, tc.rdns, got, tc.want)
		}
	}
}
