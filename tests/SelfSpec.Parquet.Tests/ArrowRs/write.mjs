#!/usr/bin/env node
// Writes a Parquet file with arrow-rs (npm parquet-wasm) whose string column `s` starts with a handful of repeated
// values (dictionary encoded) and turns distinct after --distinct-from rows, so the writer falls back from the
// dictionary to its fallback encoding (DELTA_BYTE_ARRAY unless --fallback plain) inside the column chunk.
// Also writes FILE.json: the rows exactly as written, [{"id":…, "s":…, "tag":…, "n":…}, …].
// Run through the `arrow-rs-write` wrapper, which installs the pinned npm dependencies first.
import fs from 'node:fs'
import { Table as ArrowTable, vectorFromArray, Utf8, Int32, tableToIPC } from 'apache-arrow'
import * as pw from 'parquet-wasm/node'

const USAGE = `usage: arrow-rs-write --output FILE.parquet [options]
  --rows N                        rows (default 10000)
  --seed N                        data seed (default 1)
  --distinct-from N               row from which the strings of s are distinct (default rows/2)
  --null-every N                  every Nth row has s = null and n = null (0 = none; default 7)
  --long-every N                  every Nth distinct string is long, 2..70 KB (0 = none; default 50)
  --writer-version 1|2            1: DATA_PAGE v1, 2: DATA_PAGE_V2 (default 2)
  --fallback delta|plain          fallback encoding of the string columns (default delta = DELTA_BYTE_ARRAY)
  --dictionary-page-size-limit B  (default arrow-rs's 1 MiB)
  --data-page-size-limit B        (default arrow-rs's 1 MiB)
  --write-batch-size N            values per write batch: how often page and dictionary sizes are checked (default 1024)
  --max-row-group-size N          (default arrow-rs's 1M rows)
  --compression C                 uncompressed|snappy|gzip|zstd (default snappy)`

const opt = { rows: 10000, seed: 1, distinctFrom: null, nullEvery: 7, longEvery: 50, writerVersion: 2, fallback: 'delta',
  dictLimit: null, pageLimit: null, batch: null, rowGroup: null, compression: 'snappy', output: null }
const args = process.argv.slice(2)
for (let i = 0; i < args.length; i++) {
  const a = args[i], v = () => { if (i + 1 >= args.length) fail(`${a} needs a value`); return args[++i] }
  const int = () => { const n = Number(v()); if (!Number.isInteger(n) || n < 0) fail(`${a} needs a non-negative integer`); return n }
  switch (a) {
    case '--output': opt.output = v(); break
    case '--rows': opt.rows = int(); break
    case '--seed': opt.seed = int(); break
    case '--distinct-from': opt.distinctFrom = int(); break
    case '--null-every': opt.nullEvery = int(); break
    case '--long-every': opt.longEvery = int(); break
    case '--writer-version': opt.writerVersion = int(); break
    case '--fallback': opt.fallback = v(); break
    case '--dictionary-page-size-limit': opt.dictLimit = int(); break
    case '--data-page-size-limit': opt.pageLimit = int(); break
    case '--write-batch-size': opt.batch = int(); break
    case '--max-row-group-size': opt.rowGroup = int(); break
    case '--compression': opt.compression = v(); break
    case '-h': case '--help': console.log(USAGE); process.exit(0)
    default: fail(`unknown option ${a}`)
  }
}
if (!opt.output) fail('--output is required')
if (![1, 2].includes(opt.writerVersion)) fail('--writer-version must be 1 or 2')
if (!['delta', 'plain'].includes(opt.fallback)) fail('--fallback must be delta or plain')
const codec = { uncompressed: pw.Compression.UNCOMPRESSED, snappy: pw.Compression.SNAPPY, gzip: pw.Compression.GZIP, zstd: pw.Compression.ZSTD }[opt.compression]
if (codec === undefined) fail(`unknown --compression ${opt.compression}`)
const distinctFrom = opt.distinctFrom ?? Math.floor(opt.rows / 2)

// mulberry32: a small deterministic PRNG, so a seed always gives the same file.
let state = opt.seed >>> 0
const rand = () => { state = (state + 0x6d2b79f5) >>> 0; let t = state; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296 }
const pick = xs => xs[Math.floor(rand() * xs.length)]
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'épsilon', 'zeta', 'η', '日本語', 'emoji 🚀', '']
const TAGS = ['qa', 'summarize', 'classify', 'extract']

function longString(k) {
  const len = 2000 + Math.floor(rand() * 68000)
  const unit = `${pick(WORDS)} ${k} `
  // Cut by code points, never inside a surrogate pair (the emoji).
  return Array.from(unit.repeat(Math.ceil(len / unit.length))).slice(0, len).join('')
}

const ids = [], s = [], tags = [], n = []
let distinct = 0
for (let i = 0; i < opt.rows; i++) {
  ids.push(i)
  tags.push(pick(TAGS))
  const isNull = opt.nullEvery > 0 && i % opt.nullEvery === opt.nullEvery - 1
  n.push(isNull ? null : Math.floor(rand() * 2000000) - 1000000)
  if (isNull) s.push(null)
  else if (i < distinctFrom) s.push(pick(WORDS))
  else {
    distinct++
    // Shared prefixes exercise DELTA_BYTE_ARRAY's prefix lengths.
    s.push(opt.longEvery > 0 && distinct % opt.longEvery === 0 ? longString(i) : `pmid:${String(i).padStart(8, '0')}:${pick(WORDS)}:${Math.floor(rand() * 1e9)}`)
  }
}

const table = new ArrowTable({
  id: vectorFromArray(ids, new Int32()),
  s: vectorFromArray(s, new Utf8()),
  tag: vectorFromArray(tags, new Utf8()),
  n: vectorFromArray(n, new Int32()),
})
const fallback = opt.fallback === 'delta' ? pw.Encoding.DELTA_BYTE_ARRAY : pw.Encoding.PLAIN
let props = new pw.WriterPropertiesBuilder()
  .setWriterVersion(opt.writerVersion === 2 ? pw.WriterVersion.V2 : pw.WriterVersion.V1)
  .setCompression(codec)
  .setDictionaryEnabled(true)
  .setColumnEncoding('s', fallback)
  .setColumnEncoding('tag', fallback)
if (opt.dictLimit !== null) props = props.setDictionaryPageSizeLimit(opt.dictLimit)
if (opt.pageLimit !== null) props = props.setDataPageSizeLimit(opt.pageLimit)
if (opt.batch !== null) props = props.setWriteBatchSize(opt.batch)
if (opt.rowGroup !== null) props = props.setMaxRowGroupSize(opt.rowGroup)

const bytes = pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(table, 'stream')), props.build())
fs.writeFileSync(opt.output, bytes)
fs.writeFileSync(opt.output + '.json', JSON.stringify(ids.map((id, i) => ({ id, s: s[i], tag: tags[i], n: n[i] }))))

function fail(msg) { process.stderr.write(`arrow-rs-write: ${msg}\n${USAGE}\n`); process.exit(1) }
