#!/usr/bin/env node
// Offsets from the Hugging Face Rust tokenizers (npm binding), for the offset tests.
//   node offsets.cjs <tokenizer.json> < {"texts": [...]}
// stdout: [{"ids": [...], "offsets": [[start, end], ...]}, ...]; offsets count Unicode code points.
'use strict';
const fs = require('fs');
const { Tokenizer } = require('tokenizers');
(async () => {
  const tok = Tokenizer.fromFile(process.argv[2]);
  const { texts } = JSON.parse(fs.readFileSync(0, 'utf8'));
  const out = [];
  for (const text of texts) {
    const e = await tok.encode(text, null, { addSpecialTokens: false });
    out.push({ ids: e.getIds(), offsets: e.getOffsets() });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
