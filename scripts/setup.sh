#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build and run Commons.
# Usage: scripts/setup.sh [--test]   (--test adds what the test suite needs)
# Idempotent: installs only what is missing, so it is cheap to run every time.
source "$(dirname "$0")/lib.sh"

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

packages=(
  # Tauri v2 / WebKitGTK
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  build-essential pkg-config libssl-dev curl ca-certificates
  # Keychain (Secret Service) and notifications on the desktop session
  gnome-keyring libsecret-tools dbus dbus-x11
)
if [ "$want_test" = 1 ]; then
  packages+=(xvfb xauth at-spi2-core dunst webkit2gtk-driver postgresql debootstrap)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "Installing system packages: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  note "system packages: all present"
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  step "Installing Node.js and npm"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    step "Installing the Rust toolchain (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi

if [ "$want_test" = 1 ] && ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  step "Installing tauri-driver (WebDriver bridge for the desktop end-to-end tests)"
  cargo install tauri-driver --locked --version 2.1.0
fi

if [ "$want_test" = 1 ] && ! command -v s3s-fs >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/s3s-fs" ]; then
  # A real S3 protocol server (files on disk) for the object-storage tests.
  # 0.14.1: the last version that builds with Rust 1.95.
  step "Installing s3s-fs (S3-compatible server for the attachment-store tests)"
  cargo install s3s-fs --locked --version 0.14.1 --features binary
fi

step "Installing the UI's npm packages"
if [ ! -d "$ROOT/ui/node_modules" ] || [ "$ROOT/ui/package-lock.json" -nt "$ROOT/ui/node_modules/.package-lock.json" ]; then
  (cd "$ROOT/ui" && npm ci --no-audit --no-fund)
else
  note "ui/node_modules is up to date"
fi

if [ "$want_test" = 1 ]; then
  # A real OpenID Connect provider (oidc-provider) for the single sign-on tests.
  step "Installing the test identity provider's npm packages"
  if [ ! -d "$ROOT/tests/oidc/node_modules" ] || [ "$ROOT/tests/oidc/package-lock.json" -nt "$ROOT/tests/oidc/node_modules/.package-lock.json" ]; then
    (cd "$ROOT/tests/oidc" && npm ci --no-audit --no-fund)
  else
    note "tests/oidc/node_modules is up to date"
  fi
fi
