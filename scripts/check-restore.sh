#!/usr/bin/env bash
# Proves the pinned package versions restore from the registry into an empty package cache and an empty HTTP cache
# (what a fresh machine sees). Prints the number of packages fetched; fails on any restore error or warning.
set -euo pipefail
repo="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"; dotnet restore "$repo/SelfSpecWorkflows.sln" --force >/dev/null' EXIT
NUGET_PACKAGES="$tmp/packages" NUGET_HTTP_CACHE_PATH="$tmp/http" \
  dotnet restore "$repo/SelfSpecWorkflows.sln" --force -warnaserror 2>&1 | tee "$tmp/log" | grep -Ei "error|warn" && exit 1
echo "restored $(ls "$tmp/packages" | wc -l) packages from an empty cache ($(du -sh "$tmp/http" | cut -f1) downloaded)"
