#!/usr/bin/env bash
# Designer API benchmark: starts `selfspec server` over a fresh home holding the project's workflows and times, with
# curl over loopback, what Studio's editor calls at start-up (activity descriptors, the definition, the descriptor
# lists) and an auto-save of self-specialization (Studio's shape, no change). Reports p50/p95 per call and the ratio
# to a trivial endpoint (/features/installed) timed in the same session as the reference. Goal: < 50 ms each.
#   N (200 requests per call) PORT (5123) WORK (/tmp/selfspec-bench-designer) OUT (bench/results/designer.md)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
N="${N:-200}"; PORT="${PORT:-5123}"
WORK="${WORK:-/tmp/selfspec-bench-designer}"
OUT="${OUT:-$repo/bench/results/designer.md}"
rm -rf "$WORK"; mkdir -p "$WORK/home"
cp -r "$repo/workflows" "$WORK/home/workflows"
dotnet build "$repo/src/SelfSpec.Cli" -c Release -nologo -v:q -clp:ErrorsOnly >/dev/null
dotnet "$repo/src/SelfSpec.Cli/bin/Release/net10.0/selfspec.dll" server --home "$WORK/home" --urls "http://127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
base="http://127.0.0.1:$PORT/elsa/api"
for _ in $(seq 1 300); do curl -sf "$base/features/installed" >/dev/null && break; sleep 0.2; done
curl -sf "$base/workflow-definitions/by-definition-id/self-specialization?versionOptions=Latest" >"$WORK/definition.json"
python3 - "$WORK/definition.json" "$WORK/save.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("links", "isSystem"): d.pop(k, None)
d["options"] = {"activationStrategyType": None, "usableAsActivity": None, "autoUpdateConsumingWorkflows": None}
json.dump({"model": d, "publish": False}, open(sys.argv[2], "w"))
PY
curl -sf -X POST "$base/workflow-definitions/self-specialization/retract" -H 'Content-Type: application/json' -d '{}' >/dev/null

time_call() { # name method path [body-file]
  local name="$1" method="$2" path="$3" body="${4:-}"
  : >"$WORK/$name.times"
  for i in $(seq 1 "$N"); do
    if [ -n "$body" ]; then
      curl -s -o /dev/null -w '%{time_total}\n' -X "$method" "$base$path" -H 'Content-Type: application/json' --data-binary "@$body" >>"$WORK/$name.times"
    else
      curl -s -o /dev/null -w '%{time_total}\n' -X "$method" "$base$path" >>"$WORK/$name.times"
    fi
  done
}
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
time_call reference GET "/features/installed"
time_call descriptors GET "/descriptors/activities?Refresh=True"
time_call definition GET "/workflow-definitions/by-definition-id/self-specialization?versionOptions=Latest"
time_call expression-descriptors GET "/descriptors/expression-descriptors"
time_call variable-descriptors GET "/descriptors/variables"
time_call definition-list GET "/workflow-definitions?versionOptions=Latest&Page=0&PageSize=50"
time_call save POST "/workflow-definitions" "$WORK/save.json"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$WORK" "$OUT" "$N" "$load_before" "$load_after" "$(nproc --all)" "$(ls "$repo/workflows" | wc -l)" <<'PY'
import sys, statistics, datetime
work, out, n, lb, la, cores, nwf = sys.argv[1:8]
def pct(xs, p):
    xs = sorted(xs); k = (len(xs) - 1) * p; f = int(k); c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)
names = ["reference", "descriptors", "definition", "expression-descriptors", "variable-descriptors", "definition-list", "save"]
t = {m: [float(x) * 1000 for x in open(f"{work}/{m}.times")] for m in names}
ref = pct(t["reference"], 0.5)
lines = [
    "# Designer API: editor start-up calls and a save",
    "",
    f"`bench/designer/run.sh` on {datetime.date.today()}: `selfspec server` (Release) over a fresh store with the project's {nwf} workflows,",
    f"{n} sequential requests per call with curl over loopback (connection set-up included). {cores} cores shared with other builds;",
    f"load average before {lb}, after {la}. Reference: `GET /features/installed` (an empty list) in the same session.",
    "Goal: p95 < 50 ms for each call.",
    "",
    "| call | p50 ms | p95 ms | p50 / reference | goal met |",
    "|---|---:|---:|---:|---|",
]
for m in names:
    p50, p95 = pct(t[m], 0.5), pct(t[m], 0.95)
    lines.append(f"| {m} | {p50:.1f} | {p95:.1f} | {p50 / ref:.1f}x | {'yes' if p95 < 50 else 'no'} |")
lines += ["", "`save` posts self-specialization as Studio does (no change, `options.*: null`): read, normalize, validate, compare inputs with the stored version, store."]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
