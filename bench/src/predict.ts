// `cqt predict`: the cost of one tick — computing a snapshot (five bounded reads: ~600 bars, the
// newest mark price, metric points, liquidations, stream events; then the features, sigma, the
// barrier and the first-passage series) and writing it — on a PostgreSQL database holding one day
// of 1 s data. Baseline in the same run: one indexed round trip (`select max(ts)` on market_1s),
// the floor of anything that asks the database at all.
import type { Db } from '@cqt/db';
import { BrownianFirstPassage, computeSnapshot, writeSnapshots, type SnapshotOptions } from '@cqt/features';
import type { BenchRow, BenchSuite } from './harness.js';
import { sized, timeMs, withBenchDatabase } from './harness.js';

const DAY_SEC = 86_400;
const END = Date.UTC(2026, 10, 23, 10, 0, 0);
const TICKS = sized(200, 10);
const OPTIONS: SnapshotOptions = {
  binanceSymbol: 'BTCUSDT',
  horizonSec: 120,
  binancePollSec: 60,
  barrier: { feePerSide: 0.0005, rMin: 0.0005, costMultiplier: 1, kVol: 1 },
  model: new BrownianFirstPassage(),
};

/** One day of collector-shaped rows before END, by generate_series (bars received 2.6 s after their second). */
async function seed(db: Db): Promise<void> {
  const end = new Date(END).toISOString();
  const series = (stepSec: number) => `(select $1::timestamptz - g * interval '${stepSec} s' as t, g from generate_series(1, ${DAY_SEC / stepSec}) g) s`;
  await db.sql.unsafe(
    `insert into market_1s (symbol, ts, open, high, low, close, volume, trade_count, buy_volume, sell_volume, best_bid, best_ask, bid_size, ask_size, mid, spread_bps, recv_ts)
     select 'KRW-BTC', t, p, p, p, p, 0.02, g % 5, 0.012, 0.008, p - 500, p + 500, 1 + g % 3, 2, p, 1000 / p * 1e4, t + interval '2.6 s'
       from (select t, g, round(1.4e8 * exp(0.002 * sin(g / 97.0) + 0.0005 * sin(g / 7.0)) / 1000) * 1000 as p from ${series(1)}) x`,
    [end],
  );
  await db.sql.unsafe(
    `insert into binance_mark_price_1s (symbol, ts, mark_price, index_price, funding_rate, recv_ts)
     select 'BTCUSDT', t + interval '0.1 s', 9.5e4 + sin(g / 50.0) * 20, 9.5e4, 0.0001, t + interval '0.14 s' from ${series(1)}`,
    [end],
  );
  await db.sql.unsafe(
    `insert into binance_futures_metrics (symbol, metric, ts, value, recv_ts)
     select 'BTCUSDT', m, t, 8e9 + g, t + interval '10 s'
       from unnest(array['open_interest_value', 'global_ls_ratio', 'top_ls_ratio', 'taker_ls_ratio', 'basis']) m, ${series(300)}`,
    [end],
  );
  await db.sql.unsafe(
    `insert into binance_force_orders (symbol, ts, side, price, orig_qty, notional, recv_ts)
     select 'BTCUSDT', t + interval '0.5 s', 'SELL', 9.5e4, 0.1, 9.5e3, t + interval '0.53 s' from ${series(40)}`,
    [end],
  );
  await db.sql.unsafe(
    `insert into feed_events (ts, source, kind, detail)
     select t, 'binance.ws', 'heartbeat', '{"streams":["btcusdt@markPrice@1s","btcusdt@forceOrder"]}'::jsonb from ${series(60)}`,
    [end],
  );
  await db.sql.unsafe('analyze');
}

export const suite: BenchSuite = {
  name: 'predict',
  async run(): Promise<BenchRow[]> {
    return withBenchDatabase('predict', async (db) => {
      await seed(db);
      // Boundaries spread over the last 23 hours (every one has its full 10-minute lookback).
      const ticks = Array.from({ length: TICKS }, (_, k) => END - Math.floor(((k + 0.5) * (DAY_SEC - 3600)) / TICKS / 5) * 5000);
      let k = 0;
      const next = () => ticks[k++ % ticks.length];
      const roundTripMs = await timeMs(() => db.sql`select max(ts) from market_1s where symbol = 'KRW-BTC' and ts <= ${new Date(next()).toISOString()}::timestamptz`, TICKS);
      const computeMs = await timeMs(() => computeSnapshot(db, 'KRW-BTC', next(), OPTIONS), TICKS);
      const tickMs = await timeMs(async () => writeSnapshots(db, [await computeSnapshot(db, 'KRW-BTC', next(), OPTIONS)]), TICKS);
      const sample = await computeSnapshot(db, 'KRW-BTC', END, OPTIONS);
      const nulls = Object.keys(sample.feature.degraded as object);
      const setting = `1 day of 1 s bars + mark prices on PostgreSQL, median of ${TICKS} ticks; null columns in a sample: ${nulls.length ? nulls.join(', ') : 'none'}`;
      return [
        { name: 'snapshot computation per tick', value: computeMs, unit: 'ms', baseline: roundTripMs, baselineName: 'one indexed select max(ts)', ratio: roundTripMs / computeMs, note: setting },
        { name: 'snapshot computation + write (one transaction) per tick', value: tickMs, unit: 'ms', baseline: roundTripMs, baselineName: 'one indexed select max(ts)', ratio: roundTripMs / tickMs, note: 'the live loop has 5000 ms per tick' },
      ];
    });
  },
};
