#!/usr/bin/env bash
# Starts a throwaway sshd on 127.0.0.1 with fresh keys and shows what
# gssh is for: a command, --timeout ending a long one with 124, keepalive
# ending a session whose server froze, a --reconnect tunnel coming back
# after its server session is killed, --sessions showing a frozen session
# as hung before --end ends it, --remote-timeout, sessions through a
# ControlMaster beside direct ones, and a shell (with ~. when a terminal
# is present).
# Used by `make demo`.
set -euo pipefail
gssh=$(realpath "$1")
sshd=/usr/sbin/sshd
[ -x "$sshd" ] || { echo "demo: $sshd is missing; run as root: bash .ci/setup" >&2; exit 1; }
[ "$(id -u)" = 0 ] && mkdir -p /run/sshd

dir=$(mktemp -d /tmp/gssh-demo.XXXXXX)
# As root, log in as the test user (.ci/setup makes it): sshd 9.2 refuses
# to signal a root session's command, which --timeout relies on.
login=$(id -un)
if [ "$(id -u)" = 0 ] && id gsshtest >/dev/null 2>&1; then
  login=gsshtest
  chmod 755 "$dir"
fi
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$dir/id_ed25519"
cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
chmod 644 "$dir/authorized_keys"

for attempt in 1 2 3 4 5; do
  port=$(( 20000 + RANDOM % 40000 ))
  cat > "$dir/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PidFile $dir/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
CFG
  "$sshd" -D -f "$dir/sshd_config" -E "$dir/sshd.log" &
  pid=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break 2
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true; pid=
done
[ -n "$pid" ] || { echo "demo: sshd did not start" >&2; cat "$dir/sshd.log" >&2; exit 1; }

echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/host_key.pub")" > "$dir/known_hosts"
cat > "$dir/ssh_config" <<CFG
Host demo
  HostName 127.0.0.1
  Port $port
  User $login
  IdentityFile $dir/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $dir/known_hosts
  StrictHostKeyChecking yes
CFG

run() { echo "\$ $*"; "$@" || echo "(exit status $?)"; echo; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# timed CMD...: runs it, then prints its exit status and how long it took.
timed() {
  echo "\$ $*"
  local start status=0
  start=$(now_ms)
  "$@" || status=$?
  echo "(exit status $status after $(( $(now_ms) - start )) ms)"
  echo
}
cfg=(-F "$dir/ssh_config")
echo "== sshd on 127.0.0.1:$port (pid $pid), config in $dir/ssh_config"
echo
run "$gssh" -V

echo "== a command, and stdin/stdout as a clean pipe (the remote exit status is gssh's)"
run "$gssh" "${cfg[@]}" demo 'echo "hello from $(hostname) as $(id -un)"; uname -sr'
run sh -c "echo 'piped data' | '$gssh' -F '$dir/ssh_config' demo 'cat; exit 7'"

echo "== --timeout bounds the whole run: the remote command is ended, gssh exits 124"
timed "$gssh" "${cfg[@]}" --timeout 2 demo 'sleep 30'

echo "== a frozen server: keepalive (ServerAliveInterval 1, CountMax 2) ends the session"
"$gssh" "${cfg[@]}" -o ServerAliveInterval=1 -o ServerAliveCountMax=2 demo 'echo session started; sleep 60' &
client=$!
# The listening sshd's children, and theirs, serve this one connection.
descendants() { local c; for c in $(pgrep -P "$1" || true); do echo "$c"; descendants "$c"; done; }
sessions=
for _ in $(seq 50); do
  sessions=$(descendants "$pid" | tr '\n' ' ')
  case "$sessions" in *" "*" "*) break ;; esac
  sleep 0.1
done
sleep 0.5
sessions=$(descendants "$pid" | tr '\n' ' ')
echo "\$ kill -STOP $sessions  # the sshd processes serving this connection"
kill -STOP $sessions
start=$(now_ms)
status=0
wait "$client" || status=$?
echo "(gssh exit status $status, $(( $(now_ms) - start )) ms after the server froze; budget: 3 s from the last byte read, 1 s x (CountMax 2 + 1))"
kill -CONT $sessions 2>/dev/null || true
kill $sessions 2>/dev/null || true
echo

echo "== --reconnect: a -L tunnel that comes back by itself after its server session is killed"
fport=$(( port + 1 ))
[ "$fport" -le 65535 ] || fport=$(( port - 1 ))
before=" $(descendants "$pid" | tr '\n' ' ')"
echo "\$ gssh --reconnect -N -o ServerAliveInterval=1 -L $fport:127.0.0.1:$port demo &"
"$gssh" "${cfg[@]}" --reconnect -N -o ServerAliveInterval=1 -L "$fport:127.0.0.1:$port" demo 2> "$dir/tunnel.err" &
tunnel=$!
# banner: the first line read through the tunnel, which is the sshd's.
banner() { timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$fport && head -c 20 <&3" 2>/dev/null || true; }
for _ in $(seq 50); do [ -n "$(banner)" ] && break; sleep 0.1; done
echo "through the tunnel: $(banner)"
served=
for c in $(descendants "$pid"); do case "$before" in *" $c "*) ;; *) served="$served $c" ;; esac; done
echo "\$ kill$served  # the sshd processes serving the tunnel's connection"
kill $served 2>/dev/null || true
start=$(now_ms)
for _ in $(seq 100); do [ -s "$dir/tunnel.err" ] && break; sleep 0.1; done
for _ in $(seq 50); do [ -n "$(banner)" ] && break; sleep 0.2; done
echo "gssh said: $(cat "$dir/tunnel.err")"
echo "through the tunnel again $(( $(now_ms) - start )) ms later: $(banner) (port $fport stayed bound throughout)"
kill "$tunnel" 2>/dev/null; wait "$tunnel" 2>/dev/null || true
echo

echo "== gssh --sessions lists every running gssh; a frozen server shows as hung, gssh --end ends it"
export XDG_RUNTIME_DIR="$dir/run"   # a registry of the demo's own gssh processes
mkdir -m 700 "$XDG_RUNTIME_DIR"
alive=(-o ServerAliveInterval=1 -o ServerAliveCountMax=100)   # keepalive would end it only after 101 s
"$gssh" "${cfg[@]}" "${alive[@]}" -N demo &
tunnel=$!
sleep 1
before=" $(descendants "$pid" | tr '\n' ' ')"
"$gssh" "${cfg[@]}" "${alive[@]}" demo 'echo session started; sleep 600' &
frozen=$!
victim=
for _ in $(seq 50); do
  victim=
  for c in $(descendants "$pid"); do case "$before" in *" $c "*) ;; *) victim="$victim $c" ;; esac; done
  case "$victim" in *" "*" "*) break ;; esac
  sleep 0.1
done
sleep 1
run "$gssh" --sessions
echo "\$ kill -STOP$victim  # the sshd processes serving the second gssh"
kill -STOP $victim
start=$(now_ms)
until "$gssh" --sessions | grep -q ' hung '; do sleep 0.2; done
echo "(shown hung $(( $(now_ms) - start )) ms after the freeze: two keepalives unanswered)"
run "$gssh" --sessions
run "$gssh" --end hung
status=0
wait "$frozen" || status=$?
echo "(the ended gssh exited with status $status)"
kill -CONT $victim 2>/dev/null || true
kill $victim 2>/dev/null || true
run "$gssh" --sessions
kill "$tunnel" 2>/dev/null; wait "$tunnel" 2>/dev/null || true
echo

echo "== --remote-timeout: the server ends the command by the same deadline, even where it refuses signals (root)"
timed "$gssh" "${cfg[@]}" -l "$(id -un)" --timeout 2 --kill-after 1 --remote-timeout demo 'sleep 30'

echo "== a ControlMaster: one login, then sessions through it beside direct connections"
run "$gssh" "${cfg[@]}" -o ControlMaster=yes -o ControlPath="$dir/ctl" -o ControlPersist=60 -fN demo
run "$gssh" "${cfg[@]}" -O check -o ControlPath="$dir/ctl" demo
for i in 1 2; do
  timed "$gssh" "${cfg[@]}" -o ControlMaster=no -o ControlPath=none demo true
  timed "$gssh" "${cfg[@]}" -o ControlPath="$dir/ctl" demo true
done
run "$gssh" "${cfg[@]}" -O exit -o ControlPath="$dir/ctl" demo

if [ -t 0 ] && [ -t 1 ]; then
  echo "== an interactive shell: type commands; Enter ~. disconnects, even from a frozen server"
  run "$gssh" "${cfg[@]}" demo
else
  echo "== a shell fed from a pipe (run make demo in a terminal for an interactive one and ~.)"
  run sh -c "printf 'echo in a remote shell; exit 3\n' | '$gssh' -F '$dir/ssh_config' demo"
fi
