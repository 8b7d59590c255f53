package main

import (
	"os"
	"os/exec"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
)

// runLocalCommand is ssh.c's ssh_local_cmd: with PermitLocalCommand,
// once the connection is up (and before the session's input is read),
// LocalCommand runs through the user's shell with gssh's stdio, and gssh
// waits for it. Its exit status is ignored, as ssh ignores it; a command
// that cannot be started is logged.
func runLocalCommand(cfg *config.Config, st client.Streams, log *sshlog.Logger) {
	line, err := cfg.LocalCommandLine()
	if err != nil {
		log.Logf(config.LogError, "%v", err)
		return
	}
	if line == "" {
		return
	}
	shell := os.Getenv("SHELL")
	if shell == "" {
		shell = "/bin/sh"
	}
	log.Logf(config.LogDebug3, "Executing %s -c \"%s\"", shell, line)
	cmd := exec.Command(shell, "-c", line)
	cmd.Stdout, cmd.Stderr = st.Stdout, st.Stderr
	// Only a real descriptor is handed on: exec would otherwise copy
	// from the reader in a goroutine that outlives the command and eats
	// the session's input. With -n ssh's stdin is /dev/null already.
	if f, ok := st.Stdin.(*os.File); ok && !cfg.StdinNull {
		cmd.Stdin = f
	}
	if err := cmd.Run(); err != nil {
		if _, exited := err.(*exec.ExitError); !exited {
			log.Logf(config.LogError, "Couldn't execute %s -c \"%s\": %s", shell, line, config.Strerror(err))
		}
	}
}
