// Package registry is gssh's list of its own live processes: one small
// JSON file per running gssh, which `gssh --sessions` prints like ps(1)
// and `gssh --end` acts on (docs/sessions.md).
//
// The package is in three parts:
//
//   - entry.go is pure: the Entry type, its JSON encoding, a decoder that
//     bounds and validates everything it reads (an entry is a file in a
//     directory another gssh wrote, and is treated as untrusted input),
//     and the state verdict (ok, waiting, hung) computed from an entry and
//     the time.
//   - dir_unix.go, proc_*.go and termios_*.go do the file and process
//     I/O: the directory ($XDG_RUNTIME_DIR/gssh, else ~/.ssh/gssh, mode
//     0700, refused when owned by someone else or writable by group or
//     others, as ssh checks a ControlPath's directory), atomic writes
//     (temporary file, then rename), liveness by pid and process start
//     time, and the saved terminal modes that --end puts back.
//   - publish_unix.go runs one process's entry: a ticker goroutine that
//     rewrites it at most once a second from a snapshot function reading
//     the connection's atomics (never the data path), removal on exit,
//     and the per-process end socket through which --end asks the owning
//     gssh to close its session the way ~. does.
//
// The registry imports nothing of gssh's but internal/crash.
package registry
