#!/usr/bin/env bash
# Runs a command inside a private desktop session, as a real user's desktop would have:
# a D-Bus session bus, an unlocked gnome-keyring (Secret Service), a notification
# daemon (dunst) and an X display (Xvfb). Used by the tests; everything stops at the end.
# Usage: scripts/desktop-session.sh COMMAND [ARGS...]
source "$(dirname "$0")/lib.sh"

if [ -z "${COMMONS_IN_DESKTOP_SESSION:-}" ]; then
  export COMMONS_IN_DESKTOP_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi

session_home="$(mktemp -d -t commons-session.XXXXXX)"
cleanup() {
  for pid in ${xvfb_pid:-} ${dunst_pid:-}; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$session_home"
}
trap cleanup EXIT

# A fresh keyring in a throwaway folder, unlocked with a throwaway password as the
# user's login would unlock it: runs never depend on (or touch) the machine's keyrings.
export XDG_DATA_HOME="$session_home/data"
mkdir -p "$XDG_DATA_HOME"
echo -n "commons-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null

display=":$(( 90 + RANDOM % 100 ))"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
export DISPLAY="$display"
for _ in $(seq 1 50); do
  [ -e "/tmp/.X11-unix/X${display#:}" ] && break
  sleep 0.1
done

dunst >/dev/null 2>&1 &
dunst_pid=$!

# WebKitGTK's DMA-BUF renderer needs a GPU that a headless machine lacks.
export WEBKIT_DISABLE_DMABUF_RENDERER=1
export NO_AT_BRIDGE=1

"$@"
