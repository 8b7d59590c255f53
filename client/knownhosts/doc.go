// Package knownhosts decides whether gssh trusts a server's host key, as
// OpenSSH 9.2's check_host_key (sshconnect.c) and hostfile.c do: the
// known_hosts files and KnownHostsCommand, @cert-authority host
// certificates (sshkey_cert_check_host) and CASignatureAlgorithms,
// @revoked lines and RevokedHostKeys, RequiredRSASize,
// StrictHostKeyChecking with its ask prompt and accept-new, CheckHostIP,
// HashKnownHosts, and the HostKeyAlgorithms order the known keys call
// for; and what UpdateHostKeys makes of the keys a server announces
// after authentication (clientloop.c client_input_hostkeys,
// client_global_hostkeys_prove_confirm and update_known_hosts). New
// takes the resolved configuration, a logger and a prompter and returns
// a Verifier whose Check is the connection's ssh.HostKeyCallback and
// whose Announce starts a HostKeyUpdate, so all of it can be tested
// without dialing. Its errors (HostKeyError, CommandError, KeySizeError)
// carry ssh's texts for cmd/gssh to print.
package knownhosts
