#!/usr/bin/env bash
# LoRA / QLoRA training throughput and peak memory: SelfSpec.Training vs a PyTorch reference with the same math
# written out (Debian python3-torch 1.13), on a random ~100M-parameter Llama, in the same run.
#   bench/training/run.sh [SEQ BATCH STEPS THREADS]      (defaults 128 4 3 2)
# Writes bench/results/training.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
seq="${1:-128}" batch="${2:-4}" steps="${3:-3}" threads="${4:-2}"
work="$repo/.selfspec/bench/training"
mkdir -p "$work" "$repo/bench/results"
py=/usr/bin/python3   # Debian's torch is importable only from the system interpreter
"$repo/scripts/install-deps.sh" bench

model="$work/llama-100m"
[ -f "$model/config.json" ] || "$py" "$here/make_model.py" "$model"
dotnet build "$here/TrainBench/TrainBench.csproj" -c Release -o "$work/bin" -nologo -v:q -clp:ErrorsOnly

for mode in dense nf4; do
  echo "== selfspec $mode" >&2
  SELFSPEC_THREADS="$threads" dotnet "$work/bin/TrainBench.dll" "$model" "$seq" "$batch" "$steps" "$threads" "$mode" "$work/selfspec-$mode.json"
  echo "== pytorch $mode" >&2
  OMP_NUM_THREADS="$threads" "$py" "$here/reference.py" "$model" "$seq" "$batch" "$steps" "$threads" "$mode" "$work/pytorch-$mode.json"
done

"$py" - "$work" "$repo/bench/results/training.md" "$seq" "$batch" "$steps" "$threads" <<'PY'
import json, sys, platform, os, subprocess
work, out, seq, batch, steps, threads = sys.argv[1:]
r = {(e, m): json.load(open(f"{work}/{e}-{m}.json")) for e in ("selfspec", "pytorch") for m in ("dense", "nf4")}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
lines = [
    "# LoRA training: SelfSpec.Training vs PyTorch",
    "",
    f"Random Llama, ~106M parameters (hidden 768, 8 layers, 12 heads / 4 KV heads, intermediate 2048, vocab 32000), F32 weights;",
    f"LoRA r 8 / alpha 16 on all 7 projections of every layer, AdamW; batch {batch} × {seq} tokens, {steps} timed steps after 1 warm-up step,",
    f"{threads} threads, CPU ({cpu}). PyTorch = Debian python3-torch 1.13 with the same Llama, LoRA and NF4 math written out",
    "(bench/training/reference.py). Peak memory = the process's peak RSS during the training steps (the high-water mark is",
    "reset after loading and quantising). `bench/training/run.sh` regenerates this file.",
    "",
    "| base weights | engine | tokens/s | vs PyTorch | peak RSS (MiB) | vs PyTorch | loss after last step |",
    "|---|---|---:|---:|---:|---:|---:|",
]
for m, label in (("dense", "F32"), ("nf4", "NF4 (QLoRA)")):
    p, s = r[("pytorch", m)], r[("selfspec", m)]
    lines.append(f"| {label} | SelfSpec | {s['tokens_per_second']:.0f} | {s['tokens_per_second']/p['tokens_per_second']:.2f}× | {s['peak_rss_mib']:.0f} | {s['peak_rss_mib']/p['peak_rss_mib']:.2f}× | {s['loss']:.4f} |")
    lines.append(f"| {label} | PyTorch | {p['tokens_per_second']:.0f} | 1.00× | {p['peak_rss_mib']:.0f} | 1.00× | {p['loss']:.4f} |")
s = r[("selfspec", "nf4")]
lines += ["", f"NF4 base projections: {s['base_projection_mib_dense']:.1f} MiB dense F32 → {s['base_projection_mib_nf4']:.1f} MiB packed "
          f"({s['base_projection_mib_dense']/s['base_projection_mib_nf4']:.1f}× smaller; block 64, F32 absmax).",
          "", "Step times (s): " + "; ".join(f"{e} {m}: " + ", ".join(f"{t:.2f}" for t in r[(e, m)]["step_seconds"]) for (e, m) in r)]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
