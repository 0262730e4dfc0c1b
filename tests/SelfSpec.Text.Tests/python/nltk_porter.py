# Reference for SelfSpec.Text: NLTK's PorterStemmer (default NLTK_EXTENSIONS mode) on one word per line.
#   python3 nltk_porter.py INPUT_FILE  -> one stem per line
import sys
from nltk.stem.porter import PorterStemmer

stemmer = PorterStemmer()
with open(sys.argv[1], encoding="utf-8") as f:
    words = f.read().split("\n")
if words and words[-1] == "":
    words.pop()
out = sys.stdout
for w in words:
    out.write(stemmer.stem(w) + "\n")
