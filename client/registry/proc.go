package registry

// Proc is what the process table says about one pid.
type Proc struct {
	// Start is the OS's start stamp of the process, comparable with
	// Entry.ProcStart; 0 where the OS gives none (then only the pid and
	// the uid are checked).
	Start uint64
	// BootID names the running kernel's boot (Linux); empty elsewhere.
	BootID string
	UID    int
	// Stopped: the process is stopped by a signal or a debugger.
	Stopped bool
}

// Matches reports whether p is the process e was written by: same start
// stamp, same boot and same owner.
func (p Proc) Matches(e *Entry) bool {
	return p.Start == e.ProcStart && p.BootID == e.BootID && p.UID == e.UID
}
