#!/usr/bin/env bash
# Starts a throwaway sshd on 127.0.0.1 with fresh keys and shows gssh
# running a command and a shell against it. Used by `make demo`.
set -euo pipefail
gssh=$(realpath "$1")
sshd=/usr/sbin/sshd
[ -x "$sshd" ] || { echo "demo: $sshd is missing; run: sudo bash .ci/setup" >&2; exit 1; }
[ "$(id -u)" = 0 ] && mkdir -p /run/sshd

dir=$(mktemp -d /tmp/gssh-demo.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$dir/id_ed25519"
cp "$dir/id_ed25519.pub" "$dir/authorized_keys"

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
  User $(id -un)
  IdentityFile $dir/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $dir/known_hosts
  StrictHostKeyChecking yes
CFG

run() { echo "\$ $*"; "$@" || echo "(exit status $?)"; echo; }
echo "== sshd on 127.0.0.1:$port (pid $pid), config in $dir/ssh_config"
echo
run "$gssh" -V
run "$gssh" -F "$dir/ssh_config" demo 'echo "hello from $(hostname) as $(id -un)"; uname -sr'
run sh -c "echo 'piped data' | '$gssh' -F '$dir/ssh_config' demo 'cat; exit 7'"
if [ -t 0 ] && [ -t 1 ]; then
  echo "== an interactive shell: type commands, 'exit' (or Enter ~.) to leave"
  run "$gssh" -F "$dir/ssh_config" demo
else
  run sh -c "printf 'echo in a remote shell; exit 3\n' | '$gssh' -F '$dir/ssh_config' demo"
fi
