// Metrics of a small run computed by hand from their definitions (docs/backtest.md §Metrics).
import { describe, expect, it } from 'vitest';
import type { EngineResult, Trade } from '../engine.js';
import { computeMetrics } from '../metrics.js';

const trade = (pnl: number, stake: number, barsHeld: number): Trade => ({
  entryIndex: 0, exitIndex: 0, entryTsMs: 0, exitTsMs: 0, side: 'long', qty: 1, entryPrice: 1, exitPrice: 1, fees: 0, pnl, return: pnl / stake, exitReason: 'hold', barsHeld,
});

describe('computeMetrics', () => {
  it('returns, drawdown and its duration, Sharpe, Sortino, trade statistics', () => {
    const equity = Float64Array.from([100, 110, 99, 121, 121, 115]);
    const run: EngineResult = { equity, position: new Float64Array(6), trades: [trade(10, 100, 2), trade(-5, 110, 1), trade(16, 105, 2)], skippedSignals: 3, finalCash: 115 };
    const m = computeMetrics({ run, initialCash: 100, buyHoldFinal: 105, barsPerYear: 365 });
    const r = [0, 0.1, 99 / 110 - 1, 121 / 99 - 1, 0, 115 / 121 - 1];
    const mean = r.reduce((a, b) => a + b) / 6;
    const std = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 5);
    const down = Math.sqrt(r.reduce((a, x) => a + Math.min(x, 0) ** 2, 0) / 6);
    expect(m.totalReturn).toBeCloseTo(0.15, 12);
    expect(m.buyHoldReturn).toBeCloseTo(0.05, 12);
    expect(m.excessReturn).toBeCloseTo(0.1, 12);
    expect(m.cagr).toBeCloseTo(1.15 ** (365 / 6) - 1, 6);
    // Deepest: 110 → 99 (10 %), from the peak at bar 1 back to it at bar 3: 2 bars. 121 → 115 is shallower.
    expect(m.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(m.maxDrawdownBars).toBe(2);
    expect(m.sharpe).toBeCloseTo((mean / std) * Math.sqrt(365), 9);
    expect(m.sortino).toBeCloseTo((mean / down) * Math.sqrt(365), 9);
    expect(m.trades).toBe(3);
    expect(m.winRate).toBeCloseTo(2 / 3, 12);
    expect(m.profitFactor).toBeCloseTo(26 / 5, 12);
    expect(m.expectancy).toBeCloseTo(21 / 3, 12);
    expect(m.expectancyReturn).toBeCloseTo((0.1 - 5 / 110 + 16 / 105) / 3, 12);
    expect(m.exposure).toBeCloseTo(5 / 6, 12);
    expect(m.avgBarsHeld).toBeCloseTo(5 / 3, 12);
    expect(m.skippedSignals).toBe(3);
  });

  it('a drawdown never recovered lasts to the last bar; ratios without a base are null', () => {
    const run: EngineResult = { equity: Float64Array.from([100, 100, 90, 95]), position: new Float64Array(4), trades: [], skippedSignals: 0, finalCash: 95 };
    const m = computeMetrics({ run, initialCash: 100, buyHoldFinal: 100, barsPerYear: 365 });
    expect(m.maxDrawdownBars).toBe(2);
    expect(m).toMatchObject({ trades: 0, winRate: null, profitFactor: null, expectancy: null, avgBarsHeld: null, exposure: 0 });
    const flat = computeMetrics({ run: { ...run, equity: Float64Array.from([100, 100]) }, initialCash: 100, buyHoldFinal: 100, barsPerYear: 365 });
    expect(flat).toMatchObject({ sharpe: null, sortino: null, maxDrawdown: 0, maxDrawdownBars: 0, totalReturn: 0 });
  });
});
