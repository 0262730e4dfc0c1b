#!/usr/bin/env node
// Reference encoder for the tests and the benchmark: transformers.js on a local tokenizer folder.
//   node encode.mjs <tokenizer dir> < request.json
// request: {"texts": ["...", ...]}
// stdout: [{"ids": [...], "ids_with_special": [...], "decoded": "...", "decoded_skip_special": "..."}, ...]
// decoded: decode(ids) keeping special tokens; decoded_skip_special: decode(ids_with_special) skipping them.
import fs from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';

const dir = path.resolve(process.argv[2]);
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.dirname(dir) + path.sep;
env.useBrowserCache = false;
env.useFSCache = false;

const tok = await AutoTokenizer.from_pretrained(path.basename(dir), { local_files_only: true });
const { texts } = JSON.parse(fs.readFileSync(0, 'utf8'));
const out = texts.map((text) => {
  const ids = tok.encode(text, { add_special_tokens: false });
  const withSpecial = tok.encode(text);
  return {
    ids,
    ids_with_special: withSpecial,
    decoded: ids.length ? tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false }) : '',
    decoded_skip_special: withSpecial.length ? tok.decode(withSpecial, { skip_special_tokens: true, clean_up_tokenization_spaces: false }) : '',
  };
});
process.stdout.write(JSON.stringify(out));
