// The position manager against the execution rules of ../shared/reference/volume-zone-breakout.md:
// next-open fills with slippage, a fee on each side, all cash in, one position at a time, fills
// inside the candle, intrabar stops (stop first), callbacks.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@cqt/labeling';
import { candlesFromRows, type Candles } from '../candles.js';
import { runEngine, type ExecutionOptions, type Trade } from '../engine.js';
import { MINUTE_MS, T0_MS, randomCandles } from './support.js';

const candles = (rows: Array<[number, number, number, number]>): Candles =>
  candlesFromRows(rows.map(([open, high, low, close], i) => ({ tsMs: T0_MS + i * MINUTE_MS, open, high, low, close, volume: 1 })));
const at = (n: number, ...idx: number[]) => {
  const a = new Uint8Array(n);
  for (const i of idx) a[i] = 1;
  return a;
};
const costs: ExecutionOptions = { cash: 1_000_000, feeRate: 0.001, slippageRate: 0.0002 };

describe('runEngine', () => {
  const c = candles([
    [100, 101, 99, 100],
    [100, 102, 99, 101], // signal here
    [102, 104, 101, 103], // entry at this open
    [103, 106, 102, 105],
    [104, 105, 100, 101], // exit at this open (hold 2)
    [101, 102, 100, 101],
  ]);

  it('enters at the next open plus slippage and exits hold bars later at the open minus slippage, paying the fee on each side', () => {
    const r = runEngine(c, { entry: at(6, 1), holdBars: 2 }, costs);
    const entryPrice = 102 * 1.0002;
    const qty = 1_000_000 / (entryPrice * 1.001);
    const entryFee = qty * entryPrice * 0.001;
    const exitPrice = 104 * 0.9998;
    const proceeds = qty * exitPrice;
    const exitFee = proceeds * 0.001;
    const cashAfter = proceeds - exitFee;
    expect(r.trades).toHaveLength(1);
    const [t] = r.trades;
    expect(t).toMatchObject({ entryIndex: 2, exitIndex: 4, entryTsMs: T0_MS + 2 * MINUTE_MS, exitTsMs: T0_MS + 4 * MINUTE_MS, side: 'long', exitReason: 'hold', barsHeld: 2 });
    expect(t.entryPrice).toBe(entryPrice);
    expect(t.exitPrice).toBe(exitPrice);
    expect(t.qty).toBe(qty);
    expect(t.fees).toBeCloseTo(entryFee + exitFee, 6);
    expect(entryFee).toBeGreaterThan(0);
    expect(exitFee).toBeGreaterThan(0);
    expect(t.pnl).toBeCloseTo(cashAfter - 1_000_000, 6);
    expect(t.return).toBeCloseTo((cashAfter - 1_000_000) / 1_000_000, 12);
    // Marked at each close: cash before the entry, qty × close while held, cash after the exit.
    expect(Array.from(r.equity)).toEqual([1_000_000, 1_000_000, qty * 103, qty * 105, cashAfter, cashAfter]);
    expect(Array.from(r.position)).toEqual([0, 0, qty, qty, 0, 0]);
    expect(r.finalCash).toBe(cashAfter);
    // Without costs the same trade returns exactly the open-to-open move.
    const free = runEngine(c, { entry: at(6, 1), holdBars: 2 }, { cash: 1000, feeRate: 0, slippageRate: 0 });
    expect(free.trades[0].return).toBeCloseTo(104 / 102 - 1, 12);
    expect(free.trades[0].fees).toBe(0);
  });

  it('clamps a slipped fill into the candle: a buy at an open equal to the high fills at the high, a sell at an open equal to the low at the low', () => {
    const d = candles([[10, 11, 9, 10], [11, 11, 10, 10.5], [10, 12, 10, 11], [10, 10.5, 9, 10]]);
    const r = runEngine(d, { entry: at(4, 0), holdBars: 1 }, costs);
    expect(r.trades[0].entryPrice).toBe(11);
    expect(r.trades[0].exitPrice).toBe(10);
  });

  it('one position at a time: an entry candle before the exit candle is skipped and counted; on the exit candle the exit fills first and the entry at the same open', () => {
    const r = runEngine(c, { entry: at(6, 0, 1, 2), holdBars: 2 }, costs);
    // Signal 0 → entry 1, exit 3. Signal 1 → entry 2 < 3: skipped. Signal 2 → entry 3 = exit candle: taken.
    expect(r.skippedSignals).toBe(1);
    expect(r.trades.map((t) => [t.entryIndex, t.exitIndex, t.exitReason])).toEqual([[1, 3, 'hold'], [3, 5, 'hold']]);
    expect(r.trades[1].qty * r.trades[1].entryPrice * 1.001).toBeCloseTo(r.trades[0].pnl + 1_000_000, 6);
  });

  it('a signal on the last candle is ignored; a position whose exit candle does not exist leaves at the last close minus slippage (end_of_data)', () => {
    const r = runEngine(c, { entry: at(6, 3, 5), holdBars: 5 }, costs);
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]).toMatchObject({ entryIndex: 4, exitIndex: 5, exitReason: 'end_of_data', barsHeld: 2, exitPrice: 101 * 0.9998 });
    expect(r.equity[5]).toBe(r.finalCash);
    expect(r.skippedSignals).toBe(0);
  });

  it('exit signals leave at the next open; without a hold the position runs until one', () => {
    const r = runEngine(c, { entry: at(6, 0), exit: at(6, 2) }, costs);
    expect(r.trades.map((t) => [t.entryIndex, t.exitIndex, t.exitReason, t.exitPrice])).toEqual([[1, 3, 'signal', 103 * 0.9998]]);
  });

  it('stop-loss is tested before take-profit: a bar reaching both exits at the stop; a gap below the stop fills at the open', () => {
    const d = candles([
      [100, 100, 100, 100],
      [100, 100.5, 99.5, 100], // entry at 100 × 1.0002
      [100, 120, 80, 100], // both levels inside: stop first
      [100, 100, 100, 100],
      [100, 100.5, 99.5, 100], // second entry
      [90, 91, 85, 88], // opens below the stop: fills at the open (minus slippage)
      [88, 130, 88, 125],
    ]);
    const r = runEngine(d, { entry: at(7, 0, 3), holdBars: 10 }, { ...costs, stopLoss: 0.05, takeProfit: 0.1 });
    const stop = 100 * 1.0002 * 0.95;
    expect(r.trades.map((t) => [t.entryIndex, t.exitIndex, t.exitReason, t.barsHeld])).toEqual([[1, 2, 'stop_loss', 2], [4, 5, 'stop_loss', 2]]);
    expect(r.trades[0].exitPrice).toBe(stop * 0.9998);
    expect(r.trades[1].exitPrice).toBe(90 * 0.9998);
    // Only the target: exits at the target level minus slippage.
    const tp = runEngine(d, { entry: at(7, 5), holdBars: 10 }, { ...costs, takeProfit: 0.1 });
    expect(tp.trades[0]).toMatchObject({ entryIndex: 6, exitIndex: 6, exitReason: 'take_profit', exitPrice: 88 * 1.0002 * 1.1 * 0.9998 });
  });

  it('tells opened, updated at each close, closed — in that order, with the trade it made', () => {
    const events: string[] = [];
    let closed: Trade | undefined;
    runEngine(c, { entry: at(6, 1), holdBars: 2 }, {
      ...costs,
      callbacks: {
        opened: (p) => events.push(`opened ${p.entryIndex}`),
        updated: (_p, m) => events.push(`updated ${m.index} ${m.equity.toFixed(2)}`),
        closed: (t) => ((closed = t), events.push(`closed ${t.exitIndex} ${t.exitReason}`)),
      },
    });
    const qty = 1_000_000 / (102 * 1.0002 * 1.001);
    expect(events).toEqual(['opened 2', `updated 2 ${(qty * 103).toFixed(2)}`, `updated 3 ${(qty * 105).toFixed(2)}`, 'closed 4 hold']);
    expect(closed).toMatchObject({ entryIndex: 2, exitIndex: 4, exitPrice: 104 * 0.9998 });
  });

  it('on 500 random runs every fill lies inside its candle and equity compounds exactly from the trades', () => {
    let fills = 0;
    for (let seed = 1; seed <= 500; seed++) {
      const rnd = mulberry32(seed);
      const d = randomCandles(seed, 200, seed % 2 ? 'walk' : 'grid');
      const entry = new Uint8Array(d.length).map(() => Number(rnd() < 0.15));
      const exit = rnd() < 0.5 ? new Uint8Array(d.length).map(() => Number(rnd() < 0.1)) : undefined;
      const options: ExecutionOptions = {
        cash: 1000,
        feeRate: rnd() * 0.002,
        slippageRate: rnd() < 0.2 ? 0.05 : rnd() * 0.001, // large slippage forces clamping
        stopLoss: rnd() < 0.5 ? rnd() * 0.03 : undefined,
        takeProfit: rnd() < 0.5 ? rnd() * 0.03 : undefined,
      };
      const r = runEngine(d, { entry, exit, holdBars: rnd() < 0.5 ? 1 + Math.floor(rnd() * 5) : undefined }, options);
      let cash = 1000;
      let lastExit = -1;
      for (const t of r.trades) {
        expect(t.entryPrice).toBeGreaterThanOrEqual(d.low[t.entryIndex]);
        expect(t.entryPrice).toBeLessThanOrEqual(d.high[t.entryIndex]);
        expect(t.exitPrice).toBeGreaterThanOrEqual(d.low[t.exitIndex]);
        expect(t.exitPrice).toBeLessThanOrEqual(d.high[t.exitIndex]);
        expect(t.entryIndex).toBeGreaterThanOrEqual(lastExit);
        lastExit = t.exitIndex;
        cash *= 1 + t.return;
        fills += 2;
      }
      expect(r.finalCash).toBeCloseTo(cash, 6);
      expect(r.equity[d.length - 1]).toBe(r.finalCash);
    }
    expect(fills).toBeGreaterThan(5000);
  });
});
