// CandlePredictor without a store: the boundary grid per timeframe, the inputs it looks up (only
// the K + 1 candles opening before the close), the barrier width and the degenerate cases.
import { describe, expect, it } from 'vitest';
import { CandlePredictor, boundaryAtOrBefore, timeframeMs } from '../candles.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const series = { venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1h' };
const settings = { horizonCandles: 4, lookbackCandles: 3, kVol: 1, rMin: 0 };
const T = Date.UTC(2026, 10, 23, 10, 0, 0);

const byOpen = (closes: Array<[number, number]>) => new Map(closes.map(([openMs, close]) => [openMs, { openMs, close }]));

describe('CandlePredictor', () => {
  it('boundaries sit on the timeframe grid (weeks close on Monday 00:00 UTC); 1M has no fixed length', () => {
    expect(boundaryAtOrBefore('1h', T + 59 * 60_000)).toBe(T);
    expect(boundaryAtOrBefore('1d', T)).toBe(Date.UTC(2026, 10, 23));
    expect(new Date(boundaryAtOrBefore('1w', T)).getUTCDay()).toBe(1);
    expect(timeframeMs('1M')).toBeUndefined();
    expect(() => new CandlePredictor({ ...series, timeframe: '1M' }, settings)).toThrow('timeframe 1M has no fixed candle length');
  });

  it('uses exactly the K + 1 candles opening before the close; a later one is never looked at', () => {
    const p = new CandlePredictor(series, settings);
    const inputs: Array<[number, number]> = [[T - 4 * HOUR, 100], [T - 3 * HOUR, 101], [T - 2 * HOUR, 99], [T - HOUR, 100.5]];
    const a = p.fromCandles(T, byOpen(inputs));
    const b = p.fromCandles(T, byOpen([...inputs, [T, 500], [T + HOUR, 1], [T - 5 * HOUR, 3]]));
    expect(a).toEqual(b);
    if (!a.ok) throw new Error(a.reason);
    const r = [Math.log(101 / 100), Math.log(99 / 101), Math.log(100.5 / 99)];
    const mean = (r[0] + r[1] + r[2]) / 3;
    const sigma = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / 2);
    expect(a.row.sigma).toBeCloseTo(sigma, 15);
    expect(a.row.rT).toBeCloseTo(sigma * 2, 15); // k·sigma·√N with N = 4
    expect(a.row.close).toBe(100.5);
    expect(a.row.inputsMaxTs.getTime()).toBe(T - HOUR);
    expect(a.row.pUp + a.row.pDown + a.row.pNone).toBeCloseTo(1, 12);
    // Driftless in log price: p0·(1 + r) is nearer than p0·(1 − r) (log1p(r) < −log1p(−r)).
    expect(a.row.pUp).toBeGreaterThan(a.row.pDown);
    expect(a.row.pUp + a.row.pDown).toBeGreaterThan(0.2);
  });

  it('a missing input is a gap naming it; flat candles without a floor give no touch; the floor widens r', () => {
    const p = new CandlePredictor(series, settings);
    const gap = p.fromCandles(T, byOpen([[T - 4 * HOUR, 100], [T - 2 * HOUR, 99], [T - HOUR, 100]]));
    expect(gap).toEqual({ ok: false, tsMs: T, reason: `gap: no closed candle opening at ${new Date(T - 3 * HOUR).toISOString()}` });
    const flat = p.fromCandles(T, byOpen([0, 1, 2, 3].map((i) => [T - (4 - i) * HOUR, 100] as [number, number])));
    expect(flat.ok && [flat.row.pUp, flat.row.pDown, flat.row.pNone]).toEqual([0, 0, 1]);
    const floored = new CandlePredictor({ ...series, timeframe: '1d' }, { ...settings, rMin: 0.05 });
    const d = floored.fromCandles(T - 10 * HOUR + DAY, byOpen([[T - 10 * HOUR - 3 * DAY, 100], [T - 10 * HOUR - 2 * DAY, 100.1], [T - 10 * HOUR - DAY, 100], [T - 10 * HOUR, 100.1]]));
    expect(d.ok && d.row.rT).toBe(0.05);
  });
});
