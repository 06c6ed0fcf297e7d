#!/usr/bin/env bash
# The main job: installs what is missing, builds Commons, starts the server on
# embedded SQLite with the demo organisation and opens the desktop app logged in
# as the demo user Ada. Stop with Ctrl-C or by closing the window.
# Environment: COMMONS_LISTEN (default 127.0.0.1:8080), COMMONS_RUN_DIR (default ./.run).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

listen="${COMMONS_LISTEN:-127.0.0.1:8080}"
run_dir="${COMMONS_RUN_DIR:-$ROOT/.run}"
data_dir="$run_dir/server"
profile="$run_dir/profile"
url="http://$listen"

step "Checking and installing prerequisites"
"$ROOT/scripts/setup.sh"
export PATH="$HOME/.cargo/bin:$PATH"

step "Building the UI"
(cd ui && npm run --silent build)

step "Building the release binaries (the first build takes several minutes)"
cargo build --release --locked -p commons-server -p commons-cli -p commons-desktop
bin="$ROOT/target/release"

mkdir -p "$run_dir"
if [ ! -f "$data_dir/commons.db" ]; then
  step "Creating the demo organisation in $data_dir"
  "$bin/commons-server" demo --data-dir "$data_dir"
fi

step "Starting the server on $url (log: $run_dir/server.log)"
"$bin/commons-server" serve --data-dir "$data_dir" --listen "$listen" >"$run_dir/server.out" 2>"$run_dir/server.log" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || die "the server stopped; see $run_dir/server.log"
  sleep 0.1
done

if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  note "No display here: the server runs at $url (Ctrl-C stops it)."
  note "Log in from a desktop with: commons-desktop, server $url, ada@example.org / commons-demo"
  wait "$server_pid"
  exit 0
fi

step "Logging the desktop profile in as ada@example.org"
if ! "$bin/commons" --profile "$profile" feed >/dev/null 2>&1; then
  echo "commons-demo" | "$bin/commons" --profile "$profile" login --server "$url" --email ada@example.org \
    || note "Automatic login failed (is your keychain unlocked?); log in from the window instead."
fi

step "Opening the desktop app"
COMMONS_PROFILE="$profile" COMMONS_SERVER_URL="$url" "$bin/commons-desktop"
