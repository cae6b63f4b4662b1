// Writes a synthetic dataset shaped like `cqt export`'s (the columns training reads, as DuckDB
// types them) to Parquet, for the train and model command tests.
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_FEATURES } from '../datasetFile.js';
import { gaussian, prng } from './synthetic.js';

export interface FixtureOptions {
  rows: number;
  seed?: number;
  /** First t0 (epoch ms) and the step between rows. */
  startMs?: number;
  stepSec?: number;
  horizonSec?: number;
  /** How strongly ret_60s and book_imbalance decide the label (0: labels are noise). */
  signal?: number;
  /** Columns to leave out (a broken file). */
  drop?: string[];
}

export async function writeDatasetFixture(path: string, options: FixtureOptions): Promise<void> {
  const { rows, seed = 1, startMs = Date.UTC(2026, 10, 23), stepSec = 5, horizonSec = 120, signal = 1.5, drop = [] } = options;
  const normal = gaussian(prng(seed));
  const rand = prng(seed + 7);
  const types: Array<[string, string]> = [
    ['symbol', 'VARCHAR'],
    ['ts', 'TIMESTAMPTZ'],
    ...DEFAULT_FEATURES.map((name): [string, string] => [name, 'DOUBLE']),
    ['horizon_sec', 'INTEGER'],
    ['label', 'VARCHAR'],
    ['label_status', 'VARCHAR'],
    ['label_ts', 'TIMESTAMPTZ'],
    ['ret_h', 'DOUBLE'],
  ];
  const columns: Record<string, { type: string; values: unknown[] }> = Object.fromEntries(types.map(([name, type]) => [name, { type, values: [] }]));
  const put = (name: string, _type: string, value: unknown) => columns[name].values.push(value);
  for (let i = 0; i < rows; i++) {
    const t0 = startMs + i * stepSec * 1000;
    const f = Object.fromEntries(DEFAULT_FEATURES.map((name) => [name, normal()]));
    f.sigma = 2e-4 * Math.exp(0.2 * normal());
    f.r_t_used = 0.002;
    f.cost_roundtrip_est = 0.0012;
    const up = signal * (f.ret_60s + f.book_imbalance);
    const down = -up;
    const e = [Math.exp(up), Math.exp(down), Math.exp(0.5)];
    const u = rand() * (e[0] + e[1] + e[2]);
    const label = u < e[0] ? 'UP' : u < e[0] + e[1] ? 'DOWN' : 'NONE';
    put('symbol', 'VARCHAR', 'KRW-BTC');
    put('ts', 'TIMESTAMPTZ', t0);
    for (const name of DEFAULT_FEATURES) put(name, 'DOUBLE', f[name]);
    put('horizon_sec', 'INTEGER', horizonSec);
    put('label', 'VARCHAR', label);
    put('label_status', 'VARCHAR', 'complete');
    put('label_ts', 'TIMESTAMPTZ', t0 + horizonSec * 1000);
    put('ret_h', 'DOUBLE', f.sigma * Math.sqrt(horizonSec) * normal());
  }
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    const names = Object.keys(columns).filter((c) => !drop.includes(c));
    await conn.run(`CREATE TABLE d (${names.map((c) => `"${c}" ${columns[c].type}`).join(', ')})`);
    const literal = (type: string, v: unknown) =>
      type === 'VARCHAR' ? `'${String(v)}'` : type === 'TIMESTAMPTZ' ? `make_timestamp(${Number(v) * 1000})::TIMESTAMPTZ` : String(v);
    const batch = 500;
    for (let from = 0; from < rows; from += batch) {
      const values = [];
      for (let i = from; i < Math.min(rows, from + batch); i++) values.push(`(${names.map((c) => literal(columns[c].type, columns[c].values[i])).join(', ')})`);
      await conn.run(`INSERT INTO d VALUES ${values.join(', ')}`);
    }
    await conn.run(`COPY d TO '${path.replace(/'/g, "''")}' (FORMAT parquet)`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
