// Package nss is the host-name lookup a gssh built without cgo adds to Go's
// resolver: when Go finds no such host and nsswitch.conf(5) lists a source
// Go does not implement (mdns, myhostname, systemd-resolved, LDAP, ...),
// Fallback asks the C library's NSS through getent(1), as ssh's
// getaddrinfo(3) would have. See nsshosts.go.
package nss
