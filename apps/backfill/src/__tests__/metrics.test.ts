// `backfill --follow --metrics-port 0` in-process against the fake exchange on both stores: a
// scrape over real HTTP while it follows shows the candles written (equal to the rows stored),
// the passes, and the client's requests; the server is gone once the run stops. The binary with
// --follow --log-format json writes one JSON object per stderr line.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeExchange, type FakeExchange } from '@cqt/testkit';
import { parseMetrics } from '@cqt/metrics';
import { describeBackends } from '@cqt/test-support/backends';
import { startCqt } from '@cqt/test-support/cqt';
import { createTestDatabase } from '@cqt/test-support/pg';
import { waitFor } from '@cqt/test-support/wait';
import { run } from '../index.js';

let ex: FakeExchange;
beforeAll(async () => {
  ex = await startFakeExchange({ seed: 41, markets: { upbit: ['KRW-BTC'], binance: ['BTCUSDT'] } });
});
afterAll(() => ex?.close());

describeBackends('backfill --follow --metrics-port', ({ db }) => {
  it('serves candles, passes and requests while it follows', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const done = run({ venue: 'upbit', symbols: ['KRW-BTC'], timeframes: ['1m', '1h'], since: 3 * 3600, follow: true, metricsPort: 0, signal: controller.signal, log: (l) => lines.push(l), db: db(), env: { UPBIT_REST_URL: ex.urls.UPBIT_REST_URL } });
    try {
      const url = await waitFor('the metrics URL in the log', async () => lines.map((l) => /^backfill: metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)$/.exec(l)?.[1]).find(Boolean));
      // One pass per series brings it up to date; then it waits for the next close.
      await waitFor('a pass of each series', async () => lines.filter((l) => l.startsWith('follow upbit KRW-BTC ')).length >= 2, { detail: () => lines.join('\n') });
      const m = parseMetrics(await (await fetch(url)).text());
      const stored = async (tf: string) => (await db().sql<{ n: number }[]>`select count(*)::int as n from candles where venue = 'upbit' and symbol = 'KRW-BTC' and timeframe = ${tf}`)[0].n;
      expect(m.get('cqt_backfill_candles_total{venue="upbit",timeframe="1m"}')).toBe(await stored('1m'));
      expect(m.get('cqt_backfill_candles_total{venue="upbit",timeframe="1m"}')).toBeGreaterThanOrEqual(170);
      expect(m.get('cqt_backfill_candles_total{venue="upbit",timeframe="1h"}')).toBe(await stored('1h'));
      expect(m.get('cqt_backfill_passes_total{venue="upbit",timeframe="1m",outcome="ok"}')).toBeGreaterThanOrEqual(1);
      expect(m.get('cqt_backfill_requests_total{venue="upbit"}')).toBeGreaterThanOrEqual(2);
      expect(m.get('cqt_backfill_rate_limited_total{venue="upbit"}')).toBe(0);
      expect(m.get('cqt_backfill_wait_seconds_total{venue="upbit"}')).toBeGreaterThanOrEqual(0);
      expect(m.get('cqt_info{command="backfill"}')).toBe(1);
      controller.abort();
      const result = await done;
      expect(m.get('cqt_backfill_requests_total{venue="upbit"}')).toBeLessThanOrEqual(result.requests);
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      controller.abort();
      await done.catch(() => {});
    }
  }, 60_000);
});

it('backfill --follow --log-format json (built binary): every stderr line is one JSON object', async () => {
  const pg = await createTestDatabase();
  const run = startCqt(['backfill', '--venue', 'upbit', '--symbol', 'KRW-BTC', '--timeframe', '1m', '--since', '30m', '--follow', '--log-format', 'json', '--metrics-port', '0'], { UPBIT_REST_URL: ex.urls.UPBIT_REST_URL, DATABASE_URL: pg.url });
  try {
    await waitFor('a follow pass', async () => run.stderr.includes('follow upbit KRW-BTC 1m: '), {
      timeoutMs: 60_000,
      failIf: () => (run.exitCode !== undefined ? `backfill exited ${run.exitCode}` : undefined),
      detail: () => run.stderr,
    });
    run.child.kill('SIGTERM');
    await run.exited;
    expect(run.exitCode, run.stderr).toBe(0);
    const records = run.stderr.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const r of records) expect(r).toMatchObject({ time: expect.any(String), level: 'info', command: 'backfill', event: 'message' });
    expect(records[0].msg).toMatch(/^backfill: metrics on http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(records.some((r) => /^follow upbit KRW-BTC 1m: \d+ candles, cursor \S+; next at \S+$/.test(String(r.msg)))).toBe(true);
  } finally {
    if (run.exitCode === undefined) run.child.kill('SIGKILL');
    await pg.drop();
  }
}, 90_000);
