// `cqt collect --duration` longer than a timer can hold (2^31−1 ms ≈ 24.8 days) runs; absurd
// durations and status intervals are refused with one line and exit 2.
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { FakeExchange } from '@cqt/testkit';
import { runCqt, startCqt } from '@cqt/test-support/cqt';
import { tempDir } from '@cqt/test-support/tmp';
import { collectorEnv, fakeExchange, sleep, waitUntil } from './support.js';

const dir = tempDir('cqt-collect-long-');
let fx: FakeExchange | undefined;
afterAll(async () => {
  await fx?.close();
  dir.remove();
});

it('--duration 30d keeps collecting (no stop at once), and SIGINT still stops it cleanly', async () => {
  fx = await fakeExchange({ seed: 3 });
  const run = startCqt(['collect', '--duration', '30d', '--json', '--status-interval', '1'], collectorEnv(fx, { CQT_DATA_DIR: join(dir.path, 'store') }));
  try {
    // Collecting (status lines with Upbit frames), or already gone.
    await waitUntil(() => run.exitCode !== undefined || /upbit [1-9][\d.]* msg\/s/.test(run.stderr), 'the collector to collect', 45_000);
    await sleep(3000);
    expect(run.exitCode, `stopped on its own: ${run.stderr.slice(-800)}`).toBeUndefined();
    expect(run.stderr).not.toMatch(/TimeoutOverflowWarning/);
    run.child.kill('SIGINT');
    await Promise.race([run.exited, sleep(30_000)]);
    expect(run.exitCode, run.stderr.slice(-800)).toBe(0);
    expect(JSON.parse(run.stdout).rowsWritten.market_1s).toBeGreaterThanOrEqual(2);
  } finally {
    if (run.exitCode === undefined) run.child.kill('SIGKILL');
  }
});

it('refuses a --duration longer than a year and a --status-interval outside 1 s … 24 h, with one line and exit 2', () => {
  const env = { CQT_DATA_DIR: join(dir.path, 'unused') };
  const long = runCqt(['collect', '--duration', '400d'], env);
  expect(long.code).toBe(2);
  expect(long.stderr).toBe('error: --duration 400d is longer than 365 days\nhint: leave --duration out to run until stopped\n');
  for (const bad of ['30d', '0']) {
    const status = runCqt(['collect', '--status-interval', bad], env);
    expect(status.code).toBe(2);
    expect(status.stderr).toBe(`error: invalid --status-interval "${bad}"\nhint: expected from 1 s to 24h, e.g. 5, 1m\n`);
  }
});
