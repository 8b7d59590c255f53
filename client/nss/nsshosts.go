package nss

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
)

// A gssh built without cgo (make build: CGO_ENABLED=0, a static binary
// that starts faster) resolves host names with Go's own resolver, which
// knows the "files" and "dns" sources of nsswitch.conf(5) and nothing
// else. ssh asks the C library, which also consults mdns (".local"
// names), myhostname, systemd-resolved, LDAP and the rest. When Go's
// resolver finds nothing and nsswitch.conf lists such a source, gssh asks
// the C library through getent(1), which performs the same NSS lookup.

// nsswitchPath is the NSS configuration that decides whether the
// fallback can find more than Go's resolver did.
const nsswitchPath = "/etc/nsswitch.conf"

// hostsNeedNSS reports whether the "hosts:" line of an nsswitch.conf
// names a source Go's resolver does not implement.
func hostsNeedNSS(nsswitch []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(nsswitch))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		key, sources, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(key) != "hosts" {
			continue
		}
		for _, src := range strings.Fields(withoutActions(sources)) {
			if src != "files" && src != "dns" {
				return true
			}
		}
		return false
	}
	return false
}

// withoutActions removes the bracketed actions ("[NOTFOUND=return]",
// spaces allowed inside) from an nsswitch.conf sources list.
func withoutActions(sources string) string {
	var b strings.Builder
	depth := 0
	for _, r := range sources {
		switch {
		case r == '[':
			depth++
		case r == ']' && depth > 0:
			depth--
			b.WriteByte(' ')
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// getentDatabase is the getent(1) database for AddressFamily.
func getentDatabase(family string) string {
	switch family {
	case "inet":
		return "ahostsv4"
	case "inet6":
		return "ahostsv6"
	}
	return "ahosts"
}

// parseGetentHosts reads `getent ahosts` output ("ADDRESS SOCKTYPE
// [NAME]" per line, each address once per socket type) into the
// addresses in the order given, each once.
func parseGetentHosts(out []byte) []net.IP {
	var ips []net.IP
	seen := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || seen[f[0]] {
			continue
		}
		if ip := net.ParseIP(f[0]); ip != nil {
			seen[f[0]] = true
			ips = append(ips, ip)
		}
	}
	return ips
}

// lookupNSS resolves host through the C library's NSS with getent(1),
// for AddressFamily family. It returns no addresses when getent is
// missing or finds nothing.
func lookupNSS(ctx context.Context, host, family string) []net.IP {
	if host == "" || strings.HasPrefix(host, "-") {
		return nil
	}
	out, err := exec.CommandContext(ctx, "getent", getentDatabase(family), host).Output()
	if err != nil {
		return nil
	}
	return parseGetentHosts(out)
}

// Fallback resolves host through the C library's NSS (getent(1)) for
// AddressFamily family ("any", "inet", "inet6") when this build resolves
// without the C library and the system's NSS configuration can find more
// than Go's resolver; otherwise, or when nothing is found, it returns no
// addresses. Call it after Go's resolver found no such host.
func Fallback(ctx context.Context, host, family string) []net.IP {
	if resolverUsesLibc {
		return nil
	}
	conf, err := os.ReadFile(nsswitchPath)
	if err != nil || !hostsNeedNSS(conf) {
		return nil
	}
	return lookupNSS(ctx, host, family)
}
