package client

import (
	"context"
	"io"
	"time"

	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/keepalive"
)

// idleWatch is --idle-timeout for one session: a keepalive.IdleTimer
// touched by the session's own data paths (the stdin pump and the two
// output copies), never by the raw connection, so keepalive probes and
// their replies do not count as activity. A nil *idleWatch never fires.
type idleWatch struct {
	timer *keepalive.IdleTimer
	done  chan struct{}
	res   error
}

// startIdleWatch runs an idle timer of limit until ctx ends or ended is
// closed (the session is over); it returns nil when limit is 0 (no
// --idle-timeout).
func startIdleWatch(ctx context.Context, limit time.Duration, ended <-chan struct{}) (*idleWatch, error) {
	if limit <= 0 {
		return nil, nil
	}
	t, err := keepalive.NewIdleTimer(limit, nil)
	if err != nil {
		return nil, err
	}
	w := &idleWatch{timer: t, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(ctx)
	crash.Go(func() {
		defer cancel()
		select {
		case <-ended:
		case <-w.done:
		}
	})
	crash.Go(func() {
		w.res = t.Run(ctx)
		close(w.done)
	})
	return w, nil
}

// fired is closed when the limit passed with no data moving.
func (w *idleWatch) fired() <-chan struct{} {
	if w == nil {
		return nil
	}
	return w.timer.Fired()
}

// err is the timer's *keepalive.IdleError once it fired.
func (w *idleWatch) err() *keepalive.IdleError {
	if w == nil {
		return nil
	}
	<-w.done
	ie, _ := w.res.(*keepalive.IdleError)
	return ie
}

// reader counts what r delivers as activity.
func (w *idleWatch) reader(r io.Reader) io.Reader {
	if w == nil {
		return r
	}
	return idleReader{r: r, touch: w.timer.Touch}
}

// writer counts what is written to ch as activity.
func (w *idleWatch) writer(ch channelWriter) channelWriter {
	if w == nil {
		return ch
	}
	return idleWriter{channelWriter: ch, touch: w.timer.Touch}
}

type idleReader struct {
	r     io.Reader
	touch func()
}

func (r idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.touch()
	}
	return n, err
}

type idleWriter struct {
	channelWriter
	touch func()
}

func (w idleWriter) Write(p []byte) (int, error) {
	n, err := w.channelWriter.Write(p)
	if n > 0 {
		w.touch()
	}
	return n, err
}
