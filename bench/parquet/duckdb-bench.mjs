// DuckDB side of the Parquet benchmark: the same source table, written with SNAPPY and read back into memory.
//   node duckdb-bench.mjs SOURCE.parquet WORKDIR OUT.json THREADS...
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [source, workDir, outJson, ...threadArgs] = process.argv.slice(2);
const threads = threadArgs.map(Number);
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const version = (await (await conn.run('SELECT version()')).getRows())[0][0];
const q = (s) => `'${s.replaceAll("'", "''")}'`;
await conn.run('SET preserve_insertion_order = true');
await conn.run(`CREATE TABLE src AS SELECT * FROM read_parquet(${q(source)})`);
const out = join(workDir, 'duck.parquet');

async function best(runs, fn) {
  let b = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    const s = (performance.now() - t0) / 1000;
    console.error(`  duckdb run ${i}: ${s.toFixed(2)} s`);
    b = Math.min(b, s);
  }
  return b;
}

const results = [];
for (const t of threads) {
  await conn.run(`SET threads = ${t}`);
  const w = await best(3, () => conn.run(`COPY src TO ${q(out)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`));
  results.push({ what: 'write', threads: t, seconds: w });
}
for (const t of threads) {
  await conn.run(`SET threads = ${t}`);
  const r = await best(3, async () => {
    await conn.run(`CREATE OR REPLACE TEMP TABLE back AS SELECT * FROM read_parquet(${q(out)})`);
  });
  results.push({ what: 'read', threads: t, seconds: r });
  await conn.run('DROP TABLE IF EXISTS back');
}
writeFileSync(outJson, JSON.stringify({ duckdb_version: version, results }, null, 1));
console.error(JSON.stringify(results));
