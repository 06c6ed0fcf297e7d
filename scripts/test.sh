#!/usr/bin/env bash
# Runs every test of Commons: lints, UI checks and unit tests, the Rust test suites
# (server on SQLite and PostgreSQL, client core and CLI against a real server, the
# keychain against a real Secret Service), and the desktop end-to-end test through
# the real window. This is what `make test` and CI (.ci/run) run.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
started=$(date +%s)

step "Checking and installing prerequisites"
"$ROOT/scripts/setup.sh" --test
"$ROOT/scripts/ensure-postgres.sh"
export PATH="$HOME/.cargo/bin:$PATH"

step "UI: type check (svelte-check), unit tests (vitest), production build"
(cd ui && npm run --silent check && npm test --silent && npm run --silent build)

step "Rust: formatting and clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust: building the binaries once (debug) for the tests that run them"
cargo build --workspace --bins --locked
export COMMONS_SERVER_BIN="$ROOT/target/debug/commons-server"
export COMMONS_CLI_BIN="$ROOT/target/debug/commons"
export COMMONS_DESKTOP_BIN="$ROOT/target/debug/commons-desktop"
export TAURI_DRIVER_BIN="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"

step "Rust: test suites (inside a desktop session: D-Bus, gnome-keyring, dunst, Xvfb)"
"$ROOT/scripts/desktop-session.sh" cargo test --workspace --locked

step "Server package: the .deb installs and starts on a clean Debian system (debootstrap)"
"$ROOT/scripts/test-server-package.sh" "$COMMONS_SERVER_BIN"

step "Desktop: end-to-end through the real window (tauri-driver + WebKitWebDriver)"
mkdir -p "$ROOT/tests/artifacts"
"$ROOT/scripts/desktop-session.sh" node --test --test-reporter=spec "$ROOT/tests/e2e/"

step "All tests passed in $(( $(date +%s) - started )) s (screenshots in tests/artifacts/)"
