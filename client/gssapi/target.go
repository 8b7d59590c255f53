package gssapi

import (
	"context"
	"net"
	"slices"
	"strings"
)

// Resolver is the part of *net.Resolver the name rules use; tests pass a
// fake to stay off the network.
type Resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupHost(ctx context.Context, host string) ([]string, error)
	LookupCNAME(ctx context.Context, host string) (string, error)
}

// ServerHost is the HOST of the target name host@HOST that OpenSSH 9.2
// (Debian's sshconnect2.c userauth_gssapi) asks for: GSSAPIServerIdentity
// when set; else, with GSSAPITrustDns, the peer's name from DNS
// (remote_hostname: the reverse lookup of its address, kept only when a
// forward lookup of that name gives the address back, lowercased; the
// address itself otherwise), falling back to the HostName when the
// connection is not a TCP socket with a known address (a ProxyCommand);
// else the HostName as given.
func ServerHost(ctx context.Context, r Resolver, identity string, trustDNS bool, hostName string, peer net.Addr) string {
	if identity != "" {
		return identity
	}
	tcp, ok := peer.(*net.TCPAddr)
	if !trustDNS || !ok || tcp.IP.IsUnspecified() {
		return hostName
	}
	ip := tcp.IP.String()
	names, err := r.LookupAddr(ctx, ip)
	if err != nil || len(names) == 0 {
		return ip
	}
	name := strings.TrimSuffix(names[0], ".")
	addrs, err := r.LookupHost(ctx, name)
	if err != nil || !slices.ContainsFunc(addrs, func(a string) bool { return net.ParseIP(a).Equal(tcp.IP) }) {
		return ip
	}
	return strings.ToLower(name)
}

// canonicalHost is what MIT's krb5_sname_to_principal makes of the host
// of a host-based service name: with dns_canonicalize_hostname the
// canonical name from DNS (its CNAME target), then with rdns the reverse
// lookup of the host's first address; lowercased. A failed lookup keeps
// the name it had.
func canonicalHost(ctx context.Context, r Resolver, host string, rdns bool) string {
	if net.ParseIP(host) == nil {
		if cname, err := r.LookupCNAME(ctx, host); err == nil && cname != "" {
			host = strings.TrimSuffix(cname, ".")
		}
	}
	if rdns {
		addrs, err := r.LookupHost(ctx, host)
		if err == nil && len(addrs) > 0 {
			if names, err := r.LookupAddr(ctx, addrs[0]); err == nil && len(names) > 0 {
				host = strings.TrimSuffix(names[0], ".")
			}
		}
	}
	return strings.ToLower(host)
}
