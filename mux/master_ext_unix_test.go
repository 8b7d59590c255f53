//go:build unix

package mux

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// deadBackend is an echoBackend whose SSH connection never answers.
type deadBackend struct{ echoBackend }

func (deadBackend) CheckUpstream(ctx context.Context) error {
	<-ctx.Done()
	return fmt.Errorf("upstream connection not responding: %w", ctx.Err())
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
// FAILURE within the requested time when it does not.
func TestMasterUpstreamCheck(t *testing.T) {
	live := startMaster(t)
	c, err := Dial(live.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.CheckUpstream(time.Second); err != nil {
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
	err = d.CheckUpstream(200 * time.Millisecond)
	took := time.Since(start)
	var re *ReplyError
	if !errors.As(err, &re) || re.Type != MsgFailure {
		t.Fatalf("dead upstream: %v, want FAILURE", err)
	}
	if took < 150*time.Millisecond || took > 2*time.Second {
		t.Errorf("answer after %v, want about 200ms", took)
	}
	// The connection still serves requests afterwards.
	if _, err := d.AliveCheck(); err != nil {
		t.Errorf("ALIVE_CHECK after the failed check: %v", err)
	}
}
