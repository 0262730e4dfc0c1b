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

$PY - "$WORK" "$OUT" "$THREADS" "$PROMPTS" "$MAX_NEW" "$load_before" "$load_after" "$(nproc --all)" <<'PYEOF'
import json, re, sys
work, out, threads, prompts, max_new, lb, la, cores = sys.argv[1:]
full = [l for l in open(work + "/full.log") if l.startswith("RESULT ")]
r = json.loads(full[-1][7:])
tp = open(work + "/throughput.log").read()
cpu_tps = float(re.search(r"cpu-tokens/s=(\d+)", tp).group(1))
ours_sps = float(re.search(r"s/step=([\d.]+)", tp).group(1))
torch = json.loads(open(work + "/torch.json").read().strip().splitlines()[-1])
items = max(r["items"], 1)
lines = [
    "# Bootstrap model (BootstrapBaseModel defaults)",
    "",
    f"Machine: {cores} cores, load average {lb} before / {la} after (shared with other work). Threads: {threads}.",
    "",
    "| measure | value |",
    "|---|---|",
    f"| parameters | {r['parameters']:,} |",
    f"| corpus | {r['documents']} documents, {r['corpus_tokens']:,} tokens |",
    f"| training | {r['steps']} steps, {r['tokens']:,} tokens |",
    f"| training wall time ({threads} threads, this load) | {r['train_wall_s']:.0f} s |",
    f"| bootstrap wall / CPU time (corpus + tokenizer + training + save) | {r['bootstrap_wall_s']:.0f} s / {r['bootstrap_cpu_s']:.0f} CPU-s |",
    f"| training throughput, 1 thread, CPU time | {cpu_tps:.0f} tokens per CPU-second -> {r['tokens'] / cpu_tps:.0f} s on one free core |",
    f"| loss first step / mean of last 20 | {r['loss_first']:.2f} / {r['loss_last20']:.2f} |",
    f"| instruction generation: prompts (T=1.0, top-p 0.98, {max_new} new tokens) | {r['prompts']} in {r['generation_wall_s']:.0f} s, {r['truncated']} hit the length limit |",
    f"| prompts yielding >= 1 parsed item | {r['prompts_with_items']} ({100 * r['prompts_with_items'] / r['prompts']:.0f}%) |",
    f"| parsed items / kept by the filter | {r['items']} / {r['kept']} ({100 * r['kept'] / items:.0f}%) |",
    f"| rejections | {', '.join(f'{k} {v}' for k, v in sorted(r['rejected'].items()))} |",
    "",
    "Training step, same model folder and batch (4 x 512), same threads:",
    "",
    "| implementation | s/step (best) | tokens/s |",
    "|---|---|---|",
    f"| SelfSpec (CausalLmPretrainer), 1 thread, wall | {ours_sps:.3f} | {4 * 512 / ours_sps:.0f} |",
    f"| PyTorch eager ({threads} threads) | {torch['s_per_step_best']:.3f} | {torch['tokens_per_s_best']:.0f} |",
    "",
    "Kept instructions (first five):",
    "",
] + [f"- {e}" for e in r["examples"]]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PYEOF
