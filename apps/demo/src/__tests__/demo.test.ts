// `cqt demo` is the project's end-to-end smoke test: the real binary, no network, no keys —
// fake exchange → collect → predict → check all → export — and a Parquet file that reads back.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, expect, it } from 'vitest';
import { runCqt } from '@cqt/test-support/cqt';
import { tempDir } from '@cqt/test-support/tmp';

const dir = tempDir('cqt-demo-');
afterAll(() => dir.remove());

it('runs the whole loop offline and leaves a readable dataset', async () => {
  const res = runCqt(['demo', '--duration', '25s', '--dir', join(dir.path, 'd'), '--json'], {}, { timeoutMs: 150_000 });
  expect(res.code, res.stderr.slice(-2000)).toBe(0);
  const result = JSON.parse(res.stdout);
  expect(result.ok).toBe(true);
  expect(result.steps.map((s: { step: string }) => s.step)).toEqual(['collect', 'predict', 'check all', 'export']);
  expect(result.steps.find((s: { step: string }) => s.step === 'predict').exitCode).toBe(0);
  expect(result.steps.find((s: { step: string }) => s.step === 'export').exitCode).toBe(0);
  expect(res.stderr).toMatch(/demo 5\/5/);
  expect(existsSync(result.parquet)).toBe(true);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const [row] = (await conn.runAndReadAll(`SELECT count(*) AS n, min(label_ts - ts) AS h FROM read_parquet('${result.parquet}')`)).getRowObjectsJS();
    expect(Number(row.n)).toBeGreaterThan(0);
    expect(Number(row.n)).toBe(result.steps.find((s: { step: string }) => s.step === 'export').summary.rows);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}, 180_000); // the run is bounded at 150 s; vitest's 60 s default failed it at 62 s under load
