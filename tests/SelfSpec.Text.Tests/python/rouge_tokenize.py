# Reference for SelfSpec.Text.RougeTokenizer: rouge_score's tokenize.tokenize(text, stemmer) as published in
# google-research/rouge/tokenize.py (lower, [^a-z0-9]+ -> " ", split, NLTK Porter on tokens longer than 3,
# keep ^[a-z0-9]+$), with Debian's NLTK. One input line -> one output line of space-separated tokens.
import re, sys
from nltk.stem.porter import PorterStemmer

stemmer = PorterStemmer()
with open(sys.argv[1], encoding="utf-8") as f:
    lines = f.read().split("\n")
if lines and lines[-1] == "":
    lines.pop()
for text in lines:
    text = text.lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    tokens = re.split(r"\s+", text)
    tokens = [stemmer.stem(x) if len(x) > 3 else x for x in tokens]
    tokens = [x for x in tokens if re.match(r"^[a-z0-9]+$", x)]
    sys.stdout.write(" ".join(tokens) + "\n")
