// Binance's weight budget, shrunk so the backfill must wait for new windows: it reads the budget
// and window from exchangeInfo, keeps under them, and the fake counts no violation.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeExchange, type FakeExchange } from '@cqt/testkit';
import { describeBackends } from '@cqt/test-support/backends';
import { BinanceKlines, backfillSeries, candleOpen } from '../index.js';
import { stored } from './support.js';

const MIN = 60_000;
let ex: FakeExchange;
beforeAll(async () => {
  // 21 weight per 2 s: two 1500-kline pages (10 each) and one more light call per window.
  ex = await startFakeExchange({ seed: 5, binance: { weightLimitPerMinute: 21, weightWindowMs: 2000 } });
});
afterAll(() => ex?.close());

describeBackends('binance backfill within a small weight budget', ({ db }) => {
  it('pages across weight windows without a 429', async () => {
    const client = new BinanceKlines(ex.urls.BINANCE_REST_URL);
    const fromMs = candleOpen('1m', ex.nowMs()) - 10 * 24 * 60 * MIN;
    const toMs = fromMs + 5 * 1500 * MIN;
    const result = await backfillSeries(db().sql, client, { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m' }, { fromMs, toMs });
    expect(result.pages).toBe(5);
    expect((await stored(db().sql, 'binance', 'BTCUSDT', '1m')).length).toBe(5 * 1500);
    expect(client.stats.rateLimited).toBe(0);
    expect(ex.stats.rest.binance.rateLimitViolations).toBe(0);
  });
});
