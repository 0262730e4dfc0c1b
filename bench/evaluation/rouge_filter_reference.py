"""Reference for the benchmark: the Alpaca novelty filter as stanford_alpaca's generate_instruction.py runs it,
with rouge_score's DefaultTokenizer (lowercase, [^a-z0-9]+ -> space, no stemming) and _score_lcs (O(mn) table),
written from the published algorithm (rouge_score itself is not installable here). Single process.
Usage: rouge_filter_reference.py SEEDS CANDIDATES THRESHOLD"""
import re, sys, time

NON_ALNUM = re.compile(r"[^a-z0-9]+")
SPACES = re.compile(r"\s+")
VALID = re.compile(r"^[a-z0-9]+$")

def tokenize(text):
    text = NON_ALNUM.sub(" ", text.lower())
    return [t for t in SPACES.split(text) if VALID.match(t)]

def lcs_table(ref, can):
    rows, cols = len(ref), len(can)
    lcs = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            if ref[i - 1] == can[j - 1]:
                lcs[i][j] = lcs[i - 1][j - 1] + 1
            else:
                lcs[i][j] = max(lcs[i - 1][j], lcs[i][j - 1])
    return lcs[-1][-1]

def score_lcs(target, prediction):
    if not target or not prediction:
        return 0.0
    l = lcs_table(target, prediction)
    p, r = l / len(prediction), l / len(target)
    return 2 * p * r / (p + r) if p + r > 0 else 0.0

seeds = [l for l in open(sys.argv[1], encoding="utf-8").read().split("\n") if l]
cands = [l for l in open(sys.argv[2], encoding="utf-8").read().split("\n") if l]
threshold = float(sys.argv[3])
start = time.perf_counter()
pool = [tokenize(s) for s in seeds]
kept = checksum = 0
for i, c in enumerate(cands):
    toks = tokenize(c)
    if max((score_lcs(t, toks) for t in pool), default=0.0) > threshold:
        continue
    pool.append(toks)
    kept += 1
    checksum += i
print(f"kept={kept} seconds={time.perf_counter() - start:.3f} checksum={checksum}")
