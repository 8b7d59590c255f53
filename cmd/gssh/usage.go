package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/termsafe"
)

// usageText is OpenSSH 9.2's usage message with gssh's name, followed by
// gssh's own long flags.
func usageText() string {
	return `usage: gssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]
            [-b bind_address] [-c cipher_spec] [-D [bind_address:]port]
            [-E log_file] [-e escape_char] [-F configfile] [-I pkcs11]
            [-i identity_file] [-J [user@]host[:port]] [-L address]
            [-l login_name] [-m mac_spec] [-O ctl_cmd] [-o option] [-p port]
            [-Q query_option] [-R address] [-S ctl_path] [-W host:port]
            [-w local_tun[:remote_tun]] destination [command [argument ...]]
            [--timeout duration] [--kill-after duration]
            [--idle-timeout duration] [--help]
            [--remote-timeout] [--sessions [--json]] [--end ID ... | hung]
            [--reconnect] [--reconnect-max n] [--reconnect-first]
`
}

// usageError is a malformed command line: ssh prints its message, if
// any, then the usage text, and exits 255.
type usageError struct {
	msg   string // e.g. "unknown option -- z"; empty for a missing destination
	plain bool   // printed by ssh with fprintf ("\n"), not by getopt ("\r\n")
}

func (e *usageError) Error() string {
	if e.msg == "" {
		return "bad command line"
	}
	return e.msg
}

// fatalError is a flag value or combination that ssh rejects with a
// message alone and exit status 255, like "Bad port '0'".
type fatalError struct {
	msg    string
	logged bool  // printed by ssh's fatal(): ends in "\r\n"
	cause  error // what ssh logged just before, such as a *config.NameError
}

func (e *fatalError) Error() string { return e.msg }

func (e *fatalError) Unwrap() error { return e.cause }

// reportArgsError writes what OpenSSH writes to stderr for an error from
// parseArgs and returns the exit status, 255 as for every ssh usage error.
func reportArgsError(stderr io.Writer, err error) int {
	var ue *usageError
	var fe *fatalError
	switch {
	case errors.As(err, &ue):
		switch {
		case ue.plain:
			fmt.Fprintln(stderr, ue.msg)
		case ue.msg != "":
			// getopt's complaints go through ssh's logger: "\r\n".
			fmt.Fprintf(stderr, "%s\r\n", ue.msg)
		}
		io.WriteString(stderr, usageText())
	case errors.As(err, &fe) && fe.logged:
		var name *config.NameError
		if errors.As(fe.cause, &name) {
			io.WriteString(stderr, termsafe.LogLine(nameMessage(name))+"\r\n")
		}
		fmt.Fprintf(stderr, "%s\r\n", fe.msg)
	case isConfigError(err):
		return report(stderr, "", err)
	case errors.As(err, &fe):
		fmt.Fprintln(stderr, fe.msg)
	default:
		fmt.Fprintln(stderr, err)
	}
	return 255
}
