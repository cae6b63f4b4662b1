// `cqt collect` as a user runs it: a separate process on the embedded store, `cqt db status` from
// another process meanwhile, and SIGTERM flushing the last complete second and exiting 0.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import type { FakeExchange } from '@cqt/testkit';
import { tempDir } from '../../../../test-support/tmp.js';
import { collectorEnv, fakeExchange, waitUntil } from './support.js';

const bin = fileURLToPath(new URL('../../../cqt/dist/bin.js', import.meta.url));
const dir = tempDir('cqt-collect-cli-');
let fx: FakeExchange | undefined;
afterAll(async () => {
  await fx?.close();
  dir.remove();
});

it('collects into the embedded store, serves `cqt db status` meanwhile, and stops cleanly on SIGTERM', async () => {
  fx = await fakeExchange({ seed: 5 });
  const dataDir = join(dir.path, 'store');
  const env = { ...process.env, ...collectorEnv(fx), CQT_DATA_DIR: dataDir, NO_COLOR: '1' };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [bin, 'collect', '--json', '--status-interval', '1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

  const status = () => {
    const r = spawnSync(process.execPath, [bin, 'db', 'status', '--json'], { env, encoding: 'utf8', timeout: 30_000 });
    return r.status === 0 ? JSON.parse(r.stdout) : null;
  };
  let seen: { role: string; tables: Array<{ table: string; rows: number; newestTs: string | null }> } | null = null;
  await waitUntil(() => {
    seen = status();
    return (seen?.tables.find((t) => t.table === 'market_1s')?.rows ?? 0) >= 3;
  }, 'rows visible to `cqt db status`', 45_000);
  expect(seen!.role).toBe('client');
  expect(stderr).toMatch(/upbit [\d.]+ msg\/s/);

  const stopAt = Date.now();
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(Date.now() - stopAt).toBeLessThan(8000);
  const summary = JSON.parse(stdout);
  expect(summary.rowsWritten.market_1s).toBeGreaterThanOrEqual(3);
  expect(Object.values(summary.rowsUnwritten).every((n) => n === 0)).toBe(true);

  const after = status();
  const market = after.tables.find((t: { table: string }) => t.table === 'market_1s');
  expect(market.rows).toBe(summary.rowsWritten.market_1s);
  // The last complete second before SIGTERM was flushed.
  expect(Date.parse(market.newestTs)).toBeGreaterThanOrEqual(Math.floor(stopAt / 1000) * 1000 - 3000);
  expect(after.tables.find((t: { table: string }) => t.table === 'feed_events').rows).toBeGreaterThanOrEqual(4);
});
