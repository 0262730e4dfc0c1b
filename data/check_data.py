#!/usr/bin/env python3
"""Checks the demo data in data/: JSON shape, unique ids, counts and format rules.

Usage: python3 data/check_data.py   (exit code 0 when everything passes)
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
HALLMARKS = {"Sustaining proliferative signaling", "Resisting cell death", "Genomic instability and mutation",
             "Activating invasion and metastasis", "Tumor promoting inflammation", "Evading growth suppressors",
             "Inducing angiogenesis", "Enabling replicative immortality", "Avoiding immune destruction",
             "Cellular energetics"}
NER_ITEM = re.compile(r"^(.+?) <([A-Za-z_\-]+)>$")
errors = []

def err(msg): errors.append(msg)

def load(path, fields):
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            err(f"{path.name}:{n}: not JSON ({e})"); continue
        if set(obj) != set(fields):
            err(f"{path.name}:{n}: fields {sorted(obj)} != {sorted(fields)}")
        rows.append(obj)
    return rows

def check_answer(where, family, task, inp, out):
    if family == "ner":
        pos = 0  # entities must occur in the input, in order of appearance
        for item in out.split(", "):
            m = NER_ITEM.match(item)
            if not m: err(f"{where}: bad NER item {item!r}"); continue
            at = inp.find(m.group(1), pos)
            if at < 0: err(f"{where}: entity {m.group(1)!r} not in input (after position {pos})"); continue
            pos = at + len(m.group(1))
    if task in ("HoC",):
        for h in out.split(", "):
            if h not in HALLMARKS: err(f"{where}: unknown hallmark {h!r}")
    if task == "DDI":
        if out not in ("true", "false"): err(f"{where}: DDI label {out!r}")
        if not re.match(r"^Context: .+ Drug_1: .+ Drug_2: .+$", inp): err(f"{where}: DDI input format")
    if task in ("Medical_Drugs", "Medical-Drugs"):
        if out not in ("Positive", "Negative", "Neutral"): err(f"{where}: sentiment label {out!r}")
        if not inp.endswith(" \n Option1: Neutral Option2: Positive Option3: Negative") or " \n Drug: " not in inp:
            err(f"{where}: Medical_Drugs input format")
    if task.startswith("BioASQ") and not (inp.startswith("Context: ") and " \n Question: " in inp):
        err(f"{where}: BioASQ input format")
    if task.endswith("yesno") and out not in ("yes", "no"): err(f"{where}: yes/no label {out!r}")
    if task in ("PubMed", "PubMedQA") and not (inp.startswith("Context1: ") and " \n Question: " in inp):
        err(f"{where}: PubMedQA input format")

# seeds
seeds = load(ROOT / "seeds/biomedical_seeds.jsonl", ["id", "task", "task_family", "instruction", "input", "output"])
if len({s["id"] for s in seeds}) != len(seeds): err("seeds: duplicate ids")
for s in seeds:
    if not s["instruction"].strip() or not s["output"].strip(): err(f"{s['id']}: empty instruction/output")
    check_answer(s["id"], s["task_family"], s["task"], s["input"], s["output"])

# eval
ev = load(ROOT / "eval/demo_eval.jsonl", ["dataset", "task_family", "id", "instruction", "input", "references"])
if len({e["id"] for e in ev}) != len(ev): err("eval: duplicate ids")
per = {}
for e in ev:
    per[e["dataset"]] = per.get(e["dataset"], 0) + 1
    if not isinstance(e["references"], list) or not e["references"]: err(f"{e['id']}: references must be a non-empty list")
    for r in e["references"]:
        check_answer(e["id"], e["task_family"], e["dataset"], e["input"], r)
seed_inputs = {s["input"] for s in seeds}
for e in ev:
    if e["input"] in seed_inputs: err(f"{e['id']}: input also used by a seed")

# corpus
docs = load(ROOT / "corpus/demo_abstracts.jsonl", ["pmid", "title", "abstract", "journal", "year", "mesh_terms"])
pmids = [d["pmid"] for d in docs]
if len(set(pmids)) != len(pmids): err("corpus: duplicate pmids")
words = []
for d in docs:
    if not re.fullmatch(r"91\d{5}", d["pmid"]): err(f"{d['pmid']}: pmid outside the 91xxxxx demo range")
    if not isinstance(d["year"], int): err(f"{d['pmid']}: year not int")
    if not (isinstance(d["mesh_terms"], list) and d["mesh_terms"]): err(f"{d['pmid']}: mesh_terms")
    w = len(d["abstract"].split()); words.append(w)
    if not 80 <= w <= 160: err(f"{d['pmid']}: abstract has {w} words (want 80-160)")
titles = [d["title"] for d in docs]
if len(set(titles)) != len(titles): err("corpus: duplicate titles")

print(f"seeds: {len(seeds)}  eval: {len(ev)} {per}  corpus: {len(docs)} abstracts, "
      f"{min(words) if words else 0}-{max(words) if words else 0} words (mean {sum(words)/max(1,len(words)):.0f})")
for e in errors: print("ERROR", e)
sys.exit(1 if errors else 0)
