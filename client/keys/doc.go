// Package keys holds the checks OpenSSH makes on key material wherever it
// comes from, for authentication and host keys alike: a private key file
// is read only if others cannot (sshkey_perm_ok, judged on the open
// descriptor), an RSA key must reach RequiredRSASize and never be under
// 1024 bits (sshkey_check_rsa_length), and two keys are the same when
// their key material is, certificate or not.
package keys
