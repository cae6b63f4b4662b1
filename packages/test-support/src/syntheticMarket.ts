// A seeded synthetic market written the way `cqt collect` writes it (docs/operations.md): 1 s bars
// keyed by their open second and received after the second closed plus the collector's grace,
// mark prices received just after their event time, 5-minute metric points, sparse liquidations,
// and the binance.ws connect/heartbeat events that say the forceOrder stream was up. Shared by the
// features, predict and check-leak tests.
import { createWriter, type Db, type RowOf } from '@cqt/db';
import { mulberry32 } from '@cqt/labeling';
import { BrownianFirstPassage, type SnapshotOptions } from '@cqt/features';
import { SEC, insert } from './seed.js';

export const SYMBOL = 'KRW-BTC';
export const BINANCE = 'BTCUSDT';
/** A bar for second S becomes known at S + 1 s (the second closes) + 1.5 s grace + a tick. */
export const BAR_RECV_DELAY_MS = 2600;
export const STREAMS = ['btcusdt@markPrice@1s', 'btcusdt@forceOrder'];

export const snapshotOptions = (overrides: Partial<SnapshotOptions> = {}): SnapshotOptions => ({
  binanceSymbol: BINANCE,
  horizonSec: 120,
  binancePollSec: 60,
  barrier: { feePerSide: 0.0005, rMin: 0.0005, costMultiplier: 1, kVol: 1 },
  model: new BrownianFirstPassage(),
  ...overrides,
});

export interface MarketRows {
  market_1s: RowOf<'market_1s'>[];
  binance_mark_price_1s: RowOf<'binance_mark_price_1s'>[];
  binance_futures_metrics: RowOf<'binance_futures_metrics'>[];
  binance_force_orders: RowOf<'binance_force_orders'>[];
  feed_events: RowOf<'feed_events'>[];
}

/**
 * Raw rows for every second in [fromMs, toMs): for each Upbit market a random-walk mid (1 bp/s),
 * trades and book; for the Binance symbol a mark price, metrics on the 5-minute grid (received
 * 10 s after their period), a liquidation about every 40 s, and a connect at fromMs followed by a
 * heartbeat every 60 s.
 */
export function syntheticMarket(seed: number, fromMs: number, toMs: number, markets: readonly string[] = [SYMBOL]): MarketRows {
  const random = mulberry32(seed);
  const rows: MarketRows = { market_1s: [], binance_mark_price_1s: [], binance_futures_metrics: [], binance_force_orders: [], feed_events: [] };
  const mids = markets.map(() => 1.4e8);
  let mark = 95_000;
  for (let t = fromMs; t < toMs; t += SEC) {
    mark *= Math.exp((random() - 0.5) * 3.46e-4);
    markets.forEach((symbol, m) => rows.market_1s.push(bar(symbol, t, (mids[m] = Math.round((mids[m] * Math.exp((random() - 0.5) * 3.46e-4)) / 1000) * 1000), random)));
    const eventMs = t + 100;
    rows.binance_mark_price_1s.push({ symbol: BINANCE, ts: new Date(eventMs), markPrice: mark, indexPrice: mark * 0.9998, fundingRate: 0.0001, recvTs: new Date(eventMs + 40) });
    if (random() < 1 / 40) {
      const price = mark * (1 + (random() - 0.5) * 0.001);
      const qty = Math.round(random() * 1000) / 1000 + 0.001;
      rows.binance_force_orders.push({ symbol: BINANCE, ts: new Date(t + 500), side: random() < 0.5 ? 'SELL' : 'BUY', price, origQty: qty, notional: price * qty, status: 'FILLED', eventTs: new Date(t + 510), recvTs: new Date(t + 530) });
    }
    if (t % (300 * SEC) === 0) {
      for (const [metric, value] of [['open_interest_value', 8e9 * (1 + (random() - 0.5) * 0.01)], ['global_ls_ratio', 1.5], ['top_ls_ratio', 1.2], ['taker_ls_ratio', 0.9 + random() * 0.2], ['basis', 30 + random()]] as const) {
        rows.binance_futures_metrics.push({ symbol: BINANCE, metric, ts: new Date(t), value, recvTs: new Date(t + 10 * SEC) });
      }
    }
    if (t === fromMs || (t - fromMs) % (60 * SEC) === 0) {
      rows.feed_events.push({ ts: new Date(t + 3), source: 'binance.ws', kind: t === fromMs ? 'connect' : 'heartbeat', detail: { streams: STREAMS } });
    }
  }
  return rows;
}

function bar(symbol: string, t: number, mid: number, random: () => number): RowOf<'market_1s'> {
  const trades = Math.floor(random() * 6);
  const buy = trades ? random() * 0.05 : 0;
  const sell = trades ? random() * 0.05 : 0;
  return {
    symbol,
    ts: new Date(t),
    open: trades ? mid : null,
    high: trades ? mid + 1000 : null,
    low: trades ? mid - 1000 : null,
    close: trades ? mid : null,
    volume: buy + sell,
    quoteVolume: (buy + sell) * mid,
    tradeCount: trades,
    buyVolume: buy,
    sellVolume: sell,
    vwap: trades ? mid : null,
    bestBid: mid - 500,
    bestAsk: mid + 500,
    bidSize: 0.1 + random(),
    askSize: 0.1 + random(),
    mid,
    spreadBps: (1000 / mid) * 1e4,
    bookTs: new Date(t + 900),
    recvTs: new Date(t + BAR_RECV_DELAY_MS),
  };
}

export async function seed(db: Db, rows: MarketRows): Promise<void> {
  for (const table of Object.keys(rows) as (keyof MarketRows)[]) await insert(db, table, rows[table] as RowOf<typeof table>[]);
}

/**
 * Writes the rows of each second as a collector would, in real time: every row whose recv_ts has
 * passed is written (recv_ts kept as generated), until stopped. Returns a stop function that
 * resolves when the last write is done.
 */
export function writeLive(db: Db, rows: MarketRows): () => Promise<void> {
  const tables = Object.keys(rows) as (keyof MarketRows)[];
  const arrival = (table: keyof MarketRows, row: RowOf<keyof MarketRows>) => ((table === 'feed_events' ? row.ts : (row as { recvTs: Date }).recvTs) as Date).getTime();
  const pending = tables.map((table) => rows[table].slice().sort((a, b) => arrival(table, a) - arrival(table, b)));
  const writers = tables.map((table) => createWriter(db, table, { flushIntervalMs: 100 }));
  const timer = setInterval(() => {
    const now = Date.now();
    tables.forEach((table, k) => {
      const due: RowOf<typeof table>[] = [];
      while (pending[k].length && arrival(table, pending[k][0]) <= now) due.push(pending[k].shift()!);
      if (due.length) void writers[k].write(due as never[]);
    });
  }, 50);
  return async () => {
    clearInterval(timer);
    for (const w of writers) await w.close();
  };
}
