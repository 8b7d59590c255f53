// Package krl decides whether a public key or certificate is revoked by an
// OpenSSH revocation file: a key revocation list (KRL) as `ssh-keygen -k`
// writes it, or a plain list of public keys, one per line. It is what
// RevokedHostKeys needs, and it imports nothing of gssh's.
//
// Where the format comes from: PROTOCOL.krl in openssh-portable (header,
// certificate sections with or without a CA key holding serial lists,
// serial ranges, serial bitmaps and key IDs, explicit key sections, SHA-1
// and SHA-256 fingerprint sections, signature sections). Where the
// behaviour comes from: krl.c (ssh_krl_from_blob, ssh_krl_check_key) and
// authfile.c (sshkey_check_revoked, sshkey_in_file) of OpenSSH 9.2, checked
// against ssh-keygen -Q and ssh on the build machine:
//
//   - A certificate is revoked when its plain key is listed (explicitly or
//     by fingerprint), when its key ID or its non-zero serial is listed
//     under its CA or under the wildcard CA of a CA-less section, or when
//     its CA key itself is listed explicitly or by fingerprint.
//   - A KRL that does not parse is an error, never "not revoked": a serial
//     of zero, a reversed range, a section with bytes left over, an unknown
//     section type, a bad CA key or a KRL signature that does not verify
//     all fail the whole file, as they do in ssh. FormatError.Reason holds
//     the text ssh_err gives for each failure, so callers can print what
//     ssh prints.
//   - A file without the KRL magic is read as a list of public keys
//     (sshkey_in_file with check_ca): blank lines and lines starting with
//     '#' are skipped, any other line that is not a key is an error, and a
//     certificate is revoked when its key or its CA key is listed.
//
// Known limits: keys that OpenSSH 9.2 parses but x/crypto cannot (DSA, RSA
// with an unusual exponent) are compared by their blob and never verify a
// KRL signature; x/crypto's ML-DSA keys, unknown to 9.2, are refused as ssh
// refuses them. The tests compare verdicts and refusal reasons with
// ssh-keygen -Q and /usr/bin/ssh for files ssh-keygen writes, hand-made
// ones, and truncations and byte overwrites of generated KRLs.
package krl
