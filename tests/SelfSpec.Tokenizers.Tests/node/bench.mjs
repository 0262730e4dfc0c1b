#!/usr/bin/env node
// Encode throughput of transformers.js on one text file, for bench/tokenizers/run.sh.
//   node bench.mjs <tokenizer dir> <text file> <repeats>
// The file is encoded line by line (as a batch of documents would be); prints JSON {mb_per_s, tokens, seconds}.
import fs from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';

const [dirArg, file, repeatsArg] = process.argv.slice(2);
const dir = path.resolve(dirArg);
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.dirname(dir) + path.sep;
env.useBrowserCache = false;
env.useFSCache = false;

const tok = await AutoTokenizer.from_pretrained(path.basename(dir), { local_files_only: true });
const text = fs.readFileSync(file, 'utf8');
const lines = text.split('\n');
const bytes = Buffer.byteLength(text, 'utf8');
let best = Infinity;
let tokens = 0;
// One warm-up pass, then the best of the timed passes.
for (let r = 0; r <= Number(repeatsArg ?? 2); r++) {
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (const line of lines) n += tok.encode(line, { add_special_tokens: false }).length;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r > 0) best = Math.min(best, s);
  tokens = n;
}
process.stdout.write(JSON.stringify({ mb_per_s: bytes / 1e6 / best, tokens, seconds: best, bytes }));
