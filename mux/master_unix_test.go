//go:build unix

package mux

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/testenv"
)

// echoBackend is a Backend without SSH: a session copies stdin to
// stdout, writes the command to stderr and exits with len(command); a
// command "refuse" fails before opening, "nostatus" ends without status.
type echoBackend struct{}

func (echoBackend) Session(ctx context.Context, r *SessionRequest) (int, error) {
	if r.Command == "refuse" {
		return 255, errors.New("Session open refused by peer")
	}
	r.Opened()
	if r.WantTTY {
		r.TTYFailed()
	}
	if r.Command == "signal" {
		// Stands for a remote command that dies of the first signal.
		var sig Signal
		select {
		case sig = <-r.Signals:
		case <-ctx.Done():
			return 255, ctx.Err()
		}
		sig.Result <- nil
		io.WriteString(r.Stderr, r.Command+" "+sig.Name)
		return 255, errors.New("killed by signal " + sig.Name)
	}
	io.Copy(r.Stdout, r.Stdin)
	io.WriteString(r.Stderr, r.Command)
	if r.Command == "nostatus" {
		return 255, errors.New("no exit status")
	}
	return len(r.Command), nil
}

func (echoBackend) StdioForward(ctx context.Context, r *StdioRequest) error {
	r.Opened()
	io.Copy(r.Stdout, r.Stdin)
	return nil
}

func (echoBackend) Forward(f Forward, cancel bool) (uint32, error) {
	if f.Kind == ForwardRemote && f.ListenPort == 0 {
		return 4242, nil
	}
	return 0, errors.New("not supported yet")
}

func (echoBackend) Info(what string) (string, error) { return "info " + what + "\n", nil }

func (echoBackend) CheckUpstream(ctx context.Context) error { return nil }

// startMaster listens in a short temp dir and serves echoBackend until the
// test ends.
func startMaster(t *testing.T) *Master {
	t.Helper()
	m, err := Listen(filepath.Join(shortTempDir(t), "ctl"), MasterOptions{Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- m.Serve(echoBackend{}) }()
	t.Cleanup(func() {
		m.Close()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return m
}

// runSession runs one session through the master with pipes for stdio.
func runSession(t *testing.T, path string, req *NewSession, input string) (stdout, stderr string, status int, ttyFailed bool, err error) {
	t.Helper()
	c, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	inR, inW := pipe(t)
	outR, outW := pipe(t)
	errR, errW := pipe(t)
	sess, err := c.NewSession(req, int(inR.Fd()), int(outW.Fd()), int(errW.Fd()))
	inR.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		errR.Close()
		return "", "", 0, false, err
	}
	io.WriteString(inW, input)
	inW.Close()
	o, e := readAllAsync(outR), readAllAsync(errR)
	status, err = sess.Wait(func() { ttyFailed = true })
	stdout, stderr = <-o, <-e
	outR.Close()
	errR.Close()
	return stdout, stderr, status, ttyFailed, err
}

// TestMasterSession follows PROTOCOL.mux §2: NEW_SESSION with three
// passed descriptors, SESSION_OPENED, TTY_ALLOC_FAIL, EXIT_MESSAGE, close.
func TestMasterSession(t *testing.T) {
	m := startMaster(t)
	stdout, stderr, status, ttyFailed, err := runSession(t, m.Path(), &NewSession{Command: "cmd", WantTTY: true, EscapeChar: NoEscapeChar}, "hello")
	if err != nil || stdout != "hello" || stderr != "cmd" || status != 3 || !ttyFailed {
		t.Fatalf("got %q %q status %d ttyFailed %v err %v", stdout, stderr, status, ttyFailed, err)
	}
	_, _, _, _, err = runSession(t, m.Path(), &NewSession{Command: "nostatus"}, "")
	if !errors.Is(err, ErrNoExitMessage) {
		t.Errorf("session without status: %v, want ErrNoExitMessage", err)
	}
	_, _, _, _, err = runSession(t, m.Path(), &NewSession{Command: "refuse"}, "")
	var re *ReplyError
	if !errors.As(err, &re) || re.Type != MsgFailure || re.Reason != "Session open refused by peer" {
		t.Errorf("refused session: %v", err)
	}
}

// TestMasterRequests covers ALIVE_CHECK, forwards, info, an unknown
// request and STOP_LISTENING.
func TestMasterRequests(t *testing.T) {
	m := startMaster(t)
	c, err := Dial(m.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if pid, err := c.AliveCheck(); err != nil || pid != os.Getpid() {
		t.Errorf("AliveCheck = %d, %v", pid, err)
	}
	if port, err := c.Forward(Forward{Kind: ForwardRemote, ConnectHost: "h", ConnectPort: 1}, false); err != nil || port != 4242 {
		t.Errorf("remote forward = %d, %v", port, err)
	}
	var re *ReplyError
	if _, err := c.Forward(Forward{Kind: ForwardLocal, ListenPort: 1, ConnectHost: "h", ConnectPort: 1}, false); !errors.As(err, &re) || re.Reason != "not supported yet" {
		t.Errorf("local forward: %v", err)
	}
	if text, err := c.Info("channels"); err != nil || text != "info channels\n" {
		t.Errorf("Info = %q, %v", text, err)
	}
	// An unknown type gets FAILURE with its request id, and the
	// connection stays usable.
	WriteFrame(c.conn, []byte{0x10, 0, 0, 0x77, 0, 0, 0, byte(c.next)})
	if _, err := c.reply(); !errors.As(err, &re) || re.Reason != "unsupported request" {
		t.Errorf("unknown request: %v", err)
	}
	if _, err := c.AliveCheck(); err != nil {
		t.Errorf("after an unknown request: %v", err)
	}
	if err := c.StopListening(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m.Path()); !os.IsNotExist(err) {
		t.Errorf("socket still there after STOP_LISTENING: %v", err)
	}
	if _, err := c.AliveCheck(); err != nil {
		t.Errorf("existing connection after STOP_LISTENING: %v", err)
	}
}

// TestMasterTerminate: TERMINATE is answered OK and closes Terminated.
func TestMasterTerminate(t *testing.T) {
	m := startMaster(t)
	c, err := Dial(m.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Terminate(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-m.Terminated():
	case <-time.After(5 * time.Second):
		t.Fatal("Terminated not closed")
	}
}

// TestMasterSocketModeAndRace: the socket is 0600, and of many masters
// racing for one path exactly one wins; the others get ExistsError and
// leave no temporary sockets behind.
func TestMasterSocketModeAndRace(t *testing.T) {
	dir := shortTempDir(t)
	path := filepath.Join(dir, "ctl")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var won []*Master
	lost := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := Listen(path, MasterOptions{})
			mu.Lock()
			defer mu.Unlock()
			var exists *ExistsError
			switch {
			case err == nil:
				won = append(won, m)
			case errors.As(err, &exists):
				lost++
			default:
				t.Errorf("Listen: %v", err)
			}
		}()
	}
	wg.Wait()
	if len(won) != 1 || lost != 19 {
		t.Fatalf("%d masters won, %d lost; want 1 and 19", len(won), lost)
	}
	defer won[0].Close()
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, %v; want 0600", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the socket", len(entries))
	}
	won[0].Close()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("Close left the socket: %v", err)
	}
}

// TestMasterListenPathTooLong: the temporary name must fit too.
func TestMasterListenPathTooLong(t *testing.T) {
	_, err := Listen("/tmp/"+strings.Repeat("x", 95), MasterOptions{})
	var lp *ListenPathError
	if !errors.As(err, &lp) {
		t.Fatalf("got %v, want ListenPathError", err)
	}
}

// TestMasterNoLeaks runs 1000 sequential sessions; afterwards the
// process's descriptors and goroutines are back at their starting count.
func TestMasterNoLeaks(t *testing.T) {
	m := startMaster(t)
	// Warm up the poller and the runtime's own descriptors first.
	runSession(t, m.Path(), &NewSession{Command: "x"}, "")
	fds, goroutines := openFDs(t), runtime.NumGoroutine()
	for i := range 1000 {
		out, _, status, _, err := runSession(t, m.Path(), &NewSession{Command: "abc"}, fmt.Sprint(i))
		if err != nil || status != 3 || out != fmt.Sprint(i) {
			t.Fatalf("session %d: %q status %d %v", i, out, status, err)
		}
	}
	ok := waitFor(5*time.Second, func() bool {
		return openFDs(t) <= fds && runtime.NumGoroutine() <= goroutines
	})
	if !ok {
		t.Errorf("after 1000 sessions: %d fds (was %d), %d goroutines (was %d)", openFDs(t), fds, runtime.NumGoroutine(), goroutines)
	}
}

func openFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		testenv.SkipOrFail(t, "no /proc/self/fd to count descriptors: %v", err)
	}
	return len(entries)
}
