import { describe, expect, it } from 'vitest';
import { BarBuilder, type TradeInput } from '../derived/bars.js';

const S = Date.UTC(2026, 10, 23, 1, 0, 0); // a whole second
const trade = (tradeTsMs: number, price: number, volume: number, side: 'BID' | 'ASK' = 'BID'): TradeInput => ({ tradeTsMs, price, volume, side, tsMs: tradeTsMs });

describe('BarBuilder', () => {
  it('aggregates one second of trades into OHLCV, buy/sell split and vwap, with the book at the second end', () => {
    const b = new BarBuilder('KRW-BTC', { graceMs: 500 });
    b.connected(S - 300); // coverage starts at S
    b.book({ tsMs: S + 100, bestBid: 99, bestAsk: 101, bidSize: 1, askSize: 2 }, S + 100);
    b.trade(trade(S + 200, 100, 1, 'BID'), S + 200);
    b.trade(trade(S + 900, 104, 2, 'ASK'), S + 900);
    b.trade(trade(S + 500, 98, 1, 'BID'), S + 950); // out of order: not the close
    b.book({ tsMs: S + 990, bestBid: 103, bestAsk: 105, bidSize: 3, askSize: 4 }, S + 990);
    b.book({ tsMs: S + 1000, bestBid: 1, bestAsk: 2, bidSize: 1, askSize: 1 }, S + 1000); // next second's book
    expect(b.close(S + 1400, S + 1000)).toEqual([]); // within grace
    const [bar] = b.close(S + 1600, S + 1000);
    expect(bar).toMatchObject({
      ts: new Date(S),
      open: 100,
      high: 104,
      low: 98,
      close: 104,
      volume: 4,
      quoteVolume: 100 + 208 + 98,
      tradeCount: 3,
      buyVolume: 2,
      sellVolume: 2,
      vwap: 406 / 4,
      bestBid: 103,
      bestAsk: 105,
      bidSize: 3,
      askSize: 4,
      mid: 104,
      spreadBps: (2 / 104) * 1e4,
      bookTs: new Date(S + 990),
      recvTs: new Date(S + 1600),
    });
  });

  it('writes a row for a second without trades (trade fields empty) and counts late trades without applying them', () => {
    const b = new BarBuilder('KRW-BTC', { graceMs: 0 });
    b.connected(S - 1);
    b.book({ tsMs: S + 10, bestBid: 10, bestAsk: 12, bidSize: 1, askSize: 1 }, S + 10);
    const bars = b.close(S + 2000, S + 2000); // another market's frame at S+2 s proves both seconds
    expect(bars).toHaveLength(2);
    expect(bars[0]).toMatchObject({ open: null, close: null, volume: 0, tradeCount: 0, vwap: null, mid: 11 });
    expect(b.trade(trade(S + 500, 11, 1), S + 2100)).toBe('late');
    expect(b.lateTrades).toBe(1);
    expect(b.trade(trade(S - 5000, 11, 1), S + 2100)).toBe('uncovered');
  });

  it('emits only seconds the connection covered completely, and nothing while disconnected', () => {
    const b = new BarBuilder('X', { graceMs: 0 });
    b.connected(S + 400); // partial second S is not covered
    b.trade(trade(S + 500, 1, 1), S + 500);
    b.trade(trade(S + 1500, 2, 1), S + 1500);
    b.trade(trade(S + 3200, 3, 1), S + 3200);
    const down = b.disconnected(S + 3200, S + 3300); // last frame at S+3.2 s: seconds S+1, S+2 complete
    expect(down.map((x) => x.ts.getTime() - S)).toEqual([1000, 2000]);
    expect(down[0].close).toBe(2);
    expect(b.close(S + 10_000, S + 10_000)).toEqual([]);
    b.connected(S + 6100);
    expect(b.close(S + 9000, S + 9000).map((x) => x.ts.getTime() - S)).toEqual([7000, 8000]);
  });

  it('coverage starts after the first frame\'s own stamp when the lag estimate runs behind it', () => {
    // Lag measured while the collector was busy (frames queued) overstates it for a fresh frame:
    // coverage from the estimate alone would start at a second whose first frames were never sent
    // (CI: a stall ended at S+16 ms, coverage restarted at S).
    const b = new BarBuilder('X', { graceMs: 0 });
    b.connected(S - 5000);
    b.book({ tsMs: S - 4000, bestBid: 1, bestAsk: 2, bidSize: 1, askSize: 1 }, S - 3700); // lag 300 ms
    b.disconnected(S - 3700, S - 3700);
    b.connected(S + 40, S + 16); // the first frame after the silence: stamped S+16 ms, received S+40 ms
    expect(b.pendingFromMs).toBe(S + 1000);
  });

  it('a disconnect writes no second still inside the grace: a trade of it may have been in flight', () => {
    // Upbit frames are not delivered in exchange-time order across trades and books (recordings:
    // 41-491 ms of lag each, trade times whole seconds in 2021), so a book stamped after a second's
    // end does not prove that second's trades all arrived; only the grace does.
    const b = new BarBuilder('X', { graceMs: 1500 });
    b.connected(S - 300); // coverage starts at S
    b.book({ tsMs: S - 100, bestBid: 1, bestAsk: 2, bidSize: 1, askSize: 1 }, S - 50);
    b.trade(trade(S + 200, 1, 1), S + 250);
    b.book({ tsMs: S + 1050, bestBid: 1, bestAsk: 2, bidSize: 1, askSize: 1 }, S + 1100);
    expect(b.disconnected(S + 1050, S + 1100)).toEqual([]);
    // Past the grace, the proven seconds are written as before.
    b.connected(S + 4700); // coverage from S+5 s
    b.book({ tsMs: S + 4900, bestBid: 1, bestAsk: 2, bidSize: 1, askSize: 1 }, S + 4900);
    b.trade(trade(S + 5200, 1, 1), S + 5200);
    b.book({ tsMs: S + 7600, bestBid: 1, bestAsk: 2, bidSize: 1, askSize: 1 }, S + 7600);
    expect(b.disconnected(S + 7600, S + 7600).map((x) => x.ts.getTime() - S)).toEqual([5000]);
  });

  it('writes a second only once a data frame stamped after its end arrived: a silent feed closes nothing', () => {
    const b = new BarBuilder('X', { graceMs: 500 });
    b.connected(S - 300); // coverage starts at S
    b.trade(trade(S + 200, 1, 1), S + 200);
    b.book({ tsMs: S + 1400, bestBid: 1, bestAsk: 2, bidSize: 1, askSize: 1 }, S + 1400); // proves S whole
    // Then nothing: local time runs on for 8 s, but no frame says S+1 s … was delivered.
    expect(b.close(S + 9000, S + 1400).map((x) => x.ts.getTime() - S)).toEqual([0]);
    expect(b.close(S + 9500, S + 1400)).toEqual([]);
    // The watchdog gives up: the second of the last frame is partial, so no row for it either.
    expect(b.disconnected(S + 1400, S + 9600)).toEqual([]);
    expect(b.pendingFromMs).toBeNull();
  });

  it('a second is proven by any data frame of the feed (a quiet market gets its rows from the others)', () => {
    const b = new BarBuilder('QUIET', { graceMs: 0 });
    b.connected(S - 1);
    // Not one frame of its own, and none of the feed yet: nothing is proven.
    expect(b.close(S + 3500, null)).toEqual([]);
    // The feed's newest data frame (another market's book) is stamped S+3.1 s.
    expect(b.close(S + 3500, S + 3100).map((x) => x.ts.getTime() - S)).toEqual([0, 1000, 2000]);
  });

  it('keeps order-book history by time: at 500 updates/s every bar has the book of its second end', () => {
    const b = new BarBuilder('BUSY'); // default grace (1.5 s)
    b.connected(S - 1);
    const bars = [];
    let maxHeld = 0;
    for (let t = S; t < S + 20_000; t += 2) {
      b.book({ tsMs: t, bestBid: t - S, bestAsk: t - S + 1, bidSize: 1, askSize: 1 }, t);
      maxHeld = Math.max(maxHeld, b.heldBooks);
      if (t % 250 === 0) bars.push(...b.close(t, t)); // the collector closes seconds every 250 ms
    }
    expect(bars.map((x) => x.ts.getTime() - S)).toEqual(Array.from({ length: 18 }, (_, i) => i * 1000));
    for (const bar of bars) {
      const endMs = bar.ts.getTime() + 1000;
      expect(bar.bookTs).toEqual(new Date(endMs - 2)); // the last update before the second's end
      expect(bar.bestBid).toBe(endMs - 2 - S);
    }
    // Bounded by the seconds still pending (grace + the close interval), not by the update rate's history.
    expect(maxHeld).toBeLessThanOrEqual(3 * 500);
  });

  it('estimates the exchange clock from receive lag, so a skewed local clock still closes seconds correctly', () => {
    const b = new BarBuilder('X', { graceMs: 200 });
    const skew = 1300; // local clock 1.3 s behind the exchange (as in the 2024 recording)
    b.connected(S - 2000 - skew);
    for (let i = 0; i < 50; i++) b.trade(trade(S + i * 20, 5, 1), S + i * 20 - skew + 30);
    const provenMs = S + 1300; // a later frame of the feed: only the clock decides here
    expect(b.close(S + 1100 - skew, provenMs).map((x) => x.ts.getTime())).not.toContain(S); // not yet in exchange time
    expect(b.close(S + 1300 - skew, provenMs).map((x) => x.ts.getTime())).toContain(S);
  });
});
