#!/usr/bin/env bash
# Parquet benchmark: SelfSpec.Parquet vs DuckDB (same rows, same run). Writes bench/results/parquet.md.
#   bench/parquet/run.sh [ROWS] [ROUNDS]     default 1,000,000 rows (~420 MB of values), 2 rounds
# The two sides run alternately (DuckDB, ours, DuckDB, ours, ...) so that other load on the machine hits both alike.
# Needs node + npm (DuckDB's npm package is installed once under .selfspec/npm/parquet-bench).
set -euo pipefail
repo="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rows="${1:-1000000}"
rounds="${2:-2}"
work="$repo/.selfspec/bench/parquet"
deps="$repo/.selfspec/npm/parquet-bench"
mkdir -p "$work" "$deps" "$repo/bench/results"

if [ ! -f "$deps/.stamp" ] || ! cmp -s "$repo/bench/parquet/package.json" "$deps/package.json"; then
  cp "$repo/bench/parquet/package.json" "$deps/package.json"
  (cd "$deps" && npm install --no-audit --no-fund --silent >/dev/null)
  touch "$deps/.stamp"
fi

dotnet build "$repo/bench/parquet/ParquetBench" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
bench=(dotnet "$repo/bench/parquet/ParquetBench/bin/Release/net10.0/ParquetBench.dll")
threads=(1)
cores="$(nproc)"
[ "$cores" -gt 1 ] && threads+=("$cores")

source="$work/source-$rows.parquet"
[ -f "$source" ] || "${bench[@]}" gen "$source" "$rows"
cp "$repo/bench/parquet/duckdb-bench.mjs" "$deps/"  # ESM resolves packages next to the script
rm -f "$work/duck.json" "$work/ours.json"
for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  node "$deps/duckdb-bench.mjs" "$source" "$work" "$work/duck.json" "${threads[@]}"
  "${bench[@]}" measure "$source" "$work" "$work/ours.json" "${threads[@]}"
done
"${bench[@]}" report "$source" "$work/ours.json" "$work/duck.json" "$repo/bench/results/parquet.md" "$work"
