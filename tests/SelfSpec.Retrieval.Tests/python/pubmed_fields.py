# Independent reference for SelfSpec.Retrieval's PubMed XML reader, using Python's ElementTree.
#   python3 pubmed_fields.py FILE(.xml|.xml.gz)  -> one JSON object per change, in file order:
#   {"op":"upsert","pmid","title","abstract","journal","year","mesh"}  or  {"op":"delete","pmid"}
# Field rules: text of an element = all its descendant text (inline markup kept as text), stripped;
# labelled abstract sections are "LABEL: text", sections joined by "\n"; year = PubDate/Year, else the
# first 4-digit year in MedlineDate; mesh = MeshHeading/DescriptorName texts.
import gzip, json, re, sys
import xml.etree.ElementTree as ET

path = sys.argv[1]
opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
with opener(path, "rb") as f:
    root = ET.parse(f).getroot()

def text(e):
    return "".join(e.itertext()).strip() if e is not None else ""

def citation_record(c):
    art = c.find("Article")
    abstract = []
    if art is not None and art.find("Abstract") is not None:
        for s in art.find("Abstract").findall("AbstractText"):
            t = text(s)
            label = (s.get("Label") or "").strip()
            if not t and not label:
                continue
            abstract.append(t if not label else (label + ":" if not t else label + ": " + t))
    pd = art.find("Journal/JournalIssue/PubDate") if art is not None else None
    year = None
    if pd is not None:
        y = pd.find("Year")
        if y is not None and y.text and y.text.strip().isdigit():
            year = int(y.text.strip())
        elif pd.find("MedlineDate") is not None:
            m = re.search(r"\b(1[5-9]|20)\d\d\b", pd.find("MedlineDate").text or "")
            year = int(m.group(0)) if m else None
    return {
        "op": "upsert",
        "pmid": text(c.find("PMID")),
        "title": text(art.find("ArticleTitle")) if art is not None else "",
        "abstract": "\n".join(abstract),
        "journal": text(art.find("Journal/Title")) if art is not None else "",
        "year": year,
        "mesh": [text(h.find("DescriptorName")) for h in c.findall("MeshHeadingList/MeshHeading") if text(h.find("DescriptorName"))],
    }

for child in root:
    if child.tag == "PubmedArticle":
        print(json.dumps(citation_record(child.find("MedlineCitation"))))
    elif child.tag == "MedlineCitation":
        print(json.dumps(citation_record(child)))
    elif child.tag == "DeleteCitation":
        for p in child.findall("PMID"):
            print(json.dumps({"op": "delete", "pmid": text(p)}))
