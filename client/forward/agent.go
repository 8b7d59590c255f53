package forward

import (
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/internal/crash"
)

// Agent forwarding (-A, ForwardAgent): the session asks the server with
// auth-agent-req@openssh.com (PROTOCOL section 2.1), and every
// auth-agent@openssh.com channel the server then opens is connected to
// the local agent's socket. x/crypto's agent.ForwardToRemote does the
// same but drops connection errors silently; here they are reported, and
// never end the session.

// Channel type and request of agent forwarding.
const (
	chanAgent   = "auth-agent@openssh.com"
	reqAgentFwd = "auth-agent-req@openssh.com"
)

// RequestAgent asks for agent forwarding on a new session channel ch of
// the connection c when cfg's ForwardAgent says so, and serves the
// agent channels the server opens. It is the whole of a session's part
// in it; a session on a host whose key was not trusted does not call it,
// as ssh turns agent forwarding off then.
func RequestAgent(c *ssh.Client, ch ssh.Channel, cfg *config.Config, log *sshlog.Logger) {
	if cfg.ForwardAgent == "" || cfg.ForwardAgent == "no" {
		return
	}
	sock := agentSocket(cfg.ForwardAgent, cfg.IdentityAgent)
	if sock == "" {
		log.Logf(config.LogInfo, "Warning: agent forwarding requested, but no agent socket is set (SSH_AUTH_SOCK, IdentityAgent, ForwardAgent)")
	}
	// A second session on the same connection (multiplexing) finds the
	// handler claimed and shares it.
	if opens := c.HandleChannelOpen(chanAgent); opens != nil {
		crash.Go(func() { serveAgent(opens, sock, log) })
	}
	log.Logf(config.LogDebug1, "Requesting authentication agent forwarding.")
	// ssh wants no reply; a server that refuses (AllowAgentForwarding no)
	// just never opens an agent channel.
	if _, err := ch.SendRequest(reqAgentFwd, false, nil); err != nil {
		log.Logf(config.LogInfo, "Warning: agent forwarding request failed: %v", err)
	}
}

// agentSocket is the local agent's socket for ForwardAgent: "yes" means
// the agent ssh itself uses (IdentityAgent, which ssh.c copies into
// SSH_AUTH_SOCK, else $SSH_AUTH_SOCK); "$VAR" names an environment
// variable; anything else is a path, already expanded by config.
func agentSocket(forward, identityAgent string) string {
	fromEnv := func(v string) string {
		if strings.HasPrefix(v, "$") && !strings.HasPrefix(v, "${") {
			return os.Getenv(v[1:])
		}
		return v
	}
	if forward != "yes" {
		return fromEnv(forward)
	}
	switch identityAgent {
	case "none":
		return ""
	case "", "SSH_AUTH_SOCK":
		return os.Getenv("SSH_AUTH_SOCK")
	}
	return fromEnv(identityAgent)
}

// serveAgent connects each agent channel the server opens to sock.
func serveAgent(opens <-chan ssh.NewChannel, sock string, log *sshlog.Logger) {
	for nc := range opens {
		if sock == "" {
			nc.Reject(ssh.ConnectionFailed, "no agent")
			continue
		}
		local, err := net.Dial("unix", sock)
		if err != nil {
			log.Logf(config.LogInfo, "Warning: forwarded agent connection failed: %s: %s", sock, config.Strerror(err))
			nc.Reject(ssh.ConnectionFailed, config.Strerror(err))
			continue
		}
		ch, reqs, err := nc.Accept()
		if err != nil {
			local.Close()
			continue
		}
		crash.Go(func() { ssh.DiscardRequests(reqs) })
		crash.Go(func() { pipe(local, ch) })
	}
}
