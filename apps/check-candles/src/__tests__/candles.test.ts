// `cqt check candles` on both backends over series committed through the engine's page commit:
// a current 1m series and a 1d series pass (a day candle is not late after an hour), a 1h series
// five hours behind fails its lag, an unanswered stretch fails unknown, a broken row fails corrupt;
// and `cqt status` (evaluateStatus) judges the same series per timeframe.
import { beforeAll, expect, it } from 'vitest';
import { commitPage, candleOpen, type Candle, type Series } from '@cqt/candles';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF } from '@cqt/test-support/seed';
import { evaluateStatus } from '@cqt/checks';
import { corruption, output, run } from '../index.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const minute: Series = { venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1m' };
const hourly: Series = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1h' };
const daily: Series = { venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1d' };
const candlesOf = (timeframe: string, fromMs: number, toMs: number): Candle[] => {
  const step = { '1m': MIN, '1h': HOUR, '1d': DAY }[timeframe]!;
  return Array.from({ length: (toMs - fromMs) / step }, (_, k) => ({ openMs: fromMs + k * step, open: 10, high: 12, low: 9, close: 11, volume: 1, quoteVolume: 11, tradeCount: 5 }));
};

describeBackends('cqt check candles', ({ db }) => {
  beforeAll(async () => {
    const now = candleOpen('1m', AS_OF);
    const commit = (s: Series, fromMs: number, toMs: number) =>
      commitPage(db().sql, s, { candles: candlesOf(s.timeframe, fromMs, toMs), queried: { fromMs, toMs }, holes: [], recvMs: AS_OF - 30_000 });
    // Current: the minute that closed a minute ago is committed.
    await commit(minute, now - 2 * HOUR, now - MIN);
    // Five hours behind, with two hours never answered in between.
    await commit(hourly, now - 48 * HOUR, now - 30 * HOUR);
    await commit(hourly, now - 28 * HOUR, now - 5 * HOUR);
    // Yesterday's day candle is the newest closed one: an hour or more into today is normal.
    await commit(daily, candleOpen('1d', AS_OF) - 10 * DAY, candleOpen('1d', AS_OF));
    // One broken row: high below the close.
    await db().sql`update candles set high = 10.5 where venue = 'upbit' and symbol = 'KRW-BTC' and timeframe = '1m' and ts = ${new Date(now - 10 * MIN)}`;
  });

  it('judges lag per timeframe, unknown slots and corrupt rows; exit 1 on failures', async () => {
    const report = await run({ db: db(), env: {}, asOf: AS_OF, window: 2 * 86_400 });
    const status = Object.fromEntries(report.items.map((i) => [i.name, [i.status, i.observed]]));
    expect(status).toEqual({
      'candles.lag[binance BTCUSDT 1h]': ['fail', (AS_OF - (candleOpen('1m', AS_OF) - 5 * HOUR)) / 1000],
      'candles.unknown[binance BTCUSDT 1h]': ['fail', 2],
      'candles.corrupt[binance BTCUSDT 1h]': ['pass', 0],
      'candles.lag[upbit KRW-BTC 1d]': ['pass', (AS_OF - candleOpen('1d', AS_OF)) / 1000],
      'candles.unknown[upbit KRW-BTC 1d]': ['pass', 0],
      'candles.corrupt[upbit KRW-BTC 1d]': ['pass', 0],
      // Yesterday's day candle against its minutes: only the last 2 h of them were fetched.
      'candles.resampled[upbit KRW-BTC 1d]': ['warn', 0],
      'candles.lag[upbit KRW-BTC 1m]': ['pass', (AS_OF - candleOpen('1m', AS_OF) + MIN) / 1000],
      // The window is 2 days up to the cursor (2880 - 1 slots), of which 2 h - 1 min were backfilled.
      'candles.unknown[upbit KRW-BTC 1m]': ['fail', 2 * 24 * 60 - 1 - (2 * 60 - 1)],
      'candles.corrupt[upbit KRW-BTC 1m]': ['fail', 1],
    });
    expect(report.items.find((i) => i.name === 'candles.corrupt[upbit KRW-BTC 1m]')!.detail).toContain('high 10.5 below max(open, close)');
    expect(output(report).exitCode).toBe(1);
    // A short window sees only the current minute series' last slots: all pass.
    const narrow = await run({ db: db(), env: {}, asOf: AS_OF, window: 300, symbols: ['KRW-BTC'] });
    expect(narrow.items.filter((i) => i.status !== 'pass').map((i) => [i.name, i.status])).toEqual([['candles.resampled[upbit KRW-BTC 1d]', 'skip']]);
    // A day candle late by more than a day + grace fails.
    const late = await run({ db: db(), env: {}, asOf: AS_OF + 2 * DAY, window: 300, symbols: ['KRW-BTC'], lagGraceSec: 60 });
    expect(late.items.find((i) => i.name === 'candles.lag[upbit KRW-BTC 1d]')!.status).toBe('fail');
  });

  // cqt status through the one evaluator: each series on its own timeframe's policy.
  it('status: 1m and 1d fresh, 1h five hours behind hard_stale; --symbol narrows', async () => {
    const config = { upbitMarkets: ['KRW-BTC'], binanceSymbols: ['BTCUSDT'], binancePollSec: 60, coinglassEnabled: false, coinglassPollSec: 300 };
    const result = await evaluateStatus(db().sql, { asOf: AS_OF, sources: ['candles'] }, config);
    expect(result.sources.map((s) => [s.key, s.class, s.lagSec, s.policy.staleAfterSec])).toEqual([
      ['binance BTCUSDT 1h', 'hard_stale', (AS_OF - (candleOpen('1h', AS_OF) - 6 * HOUR)) / 1000, 2 * 3600 + 120],
      ['upbit KRW-BTC 1d', 'fresh', (AS_OF - (candleOpen('1d', AS_OF) - DAY)) / 1000, 2 * 86_400 + 120],
      ['upbit KRW-BTC 1m', 'fresh', (AS_OF - (candleOpen('1m', AS_OF) - 2 * MIN)) / 1000, 2 * 60 + 120],
    ]);
    expect(result.overall).toBe('fail');
    const narrowed = await evaluateStatus(db().sql, { asOf: AS_OF, sources: ['candles'], symbols: ['KRW-BTC'] }, config);
    expect(narrowed.sources.map((s) => [s.key, s.class])).toEqual([['upbit KRW-BTC 1d', 'fresh'], ['upbit KRW-BTC 1m', 'fresh']]);
    expect(narrowed.overall).toBe('ok');
  });

  it('names each kind of corruption', () => {
    const ok = { tsMs: Date.parse('2026-01-01T00:05:00Z'), open: 10, high: 12, low: 9, close: 11, volume: 1 };
    expect(corruption('5m', ok)).toBeNull();
    expect(corruption('5m', { ...ok, low: 10.5 })).toBe('low 10.5 above min(open, close)');
    expect(corruption('5m', { ...ok, volume: -1 })).toBe('negative volume -1');
    expect(corruption('1h', ok)).toBe('ts off the 1h grid');
    expect(corruption('1m', { ...ok, close: Number.NaN })).toBe('a value is not a finite number');
  });
});
