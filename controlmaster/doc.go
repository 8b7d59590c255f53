// Package controlmaster is gssh's ControlMaster runtime: connection
// sharing as ssh(1) does it with ControlMaster, ControlPath,
// ControlPersist and -O, on top of package mux's PROTOCOL.mux wire
// format. That is its one concern; it never prints a final message or
// picks an exit status: it returns typed errors, whose text is ssh's, and
// cmd/gssh reports them.
//
// The entry points each take an [Options]:
//
//   - [Run] is what ssh.c and mux.c's muxclient do before connecting:
//     use an existing master for this session (the passenger,
//     passenger_unix.go), or start a background master (ControlPersist,
//     -f -N -M) and become its passenger. [ErrConnectDirectly] sends the
//     caller to connect on its own.
//   - [Command] is -O: check, exit, stop, forward, cancel, conninfo and
//     channels (command_unix.go). [DialProxy] is -O proxy: a connection
//     whose SSH connection protocol runs through the master, joined
//     channel by channel (proxy_unix.go), on which cmd/gssh runs the
//     session as on a direct one.
//   - [Serve] is the background master that [Run] re-executes gssh as
//     (package internal/reexec); [Start] makes a connected gssh a
//     foreground master (master_unix.go). Both serve passengers with a
//     [mux.Backend] on the SSH connection (backend_unix.go; proxy
//     clients in proxy_unix.go) and ask before sharing under
//     ControlMaster ask and autoask (ask_unix.go). A -N master stopped
//     with -O stop ends once its last session has (Master.Bind).
//
// Beyond OpenSSH, a gssh master judges its own connection, and a
// passenger retires a master whose connection is dead and connects
// directly (self-healing, heal_unix.go), by a latency budget the master
// keeps from its measured round trips (budget_unix.go); a passenger
// ended early by --timeout or a signal has a gssh master signal the
// remote command (stop_unix.go).
//
// Where there are no Unix-domain sockets with descriptor passing
// (other.go), [Run] and [Command] refuse multiplexing with an
// [client.UnsupportedError].
package controlmaster
