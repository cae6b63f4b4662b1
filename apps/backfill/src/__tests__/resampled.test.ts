// `cqt backfill` 1 m + 1 h, then `cqt check candles` through the built binary, on both backends:
// the native hours agree with their minutes joined, on the real Upbit recordings (KRW-BTC
// 2020-02-20 08:00–12:00, 240 real minutes; the fake joins its 1 h candles from them, as no real
// 60-minute body was found) and on the synthetic Binance market; a 1 h high changed in the store
// fails the check (exit 1) naming the hour; hours whose minutes were never fetched are unknown
// (a warning), not a pass.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeExchange, type FakeExchange } from '@cqt/testkit';
import { describeBackends } from '@cqt/test-support/backends';
import { runCqtAsync as cqt, storeEnv } from '@cqt/test-support/cqt';
import { describeReal, realFixturesDir } from '@cqt/test-support/realFixtures';
import { candleOpen } from '@cqt/candles';

const HOUR = 3_600_000;
const files = ['upbit_1m_20200220_170000-20200220_202000.json', 'upbit_1m_20200220_202000-20200220_210000.json'].map((f) => `${realFixturesDir()}/smtm/${f}`);

let ex: FakeExchange;
beforeAll(async () => {
  ex = await startFakeExchange({ seed: 5, markets: { upbit: ['KRW-BTC'], binance: ['BTCUSDT'] }, upbit: { candleFiles: files } });
});
afterAll(() => ex?.close());



interface Item { name: string; status: string; observed: number; detail: string }
const items = (stdout: string): Item[] => (JSON.parse(stdout) as { items: Item[] }).items;
const resampled = (stdout: string, key: string) => items(stdout).find((i) => i.name === `candles.resampled[${key}]`)!;

describeReal('check candles on backfilled real recordings', () => {
  describeBackends('native 1 h against resampled 1 m', ({ db }) => {
    it('Upbit KRW-BTC 2020-02-20: the four hours agree; a changed high fails; hours without fetched minutes are unknown', async () => {
      const env = { ...storeEnv(db()), UPBIT_REST_URL: ex.urls.UPBIT_REST_URL };
      const fill = await cqt(['backfill', '--venue', 'upbit', '--symbol', 'KRW-BTC', '--timeframe', '1m,1h', '--from', '2020-02-20T08:00:00Z', '--to', '2020-02-20T12:00:00Z', '--json'], env);
      expect(fill.stderr).toBe('');
      expect(fill.code).toBe(0);
      expect((JSON.parse(fill.stdout) as { series: Array<{ timeframe: string; candles: number }> }).series.map((s) => [s.timeframe, s.candles])).toEqual([['1m', 240], ['1h', 4]]);
      const check = ['check', 'candles', '--as-of', '2020-02-20T12:05:00Z', '--window', String(4 * 3600 + 300), '--symbol', 'KRW-BTC', '--json'];
      const good = await cqt(check, env);
      const item = resampled(good.stdout, 'upbit KRW-BTC 1h');
      expect([item.status, item.observed]).toEqual(['pass', 0]);
      expect(item.detail).toMatch(/^4 agree, 0 disagree, 0 unknown/);

      await db().sql`update candles set high = high + 1000 where venue = 'upbit' and symbol = 'KRW-BTC' and timeframe = '1h' and ts = '2020-02-20T09:00:00Z'`;
      const bad = await cqt(check, env);
      expect(bad.code).toBe(1);
      expect(resampled(bad.stdout, 'upbit KRW-BTC 1h').detail).toMatch(/^3 agree, 1 disagree, 0 unknown .*first 2020-02-20T09:00:00\.000Z: 1h high \d+ vs 1 m joined \d+/);
      await db().sql`update candles set high = high - 1000 where venue = 'upbit' and symbol = 'KRW-BTC' and timeframe = '1h' and ts = '2020-02-20T09:00:00Z'`;

      // Two earlier hours of 1 h only: their minutes were never fetched.
      expect((await cqt(['backfill', '--venue', 'upbit', '--symbol', 'KRW-BTC', '--timeframe', '1h', '--from', '2020-02-20T06:00:00Z', '--to', '2020-02-20T08:00:00Z'], env)).code).toBe(0);
      const wide = await cqt(['check', 'candles', '--as-of', '2020-02-20T12:05:00Z', '--window', String(6 * 3600 + 300), '--symbol', 'KRW-BTC', '--json'], env);
      const partial = resampled(wide.stdout, 'upbit KRW-BTC 1h');
      expect([partial.status, partial.observed]).toEqual(['warn', 0]);
      expect(partial.detail).toMatch(/^4 agree, 0 disagree, 2 unknown/);
      expect(ex.stats.rest.upbit.rateLimitViolations).toBe(0);
    }, 60_000);

    it('the synthetic Binance market: 3 hours of 1 m and 1 h backfilled agree', async () => {
      const env = { ...storeEnv(db()), BINANCE_REST_URL: ex.urls.BINANCE_REST_URL };
      const toMs = candleOpen('1h', ex.nowMs());
      const fill = await cqt(['backfill', '--venue', 'binance', '--symbol', 'BTCUSDT', '--timeframe', '1m,1h', '--from', String(toMs - 3 * HOUR), '--to', String(toMs)], env);
      expect(fill.code).toBe(0);
      const check = await cqt(['check', 'candles', '--as-of', new Date(toMs + 60_000).toISOString(), '--window', String(3 * 3600 + 60), '--symbol', 'BTCUSDT', '--json'], env);
      const item = resampled(check.stdout, 'binance BTCUSDT 1h');
      expect([item.status, item.observed]).toEqual(['pass', 0]);
      expect(item.detail).toMatch(/^3 agree, 0 disagree, 0 unknown/);
    }, 60_000);
  });
});
