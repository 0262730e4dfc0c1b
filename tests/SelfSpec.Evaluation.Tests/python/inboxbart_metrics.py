# Independent reference for SelfSpec.Evaluation's BoX convention: In-BoXBART's evaluation (scripts/evaluation.py,
# Mihir3009/In-BoXBART @ 099d413), written from its description in ../shared/docs/algorithms.md §2-§3, with Debian's NLTK.
#   - normalise: lower; delete ASCII string.punctuation; \b(a|an|the)\b -> ' '; ' '.join(split())
#   - token F1 (multiset overlap, 0 when nothing overlaps) and exact match of the normalised strings
#   - ROUGE-L F as rouge_score computes it with use_stemmer=True (lower, [^a-z0-9]+ -> ' ', NLTK Porter on tokens
#     longer than 3 characters, LCS)
#   - every gold string is split with str(gold).split(', '); EM, F1 and ROUGE-L each take the max over the parts
#     (a source with several gold strings, e.g. BioASQ synonyms: the max over the parts of all of them)
# stdin: JSON [{"prediction": str, "gold": [str, ...]}, ...]; stdout: JSON [{"em": 0|1, "f1": x, "rougeL": x}, ...]
import json
import re
import string
import sys
from collections import Counter

from nltk.stem.porter import PorterStemmer

PUNCT = set(string.punctuation)
ARTICLES = re.compile(r"\b(a|an|the)\b")
STEMMER = PorterStemmer()


def normalise(text):
    text = "".join(ch for ch in text.lower() if ch not in PUNCT)
    return " ".join(ARTICLES.sub(" ", text).split())


def exact(prediction, gold):
    return normalise(prediction) == normalise(gold)


def token_f1(prediction, gold):
    p, g = normalise(prediction).split(), normalise(gold).split()
    overlap = sum((Counter(p) & Counter(g)).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(p), overlap / len(g)
    return 2 * precision * recall / (precision + recall)


def rouge_tokens(text):
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    words = [STEMMER.stem(w) if len(w) > 3 else w for w in words]
    return [w for w in words if re.fullmatch(r"[a-z0-9]+", w)]


def lcs_length(a, b):
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(prediction, gold):
    p, g = rouge_tokens(prediction), rouge_tokens(gold)
    if not p or not g:
        return 0.0
    common = lcs_length(g, p)
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def score(case):
    prediction = case["prediction"]
    parts = [part for gold in case["gold"] for part in str(gold).split(", ")]
    return {
        "em": int(max(exact(prediction, r) for r in parts)),
        "f1": max(token_f1(prediction, r) for r in parts),
        "rougeL": max(rouge_l(prediction, r) for r in parts),
    }


json.dump([score(c) for c in json.load(sys.stdin)], sys.stdout)
