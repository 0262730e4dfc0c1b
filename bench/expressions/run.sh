#!/usr/bin/env bash
# Cost of one expression evaluation, JavaScript (Jint sandbox) against C# (Roslyn). Writes bench/results/expressions.md.
#   bench/expressions/run.sh [evaluations=2000] [repeats=5]
set -euo pipefail
repo="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
dotnet build bench/expressions/SelfSpec.Expressions.Bench.csproj -c Release -nologo -v:q -clp:ErrorsOnly
mkdir -p bench/results
dotnet bench/expressions/bin/Release/net10.0/SelfSpec.Expressions.Bench.dll "${1:-2000}" "${2:-5}" bench/results/expressions.md
