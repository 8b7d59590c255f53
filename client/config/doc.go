// Package config reads ssh_config(5) files and resolves the settings for one
// connection the way the OpenSSH 9.2 client (ssh(1), readconf.c) does.
//
// Resolution order and rules follow ssh(1): command-line options (-o, and
// the flags cmd/gssh translates into lines) first, then the -F file or
// ~/.ssh/config, then the system file; the first value obtained for a
// keyword wins and list keywords accumulate. Host and Match blocks, Include,
// %-tokens, ~ and ${ENV} expansion, defaults and the second "final" pass
// behave as in OpenSSH 9.2; deliberate gssh deviations are listed in
// docs/config-keywords.md.
//
// Resolve returns a typed Config; Config.WriteG prints it in the exact
// format of `ssh -G`, which is what scripts such as git rely on.
// Forwardings are typed too (Forward): ParseForward is the module's one
// parser of -L, -R and -D specs, used by the command line, ~C and the
// multiplexing code alike.
package config
