// `cqt check dataset` on files written by `cqt export` (through the built binary, as CI runs it
// after an export): a fresh export passes, plain, with raw columns and partitioned by date; each
// rule has a bad file, derived from the good one with DuckDB, that fails it and only it; a missing,
// non-Parquet or truncated file is one error line with a hint and exit 2.
import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCqt } from '@cqt/test-support/cqt';
import type { TestDatabase } from '@cqt/test-support/pg';
import { insert, seededDatabase } from '@cqt/test-support/seed';
import { seed as seedMarket, syntheticMarket, SYMBOL } from '@cqt/test-support/syntheticMarket';
import { tempDir } from '@cqt/test-support/tmp';
import { run } from '../index.js';

const FROM = Date.UTC(2026, 10, 20, 0, 0, 0);
const TO = FROM + 30 * 60_000;
const H = 120;

let pg: TestDatabase;
const dir = tempDir('cqt-check-dataset-');
const good = join(dir.path, 'good.parquet');
const raw = join(dir.path, 'raw.parquet');
const parts = join(dir.path, 'parts');
const lake = join(dir.path, 'lake');

function exportTo(out: string, ...more: string[]): void {
  const range = ['--from', new Date(FROM).toISOString(), '--to', new Date(TO).toISOString(), '--as-of', new Date(TO + 60_000).toISOString()];
  const r = runCqt(['export', '--out', out, ...range, '--horizon', `${H}s`, '--database-url', pg.url, '--json', ...more]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

/** A copy of `from` changed by a SELECT over its rows (`g`), written with DuckDB. */
async function derive(name: string, from: string, select: string): Promise<string> {
  const out = join(dir.path, `${name}.parquet`);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    await conn.run(`CREATE TABLE g AS SELECT * FROM read_parquet('${from}')`);
    await conn.run(`COPY (${select}) TO '${out}' (FORMAT parquet)`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return out;
}

beforeAll(async () => {
  pg = await seededDatabase(async (db) => {
    await seedMarket(db, syntheticMarket(11, FROM - 10 * 60_000, TO + 5 * 60_000));
    const snapshots = [];
    const predictions = [];
    for (let t = FROM; t <= TO; t += 5000) {
      snapshots.push({ symbol: SYMBOL, ts: new Date(t), midKrw: 1.4e8, liq5mNotional: 0, rT: 0.0004, inputsMaxRecvTs: new Date(t - 400) });
      predictions.push({ symbol: SYMBOL, ts: new Date(t), horizonSec: H, rT: 0.0004 });
    }
    await insert(db, 'feature_snapshots', snapshots);
    await insert(db, 'predictions', predictions);
  });
  exportTo(good);
  exportTo(raw, '--with-raw');
  exportTo(parts, '--with-raw', '--partition-by', 'date');
  exportTo(lake, '--with-raw', '--partition-by', 'symbol,date');
}, 180_000);

afterAll(async () => {
  await pg?.drop();
  dir.remove();
});

const failing = (report: Awaited<ReturnType<typeof run>>) => report.items.filter((i) => i.status === 'fail').map((i) => i.name);

describe('cqt check dataset', () => {
  it('passes a fresh export, plain, with raw columns, partitioned by date and by symbol and date (exit 0)', async () => {
    for (const file of [good, raw, parts, lake]) {
      const r = runCqt(['check', 'dataset', file, '--json']);
      expect({ file, stderr: r.stderr, code: r.code }).toEqual({ file, stderr: '', code: 0 });
      const report = JSON.parse(r.stdout);
      expect(report.check).toBe('dataset');
      expect(report.overall).toBe('pass');
      expect(report.items.find((i: { name: string }) => i.name === 'dataset.rows').observed).toBeGreaterThan(200);
    }
    const human = runCqt(['check', 'dataset', good]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/dataset\.label_ts\s+PASS/);
    expect(human.stdout).toMatch(/dataset\.raw_ts\s+SKIP/);
    expect(human.stdout).toMatch(/OVERALL PASS/);
  });

  const oneRow = `(SELECT min(ts) FROM g WHERE touch_ts IS NOT NULL)`;
  const bad: Array<[string, string, string, string[]]> = [
    ['label before t0 + H', good, `SELECT * REPLACE (CASE WHEN ts = ${oneRow} THEN label_ts - INTERVAL 1 SECOND ELSE label_ts END AS label_ts) FROM g`, ['dataset.label_ts']],
    ['input received after t0', good, `SELECT * REPLACE (CASE WHEN ts = ${oneRow} THEN ts + INTERVAL 1 MILLISECOND ELSE inputs_max_recv_ts END AS inputs_max_recv_ts) FROM g`, ['dataset.inputs_max_recv_ts']],
    ['a duplicate key', good, `SELECT * FROM g UNION ALL (SELECT * FROM g WHERE ts = ${oneRow})`, ['dataset.duplicate_keys']],
    ['a touch after label_ts', good, `SELECT * REPLACE (CASE WHEN ts = ${oneRow} THEN label_ts + INTERVAL 1 SECOND ELSE touch_ts END AS touch_ts) FROM g`, ['dataset.touch_ts']],
    ['a raw row after t0', raw, `SELECT * REPLACE (CASE WHEN ts = ${oneRow} THEN ts + INTERVAL 1 SECOND ELSE raw_mark_ts END AS raw_mark_ts) FROM g`, ['dataset.raw_ts']],
    ['a missing column', good, `SELECT * EXCLUDE (ret_h) FROM g`, ['dataset.columns']],
    ['a column of another type', good, `SELECT * REPLACE (CAST(horizon_sec AS DOUBLE) AS horizon_sec) FROM g`, ['dataset.columns']],
    ['a column cqt export does not write', good, `SELECT *, 1 AS future_return FROM g`, ['dataset.columns']],
    ['no rows', good, `SELECT * FROM g LIMIT 0`, ['dataset.rows']],
  ];
  it.each(bad)('fails a file with %s, on that rule only', async (name, from, select, items) => {
    const file = await derive(name.replace(/\W+/g, '-'), from, select);
    const report = await run({ file });
    expect(failing(report)).toEqual(items);
    expect(report.overall).toBe('fail');
  });

  it('a failing file exits 1 through the binary, naming the rule and the first row', async () => {
    const file = await derive('cli-bad', good, `SELECT * REPLACE (CASE WHEN ts = ${oneRow} THEN label_ts - INTERVAL 1 SECOND ELSE label_ts END AS label_ts) FROM g`);
    const r = runCqt(['check', 'dataset', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/dataset\.label_ts\s+FAIL\s+1\s.*1 row with label_ts < ts \+ horizon_sec, first at ts 2026-11-20T/);
    expect(r.stdout).toMatch(/OVERALL FAIL/);
  });

  it('a missing, non-Parquet or truncated file is one error line with a hint, exit 2', () => {
    const text = join(dir.path, 'notes.parquet');
    writeFileSync(text, 'ts,label\n1,UP\n');
    const truncated = join(dir.path, 'truncated.parquet');
    copyFileSync(good, truncated);
    truncateSync(truncated, Math.floor(readFileSync(good).length / 2));
    for (const [file, error] of [
      [join(dir.path, 'absent.parquet'), /^error: no such file: .*absent\.parquet$/],
      [text, /^error: cannot read .*notes\.parquet as Parquet: /],
      [truncated, /^error: cannot read .*truncated\.parquet as Parquet: /],
    ] as const) {
      const r = runCqt(['check', 'dataset', file]);
      const lines = r.stderr.trim().split('\n');
      expect({ file, code: r.code, lines: lines.length, stdout: r.stdout }).toEqual({ file, code: 2, lines: 2, stdout: '' });
      expect(lines[0]).toMatch(error);
      expect(lines[1]).toMatch(/^hint: /);
    }
    const none = runCqt(['check', 'dataset']);
    expect(none.code).toBe(2);
    expect(none.stderr.trim().split('\n')[0]).toBe('error: missing FILE: the dataset to check');
  });
});
