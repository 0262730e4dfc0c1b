#!/usr/bin/env bash
# GGUF benchmark: export time and size per type, and batch-1 greedy decode tokens/s of our engine (f32, TextGenerator
# with KV cache) vs llama.cpp (LLamaSharp 0.30.0, CPU backend) on the same random ~134M-parameter Llama exported as f32
# GGUF, same prompt, same number of tokens, same threads. Writes bench/results/gguf.md.
#   THREADS (2) PROMPT (64) NEW (32) REPS (5) WORK (/tmp/selfspec-bench-gguf) OUT (bench/results/gguf.md)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
THREADS="${THREADS:-2}"; PROMPT="${PROMPT:-64}"; NEW="${NEW:-32}"; REPS="${REPS:-5}"
WORK="${WORK:-/tmp/selfspec-bench-gguf}"
OUT="${OUT:-$repo/bench/results/gguf.md}"
export SELFSPEC_THREADS="$THREADS" OMP_NUM_THREADS="$THREADS"
# Idle OpenMP threads sleep (our engine's policy on a shared machine, as in bench/llm).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# The libtorch shim is built by ./selfspec (first run builds it).
"$repo/selfspec" doctor >/dev/null
dotnet build "$repo/bench/gguf/GgufBench" -c Release -nologo -v q >/dev/null
mkdir -p "$WORK"
"$repo/bench/gguf/GgufBench/bin/Release/net10.0/GgufBench" "$WORK" "$THREADS" "$PROMPT" "$NEW" "$REPS" "$OUT"
