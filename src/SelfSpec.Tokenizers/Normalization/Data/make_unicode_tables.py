#!/usr/bin/env python3
"""Writes unicode-normalization.bin.gz, the tables UnicodeNormalizer needs (the runtime runs with invariant
globalization, so string.Normalize cannot be used). Data comes from Python's unicodedata module.

Format, little-endian, gzip-compressed:
  u8  unicode version string length, then the ASCII version string
  i32 n, then n x (i32 code point, u8 canonical combining class)                     -- ccc != 0 only
  i32 n, then n x (i32 code point, u8 compat flag, u8 length, length x i32 code point) -- one-level decompositions
  i32 n, then n x (i32 first, i32 second, i32 composite)                            -- primary composites
Usage: python3 make_unicode_tables.py   (run from this folder)
"""
import gzip, struct, sys, unicodedata

out = bytearray()
version = unicodedata.unidata_version.encode()
out += struct.pack("<B", len(version)) + version

ccc = [(cp, unicodedata.combining(chr(cp))) for cp in range(0x110000) if unicodedata.combining(chr(cp))]
out += struct.pack("<i", len(ccc))
for cp, c in ccc:
    out += struct.pack("<iB", cp, c)

decomps, composites = [], []
for cp in range(0x110000):
    if 0xAC00 <= cp <= 0xD7A3:
        continue  # Hangul syllables are algorithmic
    d = unicodedata.decomposition(chr(cp))
    if not d:
        continue
    compat = d.startswith("<")
    parts = [int(x, 16) for x in (d.split(">", 1)[1] if compat else d).split()]
    decomps.append((cp, compat, parts))
    # A primary composite: a canonical pair that NFC recomposes (composition exclusions and singletons fail this).
    if not compat and len(parts) == 2 and unicodedata.normalize("NFC", chr(parts[0]) + chr(parts[1])) == chr(cp):
        composites.append((parts[0], parts[1], cp))

out += struct.pack("<i", len(decomps))
for cp, compat, parts in decomps:
    out += struct.pack("<iBB", cp, 1 if compat else 0, len(parts)) + b"".join(struct.pack("<i", p) for p in parts)
out += struct.pack("<i", len(composites))
for a, b, c in composites:
    out += struct.pack("<iii", a, b, c)

with open("unicode-normalization.bin.gz", "wb") as f:
    f.write(gzip.compress(bytes(out), mtime=0))
print(f"Unicode {unicodedata.unidata_version}: {len(ccc)} ccc, {len(decomps)} decompositions, {len(composites)} composites", file=sys.stderr)
