#!/usr/bin/env python3
"""Builds ~10 MB of biomedical text for the tokenizer benchmark from the shared PubMedQA and BioASQ samples.

Sentences of real abstracts and snippets are shuffled (fixed seed) into lines of 3-12 sentences until the target
size is reached, so both tokenizers see realistic biomedical vocabulary, numbers, units and punctuation.
Usage: make_corpus.py <shared data dir> <output file> [megabytes]
"""
import json, random, re, sys

data, out = sys.argv[1], sys.argv[2]
target = int(float(sys.argv[3] if len(sys.argv) > 3 else 10) * 1_000_000)
texts = []
for rec in json.load(open(f"{data}/pubmedqa/ori_pqal.json", encoding="utf-8")).values():
    texts.extend(rec["CONTEXTS"])
    texts.append(rec["LONG_ANSWER"])
    texts.append(rec["QUESTION"])
for q in json.load(open(f"{data}/bioasq/bioasq8b_sample.json", encoding="utf-8"))["questions"]:
    texts.append(q["body"])
    texts.extend(s["text"] for s in q.get("snippets", []))
sentences = [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t.replace("\n", " ")) if s.strip()]
rng = random.Random(20261121)
size, lines = 0, []
while size < target:
    line = " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 12)))
    lines.append(line)
    size += len(line.encode("utf-8")) + 1
with open(out, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
print(f"{out}: {size / 1e6:.1f} MB, {len(lines)} lines, {len(set(sentences))} distinct sentences")
