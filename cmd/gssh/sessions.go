package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/registry"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/termsafe"
	"github.com/gssh/gssh/internal/crash"
)

// endGrace is how long --end gives a gssh to end its session after
// asking, before SIGTERM; a gssh that was asked gives itself a little
// less before it exits regardless (selfEndGrace).
const (
	endGrace     = 2 * time.Second
	selfEndGrace = 1500 * time.Millisecond
)

// errEnded is the cause of a run context that gssh --end cancelled.
var errEnded = errors.New("ended by gssh --end")

// liveProcess is this gssh's entry in the registry of live processes
// (client/registry, docs/sessions.md) and what it needs to end its
// session when `gssh --end` asks. Its zero value registers nothing.
type liveProcess struct {
	pub   atomic.Pointer[registry.Publisher]
	conn  atomic.Pointer[client.Conn]
	role  atomic.Pointer[registry.Role]
	ended atomic.Bool

	// Set by register, before the publisher starts.
	endc   chan struct{} // closed by end: a passenger's session ends (controlmaster.Options.End)
	st     client.Streams
	out    io.Writer // logOut, not gated
	host   string
	quiet  bool
	cancel context.CancelCauseFunc
}

// gate returns w with every write dropped once --end has ended the run:
// after "Connection to H closed by gssh --end." nothing else of the
// session's end is printed (it would say the remote host closed it).
func (l *liveProcess) gate(w io.Writer) io.Writer { return gatedWriter{w: w, l: l} }

type gatedWriter struct {
	w io.Writer
	l *liveProcess
}

func (g gatedWriter) Write(p []byte) (int, error) {
	if g.l.ended.Load() {
		return len(p), nil
	}
	return g.w.Write(p)
}

// registryDir opens the registry directory; create makes it (mode 0700)
// when missing. Without XDG_RUNTIME_DIR it is ~/.ssh/gssh, and ~/.ssh is
// not created for it.
func registryDir(create bool) (*registry.Dir, error) {
	home, _ := os.UserHomeDir()
	return registry.OpenDir(registry.DirPath(os.Getenv, home), create)
}

// register publishes this process in the registry. A registry that
// cannot be used is reported at debug level and changes nothing else.
func (l *liveProcess) register(inv *invocation, command string, cfg *config.Config, st client.Streams, out io.Writer, log *sshlog.Logger,
	role registry.Role, cancel context.CancelCauseFunc) {
	if !registry.Supported {
		return
	}
	l.st, l.out, l.host, l.cancel = st, out, cfg.HostName, cancel
	l.endc = make(chan struct{})
	l.quiet = log.Level() == config.LogQuiet
	l.setRole(role)
	dir, err := registryDir(true)
	if err != nil {
		log.Logf(config.LogDebug1, "not in the session registry: %v", err)
		return
	}
	e := registry.Entry{
		Role:          role,
		Destination:   destination(inv, cfg),
		HostName:      cfg.HostName,
		Command:       command,
		ControlPath:   cfg.ControlPath,
		Forwardings:   forwardings(cfg),
		AliveInterval: cfg.ServerAliveInterval,
		AliveCountMax: cfg.ServerAliveCountMax,
	}
	if e.Command == "" {
		e.Command = cfg.RemoteCommand // wrapped when --remote-timeout
	}
	if inv.StdioForward != "" {
		e.Command = inv.StdioForward
	}
	if st.Terminal != nil {
		e.TTY = registry.SaveTTY(int(os.Stdin.Fd()))
	}
	pub, err := registry.Publish(dir, e, l.update, l.end)
	if err != nil {
		log.Logf(config.LogDebug1, "not in the session registry: %v", err)
		return
	}
	l.pub.Store(pub)
	log.Logf(config.LogDebug1, "session registry: %s in %s", pub.ID(), dir.Path)
}

func (l *liveProcess) setRole(r registry.Role) { l.role.Store(&r) }

// connected hands the registry the connection whose keepalive state it
// shows, and which --end closes.
func (l *liveProcess) connected(c *client.Conn) { l.conn.Store(c) }

// update fills the entry's live fields; it runs on the publisher's
// goroutine once a second and reads only the watchdog's snapshot.
func (l *liveProcess) update(e *registry.Entry) {
	if r := l.role.Load(); r != nil {
		e.Role = *r
	}
	c := l.conn.Load()
	if c == nil {
		return
	}
	if st, ok := c.KeepaliveState(); ok {
		e.LastReply, e.Probing, e.Missed = st.LastRead, st.Probing, st.Missed
	}
}

// end is what `gssh --end` makes this process do, as ~. would: the
// terminal restored, one line, the connection closed (or, before there is
// one and for a passenger, the run cancelled), exit 255. If the run does
// not unwind within selfEndGrace, the process exits anyway.
func (l *liveProcess) end() {
	if l.ended.Swap(true) {
		return
	}
	l.st.Terminal.Restore()
	if !l.quiet {
		fmt.Fprintf(l.out, "Connection to %s closed by gssh --end.\r\n", termsafe.LogLine(l.host))
	}
	close(l.endc)
	switch c := l.conn.Load(); {
	case c != nil:
		c.Close()
	case *l.role.Load() != registry.RolePassenger:
		l.cancel(errEnded) // still connecting
	}
	time.AfterFunc(selfEndGrace, func() {
		defer crash.Recover()
		l.st.Terminal.Restore()
		l.discard()
		os.Exit(exitFailure)
	})
}

// endRequests is closed once --end has asked this process to end; nil
// (never closed) when it is not registered.
func (l *liveProcess) endRequests() <-chan struct{} { return l.endc }

// finish removes the entry at the end of the run.
func (l *liveProcess) finish() { l.pub.Load().Close() }

// discard removes the entry without waiting: the crash path.
func (l *liveProcess) discard() { l.pub.Load().Discard() }

// destination is [user@]host[:port] as the session shows it.
func destination(inv *invocation, cfg *config.Config) string {
	d := inv.Request.Host
	if cfg.User != "" {
		d = cfg.User + "@" + d
	}
	if cfg.Port != 0 && cfg.Port != 22 {
		d += ":" + strconv.Itoa(cfg.Port)
	}
	return d
}

// forwardings are the -L, -R and -D of the configuration, as typed.
func forwardings(cfg *config.Config) []string {
	var out []string
	for _, f := range cfg.LocalForwards {
		out = append(out, "-L "+f.String())
	}
	for _, f := range cfg.RemoteForwards {
		out = append(out, "-R "+f.String())
	}
	for _, f := range cfg.DynamicForwards {
		out = append(out, "-D "+f.String())
	}
	return out
}

// directRole is the role of a gssh that connects on its own.
func directRole(inv *invocation, cfg *config.Config) registry.Role {
	switch {
	case inv.StdioForward != "":
		return registry.RoleStdio
	case cfg.SessionType == "none":
		return registry.RoleTunnel
	}
	return registry.RoleSession
}

// adminArgs checks the words after --sessions or --end.
func adminArgs(admin string, hasHost bool, inv *invocation) error {
	switch {
	case hasHost:
		return &usageError{msg: "--" + admin + " takes no destination"}
	case admin == "sessions" && len(inv.Command) > 0:
		return &usageError{msg: "--sessions takes no arguments"}
	case admin == "end" && len(inv.Command) == 0:
		return &usageError{msg: "--end needs session IDs or hung"}
	}
	for _, a := range inv.Command {
		if admin == "end" && a != "hung" && !registry.ValidID(a) {
			return fatalf("gssh: --end: %q is not a session ID (8 hex digits) or hung", a)
		}
	}
	inv.EndTargets, inv.Command = inv.Command, nil
	return nil
}

// sessionRow is one line of --sessions.
type sessionRow struct {
	ID          string    `json:"id"`
	PID         int       `json:"pid"`
	Role        string    `json:"role"`
	Destination string    `json:"destination"`
	HostName    string    `json:"hostname"`
	Command     string    `json:"command,omitempty"`
	Forwardings []string  `json:"forwardings,omitempty"`
	ControlPath string    `json:"control_path,omitempty"`
	Started     time.Time `json:"started"`
	AgeSeconds  float64   `json:"age_seconds"`
	LastReply   time.Time `json:"last_reply,omitzero"`
	// ReplyAgeSeconds is -1 when nothing is known.
	ReplyAgeSeconds float64 `json:"last_reply_age_seconds"`
	State           string  `json:"state"`
	Stopped         bool    `json:"stopped"`
	TTY             string  `json:"tty,omitempty"`
	// Via is, for a passenger, the ID of the gssh master whose
	// connection state it shows.
	Via string `json:"via,omitempty"`
}

// sessionRows turns the live entries into rows. A passenger has no
// connection of its own: it shows its gssh master's reply time and
// state, when that master is in the registry.
func sessionRows(live []registry.Live, now time.Time) []sessionRow {
	masters := map[string]*registry.Live{}
	for i := range live {
		if live[i].Role == registry.RoleMaster && live[i].ControlPath != "" {
			masters[live[i].ControlPath] = &live[i]
		}
	}
	rows := make([]sessionRow, 0, len(live))
	for i := range live {
		l := &live[i]
		src := l
		via := ""
		if m := masters[l.ControlPath]; l.Role == registry.RolePassenger && m != nil {
			src, via = m, m.ID
		}
		r := sessionRow{
			ID: l.ID, PID: l.PID, Role: string(l.Role), Destination: l.Destination, HostName: l.HostName,
			Command: l.Command, Forwardings: l.Forwardings, ControlPath: l.ControlPath,
			Started: l.Started, AgeSeconds: now.Sub(l.Started).Seconds(),
			LastReply: src.LastReply, ReplyAgeSeconds: -1,
			Stopped: l.Proc.Stopped, Via: via,
		}
		state := src.State(now, src.Proc.Stopped)
		if l.Proc.Stopped {
			state = registry.StateHung
		}
		r.State = string(state)
		if !src.LastReply.IsZero() {
			r.ReplyAgeSeconds = now.Sub(src.LastReply).Seconds()
		}
		if l.TTY != nil {
			r.TTY = l.TTY.Path
		}
		rows = append(rows, r)
	}
	return rows
}

// runSessions is --sessions: the live gssh processes of this user, as a
// table or (--json) a JSON array.
func runSessions(st client.Streams, prog string, asJSON bool) int {
	var live []registry.Live
	if !registry.Supported {
		fmt.Fprintf(st.Stderr, "%s: --sessions is not supported on this platform\n", prog)
		return exitFailure
	}
	dir, err := registryDir(false)
	switch {
	case errors.Is(err, os.ErrNotExist): // no gssh has run: nothing to list
	case err != nil:
		fmt.Fprintf(st.Stderr, "%s: %s\n", prog, termsafe.LogLine(err.Error()))
		return exitFailure
	default:
		var errs []error
		live, errs = dir.List()
		for _, err := range errs {
			fmt.Fprintf(st.Stderr, "%s: %s\n", prog, termsafe.LogLine(err.Error()))
		}
	}
	rows := sessionRows(live, time.Now())
	if asJSON {
		enc := json.NewEncoder(st.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			return exitFailure
		}
		return 0
	}
	writeSessionTable(st.Stdout, rows)
	return 0
}

// writeSessionTable prints rows like ps(1).
func writeSessionTable(w io.Writer, rows []sessionRow) {
	cs := termsafe.LocaleCharset(os.LookupEnv, termsafe.Installed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPID\tROLE\tDESTINATION\tAGE\tLAST-REPLY\tSTATE\tCOMMAND")
	for _, r := range rows {
		reply := "-"
		if r.ReplyAgeSeconds >= 0 {
			reply = registry.Age(time.Duration(r.ReplyAgeSeconds * float64(time.Second)))
		}
		state := r.State
		if r.Stopped {
			state += " (stopped)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.PID, r.Role, cell(r.Destination, cs),
			registry.Age(time.Duration(r.AgeSeconds*float64(time.Second))), reply, state, cell(r.Command, cs))
	}
	tw.Flush()
}

// cell renders an untrusted string for one table cell: on one line,
// without tabs, and as ssh renders untrusted text (termsafe).
func cell(s string, cs termsafe.Charset) string {
	s = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
	s = termsafe.Text(s, cs)
	if s == "" {
		return "-"
	}
	return s
}

// runEnd is --end: it ends each chosen session (an ID, or every hung
// one) as registry.Dir.End does, all at once, and prints one line for
// each. The status is 0 when every chosen session ended, 1 otherwise.
func runEnd(st client.Streams, prog string, targets []string) int {
	if !registry.Supported {
		fmt.Fprintf(st.Stderr, "%s: --end is not supported on this platform\n", prog)
		return exitFailure
	}
	dir, err := registryDir(false)
	var live []registry.Live
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		fmt.Fprintf(st.Stderr, "%s: %s\n", prog, termsafe.LogLine(err.Error()))
		return exitFailure
	default:
		live, _ = dir.List()
	}
	now := time.Now()
	rows := sessionRows(live, now)
	var chosen []*registry.Live
	seen := map[string]bool{}
	status := 0
	for _, t := range targets {
		found := false
		for i := range live {
			if (t == "hung" && rows[i].State == string(registry.StateHung)) || live[i].ID == t {
				found = true
				if !seen[live[i].ID] {
					seen[live[i].ID] = true
					chosen = append(chosen, &live[i])
				}
			}
		}
		switch {
		case !found && t == "hung":
			fmt.Fprintf(st.Stdout, "No hung sessions.\n")
		case !found:
			fmt.Fprintf(st.Stderr, "%s: --end: no session %s\n", prog, t)
			status = 1
		}
	}
	results := make([]registry.EndResult, len(chosen))
	var wg sync.WaitGroup
	for i, l := range chosen {
		wg.Add(1)
		crash.Go(func() {
			defer wg.Done()
			results[i] = dir.End(context.Background(), l, endGrace)
		})
	}
	wg.Wait()
	cs := termsafe.LocaleCharset(os.LookupEnv, termsafe.Installed)
	for i, l := range chosen {
		res := results[i]
		line := fmt.Sprintf("%s %s (pid %d, %s %s)", l.ID, res.How, l.PID, l.Role, cell(l.Destination, cs))
		switch {
		case res.How == registry.NotEnded:
			status = 1
		case res.TTYRestored:
			line += "; terminal " + filepath.Clean(l.TTY.Path) + " restored"
		case res.TTYErr != nil:
			line += "; terminal not restored: " + termsafe.LogLine(res.TTYErr.Error())
		}
		fmt.Fprintln(st.Stdout, line)
	}
	return status
}
