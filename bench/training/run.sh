#!/usr/bin/env bash
# LoRA / QLoRA training throughput and peak memory: SelfSpec.Training vs a PyTorch reference with the same math
# written out (Debian python3-torch 1.13), on a random ~100M-parameter Llama, in the same run.
#   bench/training/run.sh [SEQ BATCH STEPS THREADS]      (defaults 128 2 3 2)
# Writes bench/results/training.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
seq="${1:-128}" batch="${2:-2}" steps="${3:-3}" threads="${4:-2}"
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

"$py" "$here/summarize.py" "$work" "$repo/bench/results/training.md" "$seq" "$batch" "$steps" "$threads"
