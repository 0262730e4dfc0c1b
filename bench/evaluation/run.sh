#!/usr/bin/env bash
# ROUGE-L novelty filter: SelfSpec.Evaluation's RougeLPool vs a Python rouge_score-equivalent reference, same inputs,
# same run. Inputs: 32 BoX task definitions as seeds; candidates are sentences of the PubMedQA PQA-L contexts (real
# biomedical text, ~25 tokens each). Writes bench/results/evaluation.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="${SELFSPEC_SHARED:-$repo/../shared}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
N_REF="${N_REF:-400}"       # candidates for the (slow) Python reference
N_BIG="${N_BIG:-5000}"      # candidates for our implementation alone

/usr/bin/python3 - "$shared" "$work" <<'PY'
import json, re, sys
shared, work = sys.argv[1], sys.argv[2]
box = json.load(open(f"{shared}/data/box/BoX_instructions.json"))
open(f"{work}/seeds.txt", "w").write("\n".join(" ".join(v["Definition:"].split()) for v in box.values()))
pq = json.load(open(f"{shared}/data/pubmedqa/ori_pqal.json"))
sents = []
for v in pq.values():
    for c in v["CONTEXTS"]:
        sents += [s.strip() for s in re.split(r"(?<=[.!?])\s+", c) if len(s.split()) >= 4]
open(f"{work}/candidates.txt", "w").write("\n".join(sents))
PY
head -n "$N_REF" "$work/candidates.txt" > "$work/cand_small.txt"
head -n "$N_BIG" "$work/candidates.txt" > "$work/cand_big.txt"

dotnet build "$here/RougeFilterBench" -c Release -o "$work/bin" -v q -nologo >/dev/null
ours() { dotnet "$work/bin/RougeFilterBench.dll" "$work/seeds.txt" "$1" 0.7 "$2"; }
field() { sed -E "s/.*$1=([^ ]+).*/\1/"; }

ref_small=$(/usr/bin/python3 "$here/rouge_filter_reference.py" "$work/seeds.txt" "$work/cand_small.txt" 0.7)
ours_small_1=$(ours "$work/cand_small.txt" 1)
ours_big_1=$(ours "$work/cand_big.txt" 1)
ours_big_2=$(ours "$work/cand_big.txt" 2)

if [ "$(echo "$ref_small" | field kept) $(echo "$ref_small" | field checksum)" != "$(echo "$ours_small_1" | field kept) $(echo "$ours_small_1" | field checksum)" ]; then
  echo "MISMATCH: reference '$ref_small' vs ours '$ours_small_1'" >&2; exit 1
fi
rs=$(echo "$ref_small" | field seconds); os=$(echo "$ours_small_1" | field seconds)
ratio=$(awk -v a="$rs" -v b="$os" 'BEGIN{ printf "%.0f", (b > 0 ? a / b : 0) }')
mkdir -p "$repo/bench/results"
cat > "$repo/bench/results/evaluation.md" <<MD
# ROUGE-L novelty filter (Alpaca: keep iff max ROUGE-L F vs seeds + kept ≤ 0.7)

Run: $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(uname -m)), load average $(cut -d' ' -f1 /proc/loadavg) (shared machine).
Seeds: 32 BoX task definitions. Candidates: PubMedQA PQA-L context sentences, in file order.
Reference: Python rouge_score-equivalent tokenizer + \`_score_lcs\` (O(mn) table), single process, \`/usr/bin/python3\`.
Ours: \`RougeLPool.TryAddIfNovel\` (token ids, bit-parallel LCS, length bound, early exit; parallel over the pool above 2,048 entries).

| candidates | implementation | threads | kept | seconds |
|---:|---|---:|---:|---:|
| $N_REF | Python reference | 1 | $(echo "$ref_small" | field kept) | $rs |
| $N_REF | SelfSpec RougeLPool | 1 | $(echo "$ours_small_1" | field kept) | $os |
| $N_BIG | SelfSpec RougeLPool | 1 | $(echo "$ours_big_1" | field kept) | $(echo "$ours_big_1" | field seconds) |
| $N_BIG | SelfSpec RougeLPool | 2 | $(echo "$ours_big_2" | field kept) | $(echo "$ours_big_2" | field seconds) |

Same kept set as the reference on the $N_REF-candidate run (kept count and checksum of kept positions equal).
Speed-up over the reference at $N_REF candidates: ${ratio}×.
MD
cat "$repo/bench/results/evaluation.md"
