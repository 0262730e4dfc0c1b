#!/usr/bin/env bash
# The test command (README, CI): installs what the tests need, builds, and runs every test project.
#
#   scripts/test.sh            the whole suite (what CI runs)
#   scripts/test.sh --quick    skip tests marked [Trait("Category","Slow")]
#   scripts/test.sh -- ARGS    extra arguments for `dotnet test` (e.g. -- --filter FullyQualifiedName~Parquet)
#
# Ends with one line "N passed, N failed, N skipped" summed over all test projects.
set -euo pipefail
repo="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

filter=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) filter=(--filter "Category!=Slow") ;;
    --) shift; extra=("$@"); break ;;
    *) echo "test.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

"$repo/scripts/install-deps.sh" test
"$repo/scripts/fetch-studio.sh"   # Elsa Studio for the designer's browser tests (npm, pinned version)

results="$repo/TestResults"
rm -rf "$results"
dotnet build SelfSpecWorkflows.sln -c Release -nologo -v:q -clp:ErrorsOnly

status=0
dotnet test SelfSpecWorkflows.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" \
  "${filter[@]}" "${extra[@]}" || status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  line=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$line" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0}))
  skipped=$((skipped + ${total:-0} - ${p:-0} - ${f:-0} - ${e:-0} - ${t:-0}))
done
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
if [ "$passed" -eq 0 ]; then echo "test.sh: no test ran" >&2; exit 1; fi
