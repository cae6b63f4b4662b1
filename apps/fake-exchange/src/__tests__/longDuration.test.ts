// `cqt fake-exchange --duration` longer than a timer can hold (2^31−1 ms ≈ 24.8 days) keeps
// serving; more than a year is refused with one line and exit 2.
import { expect, it } from 'vitest';
import { runCqt, startCqt } from '@cqt/test-support/cqt';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('--duration 30d keeps serving (no stop at once), and SIGINT still stops it with exit 0', async () => {
  const run = startCqt(['fake-exchange', '--duration', '30d', '--json']);
  try {
    const deadline = Date.now() + 30_000;
    while (!run.stdout.includes('}') && run.exitCode === undefined && Date.now() < deadline) await sleep(50);
    const { urls } = JSON.parse(run.stdout);
    await sleep(3000);
    expect(run.exitCode, `stopped on its own: ${run.stderr.slice(-500)}`).toBeUndefined();
    expect(run.stderr).not.toMatch(/TimeoutOverflowWarning/);
    // Still serving.
    expect((await fetch(`${urls.BINANCE_REST_URL}/fapi/v1/openInterest?symbol=BTCUSDT`)).status).toBe(200);
    run.child.kill('SIGINT');
    await Promise.race([run.exited, sleep(20_000)]);
    expect(run.exitCode).toBe(0);
  } finally {
    if (run.exitCode === undefined) run.child.kill('SIGKILL');
  }
});

it('refuses a --duration longer than a year with one line and exit 2', () => {
  const res = runCqt(['fake-exchange', '--duration', '400d']);
  expect(res.code).toBe(2);
  expect(res.stderr).toBe('error: --duration 400d is longer than 365 days\nhint: leave --duration out to run until stopped\n');
});
