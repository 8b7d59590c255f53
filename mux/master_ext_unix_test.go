//go:build unix

package mux

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// deadBackend is an echoBackend whose SSH connection never answers: its
// CheckUpstream gives its verdict after its budget, deadBudget.
type deadBackend struct{ echoBackend }

const deadBudget = 200 * time.Millisecond

func (deadBackend) CheckUpstream(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(deadBudget):
		return errors.New("upstream connection not responding")
	}
}

// serveBackend is startMaster with a backend of the test's choice.
func serveBackend(t *testing.T, b Backend) *Master {
	t.Helper()
	m, err := Listen(filepath.Join(shortTempDir(t), "ctl"), MasterOptions{Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- m.Serve(b) }()
	t.Cleanup(func() {
		m.Close()
		<-served
	})
	return m
}

// TestMasterAdvertisesExtensions: a gssh master names its extensions in
// HELLO, so clients know they may use them.
func TestMasterAdvertisesExtensions(t *testing.T) {
	m := startMaster(t)
	c, err := Dial(m.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.Has(ExtSignal) || !c.Has(ExtUpstreamCheck) {
		t.Fatalf("HELLO extensions %+v lack %s or %s", c.Extensions, ExtSignal, ExtUpstreamCheck)
	}
}

// TestMasterSignalSession: a second control connection signals the first
// one's session; the signal reaches the backend's session, which ends
// without an exit status as a signalled command does. Unknown sessions
// get FAILURE.
func TestMasterSignalSession(t *testing.T) {
	m := startMaster(t)
	c, err := Dial(m.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	inR, inW := pipe(t)
	outR, outW := pipe(t)
	errR, errW := pipe(t)
	defer inW.Close()
	sess, err := c.NewSession(&NewSession{Command: "signal"}, int(inR.Fd()), int(outW.Fd()), int(errW.Fd()))
	inR.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		t.Fatal(err)
	}
	o, e := readAllAsync(outR), readAllAsync(errR)

	s, err := Dial(m.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SignalSession(sess.ID+100, "TERM"); err == nil || err.Error() != "no such session" {
		t.Errorf("signal to an unknown session: %v", err)
	}
	if err := s.SignalSession(sess.ID, "TERM"); err != nil {
		t.Fatalf("SignalSession: %v", err)
	}
	if _, err := sess.Wait(nil); !errors.Is(err, ErrNoExitMessage) {
		t.Errorf("Wait after the signal: %v, want ErrNoExitMessage", err)
	}
	<-o
	if got := <-e; got != "signal TERM" {
		t.Errorf("session stderr %q", got)
	}
	// The session is over: a late signal counts as delivered (the
	// command is gone) or finds no such session, never hangs.
	if err := s.SignalSession(sess.ID, "KILL"); err != nil && err.Error() != "no such session" {
		t.Errorf("signal to an ended session: %v", err)
	}
}

// TestMasterUpstreamCheck: OK while the backend's connection answers;
// FAILURE after the backend's own budget when it does not, whatever
// bound the client sends: the verdict is the master's.
func TestMasterUpstreamCheck(t *testing.T) {
	live := startMaster(t)
	c, err := Dial(live.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.CheckUpstream(); err != nil {
		t.Fatalf("live upstream: %v", err)
	}

	dead := serveBackend(t, deadBackend{})
	d, err := Dial(dead.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.SetDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	// An earlier client's bound of 1 ms: ignored, the backend decides.
	_, err = d.request(&UpstreamCheck{RequestID: d.next, TimeoutMS: 1})
	took := time.Since(start)
	var re *ReplyError
	if !errors.As(err, &re) || re.Type != MsgFailure {
		t.Fatalf("dead upstream: %v, want FAILURE", err)
	}
	if took < deadBudget || took > deadBudget+2*time.Second {
		t.Errorf("answer after %v, want the backend's budget %v (tolerance 2s)", took, deadBudget)
	}
	// The connection still serves requests afterwards.
	if _, err := d.AliveCheck(); err != nil {
		t.Errorf("ALIVE_CHECK after the failed check: %v", err)
	}
}

// checkedBackend is an echoBackend that records whether each session
// was checked and, when dead, fails every checked session as the real
// backend does when the server does not confirm the channel in time.
type checkedBackend struct {
	echoBackend
	dead    bool
	checked chan bool
}

func (b checkedBackend) Session(ctx context.Context, r *SessionRequest) (int, error) {
	b.checked <- r.CheckUpstream
	if b.dead && r.CheckUpstream {
		return 255, ErrUpstreamNotResponding
	}
	return b.echoBackend.Session(ctx, r)
}

// checkedSession arms a SessionCheck (when check is set) and asks for a
// session on one control connection; it returns NewSession's error.
func checkedSession(t *testing.T, path string, check bool) error {
	t.Helper()
	c, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if !c.Has(ExtSessionCheck) {
		t.Fatalf("HELLO extensions %+v lack %s", c.Extensions, ExtSessionCheck)
	}
	if check {
		if err := c.ArmSessionCheck(); err != nil {
			t.Fatalf("SESSION_CHECK: %v", err)
		}
	}
	inR, inW := pipe(t)
	outR, outW := pipe(t)
	defer inW.Close()
	defer outR.Close()
	sess, err := c.NewSession(&NewSession{Command: "cmd", EscapeChar: NoEscapeChar}, int(inR.Fd()), int(outW.Fd()), int(outW.Fd()))
	inR.Close()
	outW.Close()
	if err != nil {
		return err
	}
	inW.Close()
	go io.Copy(io.Discard, outR)
	_, err = sess.Wait(func() {})
	return err
}

// TestMasterSessionCheck: SESSION_CHECK arms the check for the next
// session on that control connection only; when the backend reports the
// upstream dead, the client gets FAILURE with ErrUpstreamNotResponding's
// text, and the master removes its socket and terminates.
func TestMasterSessionCheck(t *testing.T) {
	live := checkedBackend{checked: make(chan bool, 4)}
	m := serveBackend(t, live)
	if err := checkedSession(t, m.Path(), true); err != nil {
		t.Fatalf("checked session on a live upstream: %v", err)
	}
	if !<-live.checked {
		t.Errorf("backend saw an unchecked session, want a checked one")
	}
	if err := checkedSession(t, m.Path(), false); err != nil {
		t.Fatalf("unchecked session: %v", err)
	}
	if <-live.checked {
		t.Errorf("unchecked session: backend saw CheckUpstream set")
	}

	dead := checkedBackend{dead: true, checked: make(chan bool, 4)}
	d := serveBackend(t, dead)
	err := checkedSession(t, d.Path(), true)
	var re *ReplyError
	if !errors.As(err, &re) || re.Type != MsgFailure || re.Reason != ErrUpstreamNotResponding.Error() {
		t.Fatalf("checked session on a dead upstream: %v, want FAILURE %q", err, ErrUpstreamNotResponding)
	}
	if _, err := os.Lstat(d.Path()); !os.IsNotExist(err) {
		t.Errorf("socket still there after the failed check: %v", err)
	}
	select {
	case <-d.Terminated():
	case <-time.After(5 * time.Second):
		t.Error("master did not terminate after the failed check")
	}
}
