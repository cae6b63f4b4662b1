// Binance's weight budget, shrunk so the backfill must wait for new windows: it reads the budget
// and window from exchangeInfo, keeps under them, and the fake counts no violation.
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { startFakeExchange, type FakeExchange } from '@cqt/testkit';
import { describeBackends } from '@cqt/test-support/backends';
import { BinanceKlines, backfillSeries, candleOpen } from '../index.js';
import { stored } from './support.js';

const MIN = 60_000;
let ex: FakeExchange;
beforeAll(async () => {
  // 21 weight per second: two 1500-kline pages (10 each) and one more light call per window.
  ex = await startFakeExchange({ seed: 5, binance: { weightLimitPerMinute: 21, weightWindowMs: 1000 } });
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

  it('leaves the rest of the budget to other clients when given a share', async () => {
    // Its own exchange, so the used weight it reports is this client's alone.
    const own = await startFakeExchange({ seed: 6, binance: { weightLimitPerMinute: 21, weightWindowMs: 1000 } });
    onTestFinished(() => own.close());
    const client = new BinanceKlines(own.urls.BINANCE_REST_URL, { weightShare: 0.5 });
    const fromMs = candleOpen('1m', own.nowMs()) - 20 * 24 * 60 * MIN;
    const result = await backfillSeries(db().sql, client, { venue: 'binance', symbol: 'ETHUSDT', timeframe: '1m' }, { fromMs, toMs: fromMs + 3 * 1500 * MIN });
    expect(result.pages).toBe(3);
    // Half of 21 per window: one 10-weight page per window, never more.
    expect(client.peakUsedWeight).toBe(10);
    expect(own.stats.rest.binance.rateLimitViolations).toBe(0);
  });
});
