#!/usr/bin/env bash
# The server's .deb on a clean machine: builds the package around a given
# binary, checks the systemd unit with systemd-analyze, makes a minimal
# Debian system with debootstrap (from the same archive as this machine's
# apt), installs the package there with dpkg, then runs the server as the
# unit does (user commons, /etc/commons/commons.toml, state in
# /var/lib/commons) and asks it for /healthz and /readyz. systemd itself
# does not run inside the chroot: the unit's hardening is checked by
# systemd-analyze, not exercised.
# Usage: scripts/test-server-package.sh [BINARY]   (default: target/debug/commons-server)
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

binary="${1:-${COMMONS_SERVER_BIN:-$ROOT/target/debug/commons-server}}"
work=$(mktemp -d -t commons-package-test.XXXXXX)
root="$work/root"
server_pid=""
passed=0
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  mountpoint -q "$root/proc" 2>/dev/null && umount "$root/proc" || true
  rm -rf "$work"
}
trap cleanup EXIT
check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then passed=$((passed + 1)); note "ok: $1"; else die "package test failed: $1"; fi
}

step "Package test: building the .deb"
deb=$("$ROOT/scripts/package-server.sh" --binary "$binary" --out "$work" | tail -1)

step "Package test: the systemd unit"
unit="$work/commons-server.service"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./lib/systemd/system/commons-server.service > "$unit"
# verify needs the ExecStart binary to exist; point it at the packaged one.
sed -i "s#/usr/bin/commons-server#$binary#" "$unit"
warnings=$(systemd-analyze verify "$unit" 2>&1 || true)
check "systemd-analyze verify finds nothing to say ($warnings)" test -z "$warnings"
for directive in User=commons NoNewPrivileges=yes ProtectSystem=strict StateDirectory=commons; do
  check "the unit sets $directive" grep -qx "$directive" "$unit"
done

step "Package test: a clean Debian system (debootstrap)"
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
# The archive this machine's apt installs the distribution from.
mirror=$(apt-get indextargets --format '$(RELEASE) $(SITE)' | awk -v suite="$suite" '$1 == suite { print $2; exit }')
[ -n "$mirror" ] || die "no Debian archive found in this machine's apt sources"
debootstrap --variant=minbase --include=adduser,curl "$suite" "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log"; die "debootstrap failed"; }
mount -t proc proc "$root/proc"

step "Package test: dpkg -i on that system"
cp "$deb" "$root/tmp/"
chroot "$root" dpkg -i "/tmp/$(basename "$deb")" > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; die "dpkg -i failed"; }
check "dpkg knows the package" chroot "$root" dpkg -s commons-server
check "the commons system user exists" chroot "$root" getent passwd commons
check "/var/lib/commons belongs to commons, mode 750" \
  test "$(chroot "$root" stat -c '%U:%G %a' /var/lib/commons)" = "commons:commons 750"
check "the settings are readable by the group only" \
  test "$(chroot "$root" stat -c '%G %a' /etc/commons/commons.toml)" = "commons 640"

step "Package test: the server starts as the unit starts it"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
chroot --userspec=commons:commons "$root" env COMMONS_CONFIG=/etc/commons/commons.toml \
  COMMONS_LISTEN="127.0.0.1:$port" /usr/bin/commons-server serve > "$work/serve.out" 2> "$work/serve.err" &
server_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/serve.out" && break; sleep 0.2; done
check "it says where it listens" grep -q "listening on http://127.0.0.1:$port" "$work/serve.out"
check "GET /healthz answers" curl -fsS "http://127.0.0.1:$port/healthz" -o /dev/null
check "GET /readyz answers ready" sh -c "curl -fsS http://127.0.0.1:$port/readyz | grep -q ready"
check "the database is in /var/lib/commons, owned by commons" \
  test "$(chroot "$root" stat -c '%U' /var/lib/commons/commons.db)" = "commons"
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
check "SIGTERM stops it cleanly" test "$status" -eq 0

step "Package test: purge keeps the organisation's data"
chroot "$root" dpkg --purge commons-server > "$work/purge.log" 2>&1
check "the binary is gone" test ! -e "$root/usr/bin/commons-server"
check "the data stays" test -f "$root/var/lib/commons/commons.db"

echo "package: $passed passed, 0 failed"
