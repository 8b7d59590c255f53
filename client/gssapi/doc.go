// Package gssapi is the Kerberos side of SSH's "gssapi-with-mic" user
// authentication: it implements x/crypto/ssh's GSSAPIClient for the
// Kerberos V5 mechanism (OID 1.2.840.113554.1.2.2) on
// github.com/jcmturner/gokrb5/v8, the pure-Go Kerberos implementation, so
// that gssh logs in with the tickets kinit left behind without linking
// MIT's libgssapi_krb5.
//
// Where the behaviour comes from:
//   - RFC 4462 §3 (gssapi-with-mic) through x/crypto's
//     GSSAPIWithMICAuthMethod, which sends the messages; this package
//     makes the tokens.
//   - RFC 4121 (the Kerberos V5 GSS-API mechanism, version 2): the
//     AP-REQ initial context token with its 0x8003 checksum, the AP-REP
//     reply with the acceptor's subkey, and MIC tokens (TOK_ID 04 04).
//   - MIT Kerberos for where the credentials are: KRB5CCNAME (FILE:,
//     DIR: collections, a plain path), libdefaults default_ccache_name,
//     else FILE:/tmp/krb5cc_UID; krb5.conf from KRB5_CONFIG, else
//     /etc/krb5.conf; and its host-based service name rules
//     (dns_canonicalize_hostname, rdns).
//   - OpenSSH 9.2 with Debian's GSSAPI patch (sshconnect2.c
//     userauth_gssapi) for the name of the server: GSSAPIServerIdentity,
//     else with GSSAPITrustDns the peer's DNS name, else the HostName.
//
// What it does not do (docs/kerberos.md): credential delegation
// (GSSAPIDelegateCredentials), because gokrb5 can neither request a
// forwarded TGT nor encode the KRB-CRED that carries it; KEYRING:, KCM:
// and MEMORY: caches; RFC 1964 tokens for DES and RC4 session keys; and
// GSSAPI key exchange (gss-*-sha* kex).
package gssapi
