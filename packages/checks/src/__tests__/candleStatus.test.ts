// `cqt status` per candle timeframe, through the one evaluator (evaluateStatus), on both backends:
// each series is judged on its own timeframe's policy, so a 1 d series whose newest candle opened
// yesterday is fresh while a 1 h series five hours behind is hard_stale.
import { beforeAll, expect, it } from 'vitest';
import { candleOpen, commitPage, type Candle, type Series } from '@cqt/candles';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF } from '@cqt/test-support/seed';
import { evaluateStatus } from '../index.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const config = { upbitMarkets: ['KRW-BTC'], binanceSymbols: ['BTCUSDT'], binancePollSec: 60, coinglassEnabled: false, coinglassPollSec: 300 };
const series: Array<[Series, number, number]> = [
  [{ venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1m' }, candleOpen('1m', AS_OF) - HOUR, candleOpen('1m', AS_OF) - MIN],
  [{ venue: 'binance', symbol: 'BTCUSDT', timeframe: '1h' }, candleOpen('1h', AS_OF) - 30 * HOUR, candleOpen('1h', AS_OF) - 5 * HOUR],
  [{ venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1d' }, candleOpen('1d', AS_OF) - 10 * DAY, candleOpen('1d', AS_OF)],
];

describeBackends('status: candles per timeframe', ({ db }) => {
  beforeAll(async () => {
    for (const [s, fromMs, toMs] of series) {
      const step = { '1m': MIN, '1h': HOUR, '1d': DAY }[s.timeframe]!;
      const candles: Candle[] = Array.from({ length: (toMs - fromMs) / step }, (_, k) => ({ openMs: fromMs + k * step, open: 10, high: 12, low: 9, close: 11, volume: 1, quoteVolume: 11, tradeCount: null }));
      await commitPage(db().sql, s, { candles, queried: { fromMs, toMs }, holes: [], recvMs: AS_OF - 30_000 });
    }
  });

  it('each series on its own policy: 1m and 1d fresh, 1h five hours behind hard_stale', async () => {
    const result = await evaluateStatus(db().sql, { asOf: AS_OF, sources: ['candles'] }, config);
    expect(result.sources.map((s) => [s.key, s.class, s.lagSec, s.policy.staleAfterSec])).toEqual([
      ['binance BTCUSDT 1h', 'hard_stale', (AS_OF - (candleOpen('1h', AS_OF) - 6 * HOUR)) / 1000, 2 * 3600 + 120],
      ['upbit KRW-BTC 1d', 'fresh', (AS_OF - (candleOpen('1d', AS_OF) - DAY)) / 1000, 2 * 86_400 + 120],
      ['upbit KRW-BTC 1m', 'fresh', (AS_OF - (candleOpen('1m', AS_OF) - 2 * MIN)) / 1000, 2 * 60 + 120],
    ]);
    expect(result.overall).toBe('fail');
    const narrowed = await evaluateStatus(db().sql, { asOf: AS_OF, sources: ['candles'], symbols: ['KRW-BTC'] }, config);
    expect(narrowed.sources.map((s) => s.key)).toEqual(['upbit KRW-BTC 1d', 'upbit KRW-BTC 1m']);
    expect(narrowed.overall).toBe('ok');
  });
});
