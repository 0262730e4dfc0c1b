#!/usr/bin/env bash
# Encode throughput of SelfSpec.Tokenizers vs transformers.js (the pinned npm version the tests use), on the same
# ~10 MB of biomedical text, in the same run. Writes bench/results/tokenizers.md.
#
#   bench/tokenizers/run.sh              # 10 MB, warm-up + 1 timed pass per engine and tokenizer
#   MB=2 REPEATS=3 bench/tokenizers/run.sh
set -euo pipefail
repo="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
shared="${SELFSPEC_SHARED:-$repo/../shared}"
mb="${MB:-10}"
repeats="${REPEATS:-1}"
tokenizers="${TOKENIZERS:-gpt2 llama3 llama2}"
work="$repo/.selfspec/bench/tokenizers"
mkdir -p "$work" "$repo/bench/results"

corpus="$work/corpus-${mb}mb.txt"
[ -f "$corpus" ] || python3 bench/tokenizers/make_corpus.py "$shared/data" "$corpus" "$mb"

# transformers.js: the same folder and pinned package.json as the tests, under the same lock.
npmdir="$repo/.selfspec/npm/transformers-js"
mkdir -p "$npmdir"
(
  flock 9
  pkg="tests/SelfSpec.Tokenizers.Tests/node/package.json"
  if ! cmp -s "$pkg" "$npmdir/installed-package.json" || [ ! -d "$npmdir/node_modules/@huggingface/transformers" ]; then
    cp "$pkg" "$npmdir/package.json"
    (cd "$npmdir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
    cp "$pkg" "$npmdir/installed-package.json"
  fi
  cp tests/SelfSpec.Tokenizers.Tests/node/*.mjs "$npmdir/"
) 9>"$npmdir.lock"

dotnet build bench/tokenizers/TokenizerBench -c Release -nologo -v:q -clp:ErrorsOnly
ours_dll="bench/tokenizers/TokenizerBench/bin/Release/net10.0/TokenizerBench.dll"

rows="$work/rows.jsonl"
: > "$rows"
for t in $tokenizers; do
  dir="$shared/fixtures/tokenizers/$t"
  echo "== $t: SelfSpec.Tokenizers" >&2
  ours=$(dotnet "$ours_dll" "$dir" "$corpus" "$repeats")
  echo "== $t: transformers.js" >&2
  ref=$(node "$npmdir/bench.mjs" "$dir" "$corpus" "$repeats")
  echo "{\"tokenizer\": \"$t\", \"ours\": $ours, \"ref\": $ref}" >> "$rows"
done

python3 - "$rows" "$repo/bench/results/tokenizers.md" "$mb" "$repeats" "$(nproc)" "$(uptime)" \
  "$(node -e 'console.log(require(process.argv[1]).version)' "$npmdir/node_modules/@huggingface/transformers/package.json")" <<'PY'
import json, sys, datetime
rows_file, out, mb, repeats, cores, uptime, tjs = sys.argv[1:8]
rows = [json.loads(l) for l in open(rows_file)]
style = {"gpt2": "byte-level BPE (GPT-2 regex)", "llama3": "byte-level BPE (Llama-3 regex, ignore_merges)",
         "llama2": "SentencePiece BPE (Prepend/Replace normalizer, byte_fallback)"}
lines = [
    "# Tokenizer encode throughput: SelfSpec.Tokenizers vs transformers.js",
    "",
    f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC by `bench/tokenizers/run.sh` on this machine ({cores} cores; "
    f"load at the end: `{uptime.split('load average:')[-1].strip()}`; the machine was shared with other jobs, so absolute numbers are noisy, "
    "while the ratios come from the same run on the same text).",
    "",
    f"Text: {mb} MB of biomedical sentences (PubMedQA abstracts and BioASQ snippets from the shared data, shuffled into "
    "lines by `make_corpus.py`), encoded line by line without special tokens. Best of "
    f"{repeats} timed pass(es) after one warm-up pass. Reference: transformers.js {tjs} on Node {__import__('subprocess').run(['node','--version'],capture_output=True,text=True).stdout.strip()}, single-threaded "
    "(it has no parallel encode). Ours: `Tokenizer.Encode` per line on one thread, and `EncodeBatchToIds` over all lines on all cores.",
    "",
    "| tokenizer | style | tokens (ours = reference) | transformers.js MB/s | ours MB/s, 1 thread | ours MB/s, all threads | speed-up, 1 thread |",
    "|---|---|---|---:|---:|---:|---:|",
]
for r in rows:
    o, f = r["ours"], r["ref"]
    same = "yes" if o["tokens"] == f["tokens"] else f"**NO** ({f['tokens']})"
    lines.append(f"| {r['tokenizer']} | {style.get(r['tokenizer'], '')} | {o['tokens']:,} ({same}) | {f['mb_per_s']:.2f} | "
                 f"{o['mb_per_s_single']:.2f} | {o['mb_per_s_all']:.2f} ({o['threads']}) | {o['mb_per_s_single'] / f['mb_per_s']:.1f}x |")
lines += ["", "Goal: at least 3x transformers.js on one thread."]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
