#!/usr/bin/env bash
# Serving throughput: 1, 8 and 32 concurrent HTTP clients of the server against sequential in-process generation of
# the same requests, and 8 requests over 4 LoRA adapters in one batch against the same 8 on the base model.
# Writes bench/results/serving.md.
#   bench/serving/run.sh [requests=32] [max_tokens=48]
set -euo pipefail
repo="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
dotnet build bench/serving/SelfSpec.Serving.Bench.csproj -c Release -nologo -v:q -clp:ErrorsOnly
work="$(mktemp -d "${TMPDIR:-/tmp}/selfspec-serving-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
results=bench/results/serving.md
mkdir -p bench/results
: > "$results.tmp"
dotnet bench/serving/bin/Release/net10.0/SelfSpec.Serving.Bench.dll "$work" "$results.tmp" "${1:-32}" "${2:-48}"
mv "$results.tmp" "$results"
echo "wrote $results"
