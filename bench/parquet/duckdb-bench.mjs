// DuckDB side of the Parquet benchmark: the same source table, written with SNAPPY and read back into memory.
//   node duckdb-bench.mjs SOURCE.parquet WORKDIR OUT.json THREADS...
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
  let b = null;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const s = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    console.error(`  duckdb run ${i}: ${s.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU`);
    if (b === null || s < b.seconds) b = { seconds: s, cpu_seconds: cpu };
  }
  return b;
}

const results = [];
for (const t of threads) {
  await conn.run(`SET threads = ${t}`);
  const w = await best(3, () => conn.run(`COPY src TO ${q(out)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`));
  results.push({ what: 'write', threads: t, ...w });
}
for (const t of threads) {
  await conn.run(`SET threads = ${t}`);
  const r = await best(3, async () => {
    await conn.run(`CREATE OR REPLACE TEMP TABLE back AS SELECT * FROM read_parquet(${q(out)})`);
  });
  results.push({ what: 'read', threads: t, ...r });
  await conn.run('DROP TABLE IF EXISTS back');
}
const nodeApi = JSON.parse(readFileSync(new URL('./node_modules/@duckdb/node-api/package.json', import.meta.url))).version;
const previous = existsSync(outJson) ? JSON.parse(readFileSync(outJson, 'utf8')).results : [];
writeFileSync(outJson, JSON.stringify({ duckdb_version: version, node_api: nodeApi, results: [...previous, ...results] }, null, 1));
console.error(JSON.stringify(results));
