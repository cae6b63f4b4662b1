// `cqt collect` as a user runs it: a separate process on the embedded store, `cqt db status` from
// another process meanwhile, and SIGTERM flushing the last complete second and exiting 0.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { FakeExchange } from '@cqt/testkit';
import { cqtBin, operatorEnv } from '@cqt/test-support/cqt';
import { tempDir } from '@cqt/test-support/tmp';
import { collectorEnv, fakeExchange, waitUntil } from './support.js';

const dir = tempDir('cqt-collect-cli-');
let fx: FakeExchange | undefined;
afterAll(async () => {
  await fx?.close();
  dir.remove();
});

it('collects into the embedded store, serves `cqt db status` meanwhile, and stops cleanly on SIGTERM', async () => {
  fx = await fakeExchange({ seed: 5 });
  const dataDir = join(dir.path, 'store');
  const env = operatorEnv({ ...collectorEnv(fx), CQT_DATA_DIR: dataDir });
  const child = spawn(process.execPath, [cqtBin, 'collect', '--json', '--status-interval', '1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

  // Asynchronous on purpose: the fake exchange runs in this process and must keep serving
  // while `cqt db status` runs (a synchronous spawn would starve it).
  const status = async () => {
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [cqtBin, 'db', 'status', '--json'], { env, timeout: 30_000 });
      return JSON.parse(stdout);
    } catch (err) {
      lastStatusError = String((err as Error).message).slice(0, 500);
      return null;
    }
  };
  let lastStatusError = '';
  // The collector owns the store first (a race for ownership is tested in packages/db).
  await waitUntil(() => /\(owner\)/.test(stderr), 'the collector to own the store', 30_000).catch((err) => {
    throw new Error(`${(err as Error).message}; collector stderr: ${stderr.slice(-1500)}`);
  });
  let seen: { role: string; tables: Array<{ table: string; rows: number; newestTs: string | null }> } | null = null;
  await waitUntil(async () => {
    seen = await status();
    return (seen?.tables.find((t) => t.table === 'market_1s')?.rows ?? 0) >= 3;
  }, 'rows visible to `cqt db status`', 25_000).catch((err) => {
    throw new Error(`${(err as Error).message}; last status ${JSON.stringify(seen)} ${lastStatusError}; collector stderr: ${stderr.slice(-1500)}`);
  });
  expect(seen!.role).toBe('client');
  expect(stderr).toMatch(/upbit [\d.]+ msg\/s/);

  const stopAt = Date.now();
  child.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('no exit within 20 s'), 20_000))]);
  expect(code, `collector stderr: ${stderr.slice(-1500)}`).toBe(0);
  expect(Date.now() - stopAt).toBeLessThan(8000);
  const summary = JSON.parse(stdout);
  expect(summary.rowsWritten.market_1s).toBeGreaterThanOrEqual(3);
  expect(Object.values(summary.rowsUnwritten).every((n) => n === 0)).toBe(true);

  const after = await status();
  const market = after.tables.find((t: { table: string }) => t.table === 'market_1s');
  expect(market.rows).toBe(summary.rowsWritten.market_1s);
  // The last complete second before SIGTERM was flushed.
  expect(Date.parse(market.newestTs)).toBeGreaterThanOrEqual(Math.floor(stopAt / 1000) * 1000 - 3000);
  expect(after.tables.find((t: { table: string }) => t.table === 'feed_events').rows).toBeGreaterThanOrEqual(4);
});
