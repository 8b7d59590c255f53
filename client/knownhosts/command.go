package knownhosts

import (
	"encoding/base64"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
)

// KnownHostsCommand follows sshconnect.c load_hostkeys_command and misc.c
// subprocess of OpenSSH 9.2, as measured with /usr/bin/ssh:
//
//   - The command is split into words and run directly (execv), never by
//     a shell; % tokens and ${ENV} are expanded inside each argument, so
//     a host name stays one argument whatever it holds.
//   - The program must be an absolute path that exists; otherwise ssh
//     logs why and goes on without the command's keys.
//   - stdin is /dev/null, stderr is ssh's, the environment is ssh's, and
//     stdout is read as a known_hosts file named "KnownHostsCommand-" plus
//     the invocation (ORDER, HOSTNAME, ADDRESS), which is also the file
//     name printed in "Offending ... key in" messages.
//   - It runs once before key exchange (ORDER: %H is HostName, no key,
//     output matched against HostName) to order HostKeyAlgorithms, and
//     once when the server's key arrives (HOSTNAME: %H and the matched
//     name are the known_hosts name, %t %f %K describe the key).
//   - A non-zero exit status or a signal is fatal: "KnownHostsCommand
//     failed", exit 255.
//   - Its keys are merged after UserKnownHostsFile and
//     GlobalKnownHostsFile for verification and are never written
//     anywhere: accept-new adds a new key to the first user file only.

// CommandError is a fatal KnownHostsCommand failure: the
// command exited with a status other than 0 or was killed, or its
// arguments could not be expanded. Text is what ssh prints last (its
// fatal message), the lines before it having been logged.
type CommandError struct {
	Text string
	Err  error
}

func (e *CommandError) Error() string { return e.Text }

func (e *CommandError) Unwrap() error { return e.Err }

// knownHostsCommandFailed is ssh's fatal() text for a failed command.
const knownHostsCommandFailed = "KnownHostsCommand failed"

// runKnownHostsCommand runs KnownHostsCommand for q and returns the
// known_hosts entries it printed for q.Name. No command configured, a
// relative or missing program: no entries and no error, as in ssh.
func runKnownHostsCommand(cfg *config.Config, log *sshlog.Logger, q config.KnownHostsQuery) ([]knownHostEntry, error) {
	argv, err := cfg.KnownHostsCommandArgv(q)
	if err != nil {
		return nil, expandFailure(err)
	}
	if argv == nil {
		return nil, nil
	}
	tag := "KnownHostsCommand-" + q.Invocation
	if !filepath.IsAbs(argv[0]) {
		log.Logf(config.LogError, "%s path is not absolute", tag)
		return nil, nil
	}
	if _, err := os.Stat(argv[0]); err != nil {
		log.Logf(config.LogError, "Could not stat %s \"%s\": %s", tag, argv[0], config.Strerror(err))
		return nil, nil
	}
	command := argvAssemble(argv)
	cmd := &exec.Cmd{Path: argv[0], Args: argv, Stderr: os.Stderr}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, &CommandError{Text: knownHostsCommandFailed, Err: err}
	}
	if err := cmd.Start(); err != nil {
		// ssh's child reports the failed execv and exits 127.
		log.Logf(config.LogError, "%s execv \"%s\": %s", tag, command, config.Strerror(err))
		log.Logf(config.LogInfo, "%s %s failed, status 127", tag, command)
		return nil, &CommandError{Text: knownHostsCommandFailed, Err: err}
	}
	out, readErr := io.ReadAll(stdout)
	err = cmd.Wait()
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			log.Logf(config.LogError, "%s %s exited on signal %d", tag, command, int(ws.Signal()))
		} else {
			log.Logf(config.LogInfo, "%s %s failed, status %d", tag, command, exitErr.ExitCode())
		}
		return nil, &CommandError{Text: knownHostsCommandFailed, Err: err}
	case err != nil:
		return nil, &CommandError{Text: knownHostsCommandFailed, Err: err}
	case readErr != nil:
		return nil, &CommandError{Text: knownHostsCommandFailed, Err: readErr}
	}
	return parseKnownHosts(tag, out, q.Name, log), nil
}

// expandFailure renders a token expansion error as ssh's two fatal lines
// (vdollar_percent_expand's reason, then its caller's).
func expandFailure(err error) error {
	reason := err.Error()
	if inner := errors.Unwrap(err); inner != nil {
		reason = inner.Error()
	}
	reason = strings.TrimPrefix(reason, "percent_expand: ")
	caller := "percent_dollar_expand: failed"
	if strings.HasPrefix(reason, "env var ") {
		caller = "load_hostkeys_command: percent_expand failed"
	}
	return &CommandError{Text: "vdollar_percent_expand: " + reason + "\r\n" + caller, Err: err}
}

// argvAssemble is misc.c argv_assemble, the printable command in ssh's
// messages: backslash before quotes and backslashes, double quotes around
// a word holding blanks.
func argvAssemble(argv []string) string {
	var b strings.Builder
	for i, arg := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		var w strings.Builder
		blank := false
		for _, c := range []byte(arg) {
			switch c {
			case ' ', '\t':
				blank = true
			case '\\', '\'', '"':
				w.WriteByte('\\')
			}
			w.WriteByte(c)
		}
		if blank {
			b.WriteByte('"')
		}
		b.WriteString(w.String())
		if blank {
			b.WriteByte('"')
		}
	}
	return b.String()
}

// keyQuery fills the key tokens (%t, %f, %K) of a query.
func keyQuery(cfg *config.Config, invocation, name string, key ssh.PublicKey) config.KnownHostsQuery {
	fp := ssh.FingerprintSHA256(key)
	if strings.EqualFold(cfg.FingerprintHash, "md5") {
		fp = "MD5:" + ssh.FingerprintLegacyMD5(key)
	}
	return config.KnownHostsQuery{Invocation: invocation, Name: name, KeyType: key.Type(), Fingerprint: fp,
		Key: base64.StdEncoding.EncodeToString(key.Marshal())}
}

// HostKeyAlgorithms is the HostKeyAlgorithms list for KEXINIT,
// running KnownHostsCommand (ORDER) first when the list is to be ordered
// by the keys already known.
func (v *Verifier) HostKeyAlgorithms() ([]string, error) {
	known := v.kh.matching(v.name)
	if !v.cfg.HostKeyAlgorithmsSet {
		host := strings.ToLower(v.cfg.HostName)
		entries, err := runKnownHostsCommand(v.cfg, v.log, config.KnownHostsQuery{Invocation: "ORDER", Name: host})
		if err != nil {
			return nil, err
		}
		for i := range entries {
			if entries[i].matches(host) {
				known = append(known, &entries[i])
			}
		}
	}
	return hostKeyAlgorithms(v.cfg, known), nil
}

// loadCommandKeys runs KnownHostsCommand for the key the server sent
// (HOSTNAME, and ADDRESS when CheckHostIP will look the address up) and
// adds what it printed after the files' entries. It runs once per
// connection: a re-key finds the keys already loaded.
func (v *Verifier) loadCommandKeys(ipName string, checkIP bool, key ssh.PublicKey) error {
	if v.commandLoaded {
		return nil
	}
	v.commandLoaded = true
	if v.pause != nil {
		// ssh bounds the connection and banner exchange only; a slow
		// command is no slow server.
		defer v.pause()()
	}
	entries, err := runKnownHostsCommand(v.cfg, v.log, keyQuery(v.cfg, "HOSTNAME", v.name, key))
	if err != nil {
		return err
	}
	v.kh.entries = append(v.kh.entries, entries...)
	_, isCert := key.(*ssh.Certificate)
	if isCert || !checkIP {
		return nil
	}
	entries, err = runKnownHostsCommand(v.cfg, v.log, keyQuery(v.cfg, "ADDRESS", ipName, key))
	if err != nil {
		return err
	}
	v.kh.entries = append(v.kh.entries, entries...)
	return nil
}
