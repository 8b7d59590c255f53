//go:build unix

package reexec

import (
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// take is Take on Unix.
func take() Inherited {
	var inh Inherited
	if files := takeDescriptors(string(Fork)); len(files) > 0 {
		inh.Fork = &Report{pipe: files[0]}
		if len(files) > 1 {
			inh.Fork.tty = files[1]
		}
	}
	if files := takeDescriptors(string(Master)); len(files) == 1 {
		inh.Master = &Report{pipe: files[0]}
	}
	closeInherited()
	return inh
}

// takeDescriptors removes name from the environment and returns the
// descriptors its value lists ("3" or "3,4"), close-on-exec; none when
// the value is not such a list.
func takeDescriptors(name string) []*os.File {
	v, ok := os.LookupEnv(name)
	if !ok {
		return nil
	}
	os.Unsetenv(name)
	var fds []int
	for _, s := range strings.Split(v, ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 3 {
			return nil
		}
		fds = append(fds, n)
	}
	files := make([]*os.File, 0, len(fds))
	for _, n := range fds {
		unix.CloseOnExec(n)
		files = append(files, os.NewFile(uintptr(n), name+" descriptor "+strconv.Itoa(n)))
	}
	return files
}

// closeInherited closes the inherited descriptors above stderr. Go opens
// every descriptor of its own close-on-exec, and exec closed the caller's
// close-on-exec ones, so those without the flag are exactly what the
// caller left open for us, and the ones takeDescriptors kept now have it.
func closeInherited() {
	for _, fd := range openDescriptors() {
		if fd <= 2 {
			continue
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err == nil && flags&unix.FD_CLOEXEC == 0 {
			unix.Close(fd)
		}
	}
}

// openDescriptors lists the process's descriptors from /proc/self/fd
// (Linux) or /dev/fd, or, where neither lists them all, every number
// below the descriptor limit (capped: ssh's closefrom fallback loops the
// same way).
func openDescriptors() []int {
	dir := "/dev/fd"
	if runtime.GOOS == "linux" {
		dir = "/proc/self/fd"
	}
	if entries, err := os.ReadDir(dir); err == nil && runtime.GOOS != "freebsd" {
		fds := make([]int, 0, len(entries))
		for _, e := range entries {
			if n, err := strconv.Atoi(e.Name()); err == nil {
				fds = append(fds, n)
			}
		}
		return fds
	}
	limit := 1024
	var rl unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &rl) == nil && uint64(rl.Cur) < uint64(limit) {
		limit = int(rl.Cur)
	}
	fds := make([]int, limit)
	for i := range fds {
		fds[i] = i
	}
	return fds
}
