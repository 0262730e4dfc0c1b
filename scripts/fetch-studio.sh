#!/usr/bin/env bash
# Fetches the prebuilt Elsa Studio (Blazor WebAssembly custom elements) that `selfspec server` hosts:
# npm package @elsa-workflows/elsa-studio-wasm at the pinned version, unpacked into .selfspec/studio/<version>/
# (ignored by git, never committed). Does nothing when that version is already there.
#
#   scripts/fetch-studio.sh [DEST]     (default DEST: <repo>/.selfspec/studio)
set -euo pipefail
version="3.8.2"
package="@elsa-workflows/elsa-studio-wasm"
repo="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$repo/.selfspec/studio}"
target="$dest/$version"
if [ -f "$target/.complete" ]; then exit 0; fi
if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-studio: npm is required to fetch $package@$version (Debian package: npm)" >&2
  exit 1
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "Fetching $package@$version from npm…" >&2
(cd "$tmp" && npm pack --silent "$package@$version" >/dev/null)
mkdir -p "$tmp/unpacked"
tar -xzf "$tmp"/*.tgz -C "$tmp/unpacked"
[ -f "$tmp/unpacked/package/wwwroot/_framework/blazor.webassembly.js" ] || [ -f "$tmp/unpacked/package/_framework/blazor.webassembly.js" ] \
  || { echo "fetch-studio: $package@$version has an unexpected layout (no _framework/blazor.webassembly.js)" >&2; exit 1; }
rm -rf "$target"
mkdir -p "$dest"
mv "$tmp/unpacked/package" "$target"
echo "$version" > "$target/.complete"
echo "Elsa Studio $version in $target" >&2
