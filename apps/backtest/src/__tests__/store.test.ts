// `cqt backtest run` on the store's candles table, on both backends: closed candles of one series
// in [from, to), the same metrics as the engine on those candles, holes and empty ranges refused.
import { describe, expect, it } from 'vitest';
import { backtest, strategies } from '@cqt/backtest';
import { UsageError } from '@cqt/config';
import { describeBackends } from '@cqt/test-support/backends';
import { list, run, show } from '../index.js';
import { MINUTE_MS, T0_MS, candlesOf, wavyRows } from './fixtures.js';

const HOUR_MS = 60 * MINUTE_MS;

describeBackends('backtest run from the store', ({ db }) => {
  const rows = wavyRows(300, HOUR_MS);

  it('reads closed candles of the series in [from, to) and backtests them like the engine does', async () => {
    const sql = db().sql;
    const recv = new Date(T0_MS + 400 * HOUR_MS);
    const insert = (venue: string, symbol: string, timeframe: string, r: (typeof rows)[number], closed = true) => sql`
      insert into candles (venue, symbol, timeframe, ts, open, high, low, close, volume, closed, recv_ts)
      values (${venue}, ${symbol}, ${timeframe}, ${new Date(r.tsMs)}, ${r.open}, ${r.high}, ${r.low}, ${r.close}, ${r.volume}, ${closed}, ${recv})`;
    for (const r of rows) await insert('upbit', 'KRW-BTC', '1h', r);
    // Another series, another timeframe and an unclosed candle must not leak in.
    await insert('upbit', 'KRW-ETH', '1h', { ...rows[10], high: rows[10].high + 50 });
    await insert('upbit', 'KRW-BTC', '1d', rows[0]);
    await insert('upbit', 'KRW-BTC', '1h', { ...rows[0], tsMs: T0_MS + 300 * HOUR_MS }, false);

    const from = T0_MS + 20 * HOUR_MS, to = T0_MS + 280 * HOUR_MS;
    const result = await run({ db: db(), strategy: 'volume-zone-breakout', params: ['volume_window=8'], venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1h', fromMs: from, toMs: to });
    const inRange = rows.filter((r) => r.tsMs >= from && r.tsMs < to);
    const params = { ...Object.fromEntries(Object.entries(strategies['volume-zone-breakout'].params).map(([k, s]) => [k, s.default])), volume_window: 8 } as never;
    const expected = backtest(candlesOf(inRange), strategies['volume-zone-breakout'], params, { cash: 1_000_000, feeRate: 0.001, slippageRate: 0.0002, barsPerYear: 365 * 24 });
    expect(result.input).toMatchObject({ source: 'store', venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1h', candles: 260, from: new Date(from).toISOString(), to: new Date(to - HOUR_MS).toISOString(), missingBars: 0 });
    expect(result.metrics).toEqual(expected.metrics);
    expect(result.metrics.trades).toBeGreaterThan(5);

    const all = await run({ db: db(), strategy: 'buy-and-hold', venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1h' });
    expect(all.input.candles).toBe(300);

    // Both runs are stored whole: the run row, every trade, one equity row per candle.
    expect((await list({ db: db() })).runs.map((r) => [r.id, r.strategy, r.metrics])).toEqual([[all.id, 'buy-and-hold', all.metrics], [result.id, 'volume-zone-breakout', result.metrics]]);
    expect((await list({ db: db(), strategy: 'buy-and-hold', limit: 1 })).runs.map((r) => r.id)).toEqual([all.id]);
    const stored = await show({ db: db(), id: result.id! });
    expect(stored.run).toMatchObject({ status: 'done', strategy: 'volume-zone-breakout', params: result.params, execution: result.execution, input: result.input, timingsMs: result.timingsMs });
    expect(stored.equityRows).toBe(260);
    expect(stored.trades).toEqual(expected.run.trades.map((t, seq) => ({
      seq, entryTs: new Date(t.entryTsMs).toISOString(), exitTs: new Date(t.exitTsMs).toISOString(), side: 'long', qty: t.qty, entryPrice: t.entryPrice,
      exitPrice: t.exitPrice, fees: t.fees, pnl: t.pnl, return: t.return, exitReason: t.exitReason, barsHeld: t.barsHeld,
    })));
    const [{ sum }] = await db().sql<{ sum: number }[]>`select sum(equity)::float8 as sum from backtest_equity where run_id = ${result.id}`;
    expect(sum).toBeCloseTo(Array.from(expected.run.equity).reduce((a, b) => a + b, 0), 2);
  });

  it('refuses a hole unless --allow-gaps, and an empty range with a backfill hint', async () => {
    await db().sql`delete from candles where venue = 'upbit' and symbol = 'KRW-BTC' and timeframe = '1h' and ts = ${new Date(T0_MS + 50 * HOUR_MS)}`;
    const options = { db: db(), strategy: 'buy-and-hold', venue: 'upbit' as const, symbol: 'KRW-BTC', timeframe: '1h' };
    await expect(run(options)).rejects.toMatchObject({ message: '1 candle missing in 1 hole (first: 2026-01-03T02:00:00.000Z … 2026-01-03T03:00:00.000Z)' });
    expect((await run({ ...options, allowGaps: true })).input).toMatchObject({ candles: 299, missingBars: 1, holes: 1 });
    const empty = run({ ...options, symbol: 'KRW-XRP' });
    await expect(empty).rejects.toBeInstanceOf(UsageError);
    await expect(empty).rejects.toMatchObject({ message: 'no candles for upbit KRW-XRP 1h in the range', hint: 'fetch them first: cqt backfill --venue upbit --symbol KRW-XRP --timeframe 1h --since 30d' });
  });
});
