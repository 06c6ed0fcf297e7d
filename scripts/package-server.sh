#!/usr/bin/env bash
# Builds the server's Debian package: commons-server_VERSION_ARCH.deb with the
# binary, the hardened systemd unit, /etc/commons/commons.toml and the docs.
# Usage: scripts/package-server.sh [--binary PATH] [--out DIR]
#   --binary  the commons-server to package (default: build it in release mode)
#   --out     where to write the .deb (default: target/packages)
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

binary=""
out="$ROOT/target/packages"
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) die "unknown argument $1 (expected --binary PATH or --out DIR)" ;;
  esac
done
if [ -z "$binary" ]; then
  step "Building commons-server (release)"
  cargo build --release --locked -p commons-server --bin commons-server
  binary="$ROOT/target/release/commons-server"
fi
[ -x "$binary" ] || die "no executable at $binary"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
arch=$(dpkg --print-architecture)
stage=$(mktemp -d -t commons-deb.XXXXXX)
chmod 0755 "$stage"
trap 'rm -rf "$stage"' EXIT

install -D -m 0755 "$binary" "$stage/usr/bin/commons-server"
strip --strip-unneeded "$stage/usr/bin/commons-server" 2>/dev/null || true
install -D -m 0644 packaging/server/commons-server.service "$stage/lib/systemd/system/commons-server.service"
install -D -m 0644 packaging/server/commons.toml "$stage/etc/commons/commons.toml"
docs="$stage/usr/share/doc/commons-server"
install -D -m 0644 crates/server/README.md "$docs/README.md"
for doc in operations.md sync-protocol.md data-control.md import-workplace.md export-format.md sso.md; do
  [ -f "docs/$doc" ] && install -m 0644 "docs/$doc" "$docs/$doc"
done
install -d "$stage/DEBIAN"
install -m 0755 packaging/server/debian/postinst packaging/server/debian/prerm packaging/server/debian/postrm "$stage/DEBIAN/"
echo "/etc/commons/commons.toml" > "$stage/DEBIAN/conffiles"
size_kb=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: commons-server
Version: $version
Architecture: $arch
Maintainer: Commons developers <commons@localhost>
Depends: libc6 (>= 2.36), libgcc-s1, adduser
Suggests: postgresql
Section: net
Priority: optional
Installed-Size: $size_kb
Homepage: https://commons.invalid/
Description: Commons server: a self-hosted workplace social network
 The server of Commons, a replacement for Facebook's Workplace that an
 organisation runs itself: groups, posts, comments, reactions, notifications,
 search, a sync API for offline-first clients, on embedded SQLite or
 PostgreSQL. Runs as the systemd service commons-server, as the user commons,
 with its data in /var/lib/commons.
CONTROL

mkdir -p "$out"
deb="$out/commons-server_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
note "wrote $deb ($(du -h "$deb" | cut -f1))"
echo "$deb"
