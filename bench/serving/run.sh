#!/usr/bin/env bash
# Serving throughput: 1, 8 and 32 concurrent HTTP clients of the server against sequential in-process generation of
# the same requests, and 8 requests over 4 LoRA adapters in one batch against the same 8 on the base model; on two
# model shapes (see Program.cs): `small` (31.8M, compute-heavy per byte on 2 cores) and `134m` (memory-bound at
# batch 1, like the 7B–30B models served in practice). Writes bench/results/serving.md.
#   bench/serving/run.sh [requests=32] [max_tokens=48] [shapes="small 134m"]
set -euo pipefail
repo="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
dotnet build bench/serving/SelfSpec.Serving.Bench.csproj -c Release -nologo -v:q -clp:ErrorsOnly
# As `selfspec serve` runs (the launcher sets it): one malloc arena from the start. The reference shares the process.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}"
work="$(mktemp -d "${TMPDIR:-/tmp}/selfspec-serving-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
results=bench/results/serving.md
mkdir -p bench/results
cat > "$results.tmp" <<'HEADER'
# Serving throughput (`selfspec serve`)

One section per model shape, each one run of `bench/serving/Program.cs`: the sequential in-process reference and the
server in the same process, each round's reference right before that round's server runs. The issue's goals (≥ 4× at
8 clients, ≤ 1.3× for 4 adapters in one batch) are checked for each shape.

HEADER
for shape in ${3:-small 134m}; do
  mkdir -p "$work/$shape"
  dotnet bench/serving/bin/Release/net10.0/SelfSpec.Serving.Bench.dll "$work/$shape" "$results.tmp" "$shape" "${1:-32}" "${2:-48}"
  echo >> "$results.tmp"
done
mv "$results.tmp" "$results"
echo "wrote $results"
