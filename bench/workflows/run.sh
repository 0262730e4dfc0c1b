#!/usr/bin/env bash
# Runtime overhead per activity: a 1,000-activity no-op flowchart with SQLite persistence on, against the raw
# SQLite writes it makes as a floor. Writes bench/results/workflows.md.
#   bench/workflows/run.sh [activities=1000] [repeats=3]
set -euo pipefail
repo="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
dotnet build bench/workflows/SelfSpec.Workflows.Bench.csproj -c Release -nologo -v:q -clp:ErrorsOnly
mkdir -p bench/results
dotnet bench/workflows/bin/Release/net10.0/SelfSpec.Workflows.Bench.dll "${1:-1000}" "${2:-3}" bench/results/workflows.md
