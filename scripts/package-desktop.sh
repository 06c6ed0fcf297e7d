#!/usr/bin/env bash
# Builds the desktop app's Linux packages with the Tauri bundler: the .deb
# (and, with --appimage, the AppImage, whose tools the bundler downloads:
# not possible on machines without general internet access).
# Output: target/release/bundle/deb/Commons_VERSION_ARCH.deb
# Usage: scripts/package-desktop.sh [--appimage]
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bundles=deb
[ "${1:-}" = "--appimage" ] && bundles=deb,appimage
"$ROOT/scripts/setup.sh"
step "Building the UI"
(cd ui && npm run --silent build)
step "Building and bundling the desktop app (release)"
# The bundler reads src-tauri/tauri.conf.json (a link to the root one) and
# resolves its paths from src-tauri/; give it the real ones.
override=$(printf '{"build":{"frontendDist":"%s"},"bundle":{"icon":["%s","%s","%s","%s"]}}' \
  "$ROOT/ui/dist" "$ROOT/icons/32x32.png" "$ROOT/icons/128x128.png" \
  "$ROOT/icons/128x128@2x.png" "$ROOT/icons/icon.png")
(cd src-tauri && "$ROOT/ui/node_modules/.bin/tauri" build --ci --bundles "$bundles" --config "$override")
for package in target/release/bundle/deb/*.deb; do
  note "$package ($(du -h "$package" | cut -f1))"
done
