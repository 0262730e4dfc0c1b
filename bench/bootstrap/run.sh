#!/usr/bin/env bash
# Bootstrap model benchmark: trains the demonstration model with BootstrapBaseModel's DEFAULT settings (through
# BaseModelBootstrapper, the activity's engine), then runs the instruction-generation stage on it as GenerateInstructions
# does (Table 3 prompts, 3 sampled seeds, temperature 1.0, top-p 0.98) and reports how many prompts yield parsed items
# and how many items pass the filter (ROUGE-L <= 0.7 against the seeds and everything kept). Also times one training
# step of the same model and batch shape in PyTorch eager (Debian python3-torch) as the reference.
#   THREADS (2) PROMPTS (24) MAX_NEW (400) WORK (/tmp/selfspec-bench-bootstrap) OUT (bench/results/bootstrap.md)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
THREADS="${THREADS:-2}"; PROMPTS="${PROMPTS:-24}"; MAX_NEW="${MAX_NEW:-400}"
WORK="${WORK:-/tmp/selfspec-bench-bootstrap}"
OUT="${OUT:-$repo/bench/results/bootstrap.md}"
PY=/usr/bin/python3
export OMP_NUM_THREADS="$THREADS"
dotnet build "$repo/bench/bootstrap/BootstrapBench" -c Release -nologo -v q >/dev/null
ours="$repo/bench/bootstrap/BootstrapBench/bin/Release/net10.0/BootstrapBench"
rm -rf "$WORK"; mkdir -p "$WORK"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
"$ours" full "$repo" "$WORK/model" "$THREADS" "$PROMPTS" "$MAX_NEW" | tee "$WORK/full.log"
# CPU efficiency of one training step at 1 thread (contention-free measure: CPU seconds, not wall time).
"$ours" throughput 192 4 3 3 512 2048 4 512 1 6 | tee "$WORK/throughput.log"
$PY "$repo/bench/bootstrap/torch_train_step.py" "$WORK/model" 4 512 "$THREADS" 5 | tee "$WORK/torch.json"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

"$ours" throughput 192 4 3 3 512 2048 4 512 2 8 | tee "$WORK/throughput2.log"
$PY "$repo/bench/bootstrap/summarize.py" "$WORK" "$OUT" "$THREADS" "$PROMPTS" "$MAX_NEW" "$load_before" "$load_after" "$(nproc --all)"
