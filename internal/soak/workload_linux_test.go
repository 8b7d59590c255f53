package soak

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Time limits for one unit of work. They only turn a hang into a
// failure; the run is much faster.
const (
	sessionLimit = 2 * time.Minute
	bulkLimit    = 10 * time.Minute
)

// outcome is how one phase went on one master.
type outcome struct {
	total, ok int
	errs      []string // the first few failures
	// maxOpen is the most units of work in flight at once, counted on
	// the test's side.
	maxOpen int
}

func (o *outcome) String() string { return fmt.Sprintf("%d/%d", o.ok, o.total) }

// keepErrs is how many failures an outcome quotes.
const keepErrs = 5

// each runs f for 0..n-1 with par of them at a time and counts the
// results: every index reports, so none can be lost unseen.
func each(n, par int, f func(i int) error) *outcome {
	o := &outcome{total: n}
	var mu sync.Mutex
	var open atomic.Int64
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(par, n) {
		wg.Go(func() {
			for i := range next {
				now := int(open.Add(1))
				err := f(i)
				open.Add(-1)
				mu.Lock()
				o.maxOpen = max(o.maxOpen, now)
				if err == nil {
					o.ok++
				} else if len(o.errs) < keepErrs {
					o.errs = append(o.errs, fmt.Sprintf("#%d: %v", i, err))
				}
				mu.Unlock()
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return o
}

// stream is n deterministic pseudo-random bytes, different for every
// seed, hashed as they are read.
type stream struct {
	rng  *rand.ChaCha8
	left int64
	sum  hash.Hash
}

func newStream(seed uint64, n int64) *stream {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	return &stream{rng: rand.NewChaCha8(key), left: n, sum: sha256.New()}
}

func (s *stream) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.left)]
	s.rng.Read(p)
	s.sum.Write(p)
	s.left -= int64(len(p))
	return len(p), nil
}

// digest counts and hashes what is written to it.
type digest struct {
	n   int64
	sum hash.Hash
}

func newDigest() *digest { return &digest{sum: sha256.New()} }

func (d *digest) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return d.sum.Write(p)
}

// exitStatus is the command's exit status, or an error when it did not
// exit by itself.
func exitStatus(err error) (int, error) {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit) && exit.Exited():
		return exit.ExitCode(), nil
	}
	return -1, err
}

// sequential runs n sessions one after another, each printing its own
// number and exiting with its own status; it also returns the master's
// resident set after half of them and after all, so that growth
// proportional to the sessions served shows.
func sequential(m *master, n int) (o *outcome, rssHalf, rssEnd int64) {
	var probeErr error
	o = each(n, 1, func(i int) error {
		want := i % 4
		ctx, cancel := context.WithTimeout(context.Background(), sessionLimit)
		defer cancel()
		var stdout, stderr bytes.Buffer
		cmd := m.command(ctx, "sshd", fmt.Sprintf("echo soak-%d; exit %d", i, want))
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		code, err := exitStatus(cmd.Run())
		if i == n/2 || i == n-1 {
			s, perr := Probe(m.pid)
			probeErr = errors.Join(probeErr, perr)
			if i == n-1 {
				rssEnd = s.RSS
			} else {
				rssHalf = s.RSS
			}
		}
		switch {
		case err != nil:
			return err
		case code != want || stdout.String() != fmt.Sprintf("soak-%d\n", i) || stderr.Len() > 0:
			return fmt.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout soak-%d", code, stdout.String(), stderr.String(), want, i)
		}
		return nil
	})
	if probeErr != nil {
		o.errs = append(o.errs, probeErr.Error())
	}
	return o, rssHalf, rssEnd
}

// bulkCommand echoes its input on stderr and prints the input's SHA-256
// on stdout: each direction is checked on its own, and stdout and stderr
// must stay apart.
const bulkCommand = "tee /dev/stderr | sha256sum; exit 5"

// concurrent runs n sessions at once, each moving size bytes each way.
func concurrent(m *master, n int, size int64) *outcome {
	return each(n, n, func(i int) error {
		ctx, cancel := context.WithTimeout(context.Background(), bulkLimit)
		defer cancel()
		in := newStream(uint64(i), size)
		back := newDigest()
		var stdout bytes.Buffer
		cmd := m.command(ctx, "sshd", bulkCommand)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = in, &stdout, back
		code, err := exitStatus(cmd.Run())
		sent := hex.EncodeToString(in.sum.Sum(nil))
		switch {
		case err != nil:
			return err
		case code != 5:
			return fmt.Errorf("exit %d, want 5; stdout %q", code, stdout.String())
		case in.left != 0:
			return fmt.Errorf("%d of %d bytes not sent", in.left, size)
		case stdout.String() != sent+"  -\n":
			return fmt.Errorf("server's sha256 %q, sent %s", stdout.String(), sent)
		case back.n != size || hex.EncodeToString(back.sum.Sum(nil)) != sent:
			return fmt.Errorf("%d bytes back with sha256 %x; sent %d with %s", back.n, back.sum.Sum(nil), size, sent)
		}
		return nil
	})
}

// checks runs -O check n times; each must name the master's pid.
func checks(m *master, n int) *outcome {
	want := fmt.Sprintf("Master running (pid=%d)", m.pid)
	return each(n, 1, func(int) error {
		ctx, cancel := context.WithTimeout(context.Background(), sessionLimit)
		defer cancel()
		var stdout, stderr bytes.Buffer
		cmd := m.command(ctx, "-O", "check", "sshd")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		code, err := exitStatus(cmd.Run())
		switch {
		case err != nil:
			return err
		case code != 0 || stdout.Len() > 0 || string(bytes.TrimRight(stderr.Bytes(), "\r\n")) != want:
			return fmt.Errorf("exit %d, stdout %q, stderr %q; want exit 0 and %q", code, stdout.String(), stderr.String(), want)
		}
		return nil
	})
}

// streams runs n -W stdio forwards to the echo server, par at a time,
// each echoing size bytes.
func streams(m *master, echo string, n, par int, size int64) *outcome {
	return each(n, par, func(i int) error {
		ctx, cancel := context.WithTimeout(context.Background(), sessionLimit)
		defer cancel()
		in := newStream(uint64(i), size)
		back := newDigest()
		var stderr bytes.Buffer
		cmd := m.command(ctx, "-W", echo, "sshd")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = in, back, &stderr
		code, err := exitStatus(cmd.Run())
		switch {
		case err != nil:
			return err
		case code != 0 || stderr.Len() > 0:
			return fmt.Errorf("exit %d, stderr %q", code, stderr.String())
		}
		return sameBytes(in, back, size)
	})
}

// forwards makes n connections through the master's -L, par at a time,
// each echoing size bytes.
func forwards(m *master, n, par int, size int64) *outcome {
	return each(n, par, func(i int) error {
		conn, err := net.DialTimeout("tcp", m.fwd, sessionLimit)
		if err != nil {
			return err
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(sessionLimit))
		in := newStream(uint64(i), size)
		sent := make(chan error, 1)
		go func() {
			_, err := io.Copy(conn, in)
			if err == nil {
				err = conn.(*net.TCPConn).CloseWrite()
			}
			sent <- err
		}()
		back := newDigest()
		_, err = io.Copy(back, conn)
		if err := errors.Join(err, <-sent); err != nil {
			return err
		}
		return sameBytes(in, back, size)
	})
}

func sameBytes(in *stream, back *digest, size int64) error {
	if in.left != 0 || back.n != size || !bytes.Equal(in.sum.Sum(nil), back.sum.Sum(nil)) {
		return fmt.Errorf("%d bytes back with sha256 %x; sent %d with %x", back.n, back.sum.Sum(nil), size-in.left, in.sum.Sum(nil))
	}
	return nil
}

// echoServer answers every connection with what it reads, and closes its
// side once the peer has closed its own.
func echoServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(bulkLimit))
				io.Copy(c, c)
				c.(*net.TCPConn).CloseWrite()
			})
		}
	})
	return l.Addr().String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
