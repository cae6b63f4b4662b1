// End to end on real recordings: the fake exchange replays recorded Upbit SIMPLE frames (served
// as KRW-BTC) and recorded Binance markPrice@1s frames; the collector writes them; the test
// computes 1 s bars and mark-price rows itself from the frames a plain client received, and
// compares them with the database, on both backends.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeExchange } from '@cqt/testkit';
import { describeReal } from '@cqt/test-support/realFixtures';
import { describeBackends } from '@cqt/test-support/backends';
import { barsFrom, collectorEnv, fakeExchange, Observer, sleep, startCollect } from './support.js';

/** Best bid/ask of the last book before `endMs` (exchange time). */
function bookBefore(frames: { text: string }[], endMs: number): { bid: number; ask: number; ts: number } | null {
  let best: { bid: number; ask: number; ts: number } | null = null;
  for (const f of frames) {
    const m = JSON.parse(f.text);
    if (m.type !== 'orderbook' || m.timestamp >= endMs) continue;
    if (!best || m.timestamp >= best.ts) best = { bid: m.orderbook_units[0].bid_price, ask: m.orderbook_units[0].ask_price, ts: m.timestamp };
  }
  return best;
}

describeReal('collect replaying real recordings', (dir) => {
  describeBackends('collect → database', ({ db }) => {
    let fx: FakeExchange;
    let upbitObs: Observer;
    let binanceObs: Observer;

    beforeAll(async () => {
      fx = await fakeExchange({
        source: {
          kind: 'replay',
          paths: [join(dir, 'cryptofeed/commit-1312c062/UPBIT-d78752.0'), join(dir, 'hftbacktest/usdm/btcusdt_20230405.dat.gz')],
          speed: 2,
          symbolMap: { upbit: { 'KRW-BTC': 'KRW-DAWN' } },
        },
        markets: { upbit: ['KRW-BTC'], binance: ['BTCUSDT'] },
      });
      // The observers connect first and stay longer, so they see everything the collector sees.
      upbitObs = await Observer.upbit(fx, 'KRW-BTC');
      binanceObs = await Observer.binance(fx, 'BTCUSDT');
      const env = collectorEnv(fx);
      const c = startCollect({ env, durationSec: 12, ...(db().backend === 'postgres' ? { databaseUrl: dbUrl(db()) } : { dataDir: db().location }) });
      await c.done;
      await sleep(200);
      upbitObs.close();
      binanceObs.close();
    });

    afterAll(async () => {
      await fx?.close();
    });

    it('writes market_1s rows equal to bars computed from the same frames, one per second while connected', async () => {
      const rows = await db().sql`select * from market_1s where symbol = 'KRW-BTC' order by ts`;
      expect(rows.length).toBeGreaterThanOrEqual(8);
      // One row per second, no holes while connected.
      const first = rows[0].ts.getTime();
      expect(rows.map((r) => r.ts.getTime() - first)).toEqual(rows.map((_, i) => i * 1000));
      // Late trades must each be named (sequential id) so that the comparison stays exact.
      const late = await db().sql`select count, detail from feed_events where source = 'upbit.ws' and kind = 'late'`;
      const lateSids = new Set(late.flatMap((e) => (e.detail.samples as { sequentialId: string }[]).map((x) => x.sequentialId)));
      expect(late.reduce((n, e) => n + e.count, 0), 'late trades beyond the named samples').toBe(lateSids.size);
      expect(lateSids.size).toBeLessThanOrEqual(10);
      // The 2021 recording reuses sequential ids for distinct trades (its trade times are whole
      // seconds), so which copy a client keeps depends on when it subscribed: seconds in which
      // the collector dropped a trade as a duplicate are left out of the exact comparison.
      const duplicates = await db().sql`select count, detail from feed_events where source = 'upbit.ws' and kind = 'duplicate'`;
      const duplicateSamples = duplicates.flatMap((e) => e.detail.samples as { tradeTsMs: number }[]);
      expect(duplicates.reduce((n, e) => n + e.count, 0), 'duplicates beyond the named samples').toBe(duplicateSamples.length);
      const duplicateSecs = new Set(duplicateSamples.map((x) => Math.floor(x.tradeTsMs / 1000) * 1000));
      expect(duplicateSecs.size).toBeLessThanOrEqual(3);
      const expected = barsFrom(upbitObs.frames, lateSids);
      let withTrades = 0;
      for (const r of rows) {
        const sec = r.ts.getTime();
        const e = expected.get(sec);
        if (duplicateSecs.has(sec)) {
          // Not compared (see above).
        } else if (!e) {
          expect({ sec, open: r.open, count: r.trade_count, volume: r.volume }).toEqual({ sec, open: null, count: 0, volume: 0 });
        } else {
          withTrades++;
          expect({ sec, open: r.open, high: r.high, low: r.low, close: r.close, count: r.trade_count }).toEqual({ sec, open: e.open, high: e.high, low: e.low, close: e.close, count: e.tradeCount });
          expect(r.volume).toBeCloseTo(e.volume, 9);
          expect(r.buy_volume).toBeCloseTo(e.buyVolume, 9);
          expect(r.sell_volume).toBeCloseTo(e.sellVolume, 9);
          // vwap = quote / volume: inside [low, high] up to float rounding.
          expect(r.vwap).toBeGreaterThanOrEqual(e.low * (1 - 1e-12));
          expect(r.vwap).toBeLessThanOrEqual(e.high * (1 + 1e-12));
        }
        const book = bookBefore(upbitObs.frames, sec + 1000);
        expect({ sec, bid: r.best_bid, ask: r.best_ask, bookTs: r.book_ts?.getTime() ?? null }).toEqual({ sec, bid: book?.bid ?? null, ask: book?.ask ?? null, bookTs: book?.ts ?? null });
        // A bar is known only after its second closed.
        expect(r.recv_ts.getTime()).toBeGreaterThanOrEqual(sec + 1000);
      }
      expect(withTrades).toBeGreaterThan(3);
    });

    it('writes one binance_mark_price_1s row per recorded markPrice frame', async () => {
      const rows = await db().sql`select * from binance_mark_price_1s where symbol = 'BTCUSDT' order by ts`;
      expect(rows.length).toBeGreaterThanOrEqual(10);
      const from = rows[0].ts.getTime();
      const to = rows[rows.length - 1].ts.getTime();
      const frames = binanceObs.frames.map((f) => JSON.parse(f.text).data).filter((d) => d?.e === 'markPriceUpdate' && d.E >= from && d.E <= to);
      expect(rows.map((r) => r.ts.getTime())).toEqual(frames.map((d) => d.E));
      rows.forEach((r, i) => {
        expect(r.mark_price).toBe(Number(frames[i].p));
        expect(r.index_price).toBe(Number(frames[i].i));
        expect(r.funding_rate).toBe(Number(frames[i].r));
        expect(r.next_funding_time.getTime()).toBe(frames[i].T);
        expect(r.recv_ts.getTime()).toBeGreaterThanOrEqual(r.ts.getTime() - 5000);
      });
    });

    it('records connect and stop events and no parse errors on real frames', async () => {
      const events = await db().sql`select source, kind, count from feed_events order by ts`;
      const kinds = events.map((e) => `${e.source}:${e.kind}`);
      expect(kinds).toEqual(expect.arrayContaining(['collector:start', 'upbit.ws:connect', 'binance.ws:connect', 'collector:stop']));
      expect(kinds.filter((k) => k.endsWith('parse_error'))).toEqual([]);
    });
  });
});

function dbUrl(db: { sql: { options: unknown } }): string {
  const o = db.sql.options as { host: string[]; port: number[]; database: string; user: string };
  return `postgres://${o.user}@${o.host[0]}:${o.port[0]}/${o.database}`;
}
