//go:build unix

package controlmaster

import (
	"os"
	"os/exec"
	"strings"

	"github.com/gssh/gssh/client/config"
)

// defaultAskpass is OpenSSH's _PATH_SSH_ASKPASS_DEFAULT on Debian.
const defaultAskpass = "/usr/bin/ssh-askpass"

// askMaster reports whether ControlMaster asks before sharing (ask,
// autoask, -MM).
func askMaster(cfg *config.Config) bool {
	return cfg.ControlMaster == config.ControlMasterAsk || cfg.ControlMaster == config.ControlMasterAutoAsk
}

// askPermission is readpass.c's ask_permission as a master uses it: the
// question goes to SSH_ASKPASS (default /usr/bin/ssh-askpass) with
// SSH_ASKPASS_PROMPT=confirm, and an empty answer or "yes" allows. As in
// ssh, askpass is used only with a display (DISPLAY or WAYLAND_DISPLAY)
// or SSH_ASKPASS_REQUIRE=force, and never with SSH_ASKPASS_REQUIRE=never;
// when it cannot be used, or fails, the answer is no. (ssh would fall
// back to the terminal, which a background master does not have and a
// foreground master's session holds in raw mode.)
func askPermission(question string) bool {
	require := os.Getenv("SSH_ASKPASS_REQUIRE")
	display := os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
	if require == "never" || (!display && require != "force") {
		return false
	}
	prog := os.Getenv("SSH_ASKPASS")
	if prog == "" {
		prog = defaultAskpass
	}
	cmd := exec.Command(prog, question)
	cmd.Env = append(os.Environ(), "SSH_ASKPASS_PROMPT=confirm")
	out, err := cmd.Output()
	if err != nil {
		return false
	}
	answer := strings.TrimRight(string(out), "\r\n")
	return answer == "" || strings.EqualFold(answer, "yes")
}
