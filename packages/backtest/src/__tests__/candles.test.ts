// Input validation: corrupt rows, duplicates, disorder and off-grid candles are refused; holes are
// refused unless allowGaps, which counts the missing bars.
import { describe, expect, it } from 'vitest';
import { BacktestInputError } from '../errors.js';
import { candlesFromRows, checkCandles, hashCandles, type CandleRow } from '../candles.js';
import { MINUTE_MS, T0_MS } from './support.js';

const next = (ts: number) => ts + MINUTE_MS;
const row = (i: number, over: Partial<CandleRow> = {}): CandleRow => ({ tsMs: T0_MS + i * MINUTE_MS, open: 10, high: 11, low: 9, close: 10.5, volume: 3, ...over });
const refusal = (rows: CandleRow[], allowGaps = false) => {
  try {
    checkCandles(candlesFromRows(rows), { nextOpenMs: next, allowGaps });
  } catch (err) {
    expect(err).toBeInstanceOf(BacktestInputError);
    return `${(err as BacktestInputError).message} | ${(err as BacktestInputError).hint}`;
  }
  return 'accepted';
};

describe('checkCandles', () => {
  it('accepts a complete series: nothing missing', () => {
    expect(checkCandles(candlesFromRows([0, 1, 2, 3].map((i) => row(i))), { nextOpenMs: next })).toEqual({ missingBars: 0, holes: 0 });
  });

  it('refuses holes, naming the count and the first; allowGaps runs and reports the missing bars', () => {
    const rows = [row(0), row(1), row(4), row(5), row(7)];
    expect(refusal(rows)).toBe('3 candles missing in 2 holes (first: 2026-01-01T00:02:00.000Z … 2026-01-01T00:04:00.000Z) | backfill the range, or pass --allow-gaps to run over the holes (the engine then treats consecutive rows as consecutive bars)');
    expect(checkCandles(candlesFromRows(rows), { nextOpenMs: next, allowGaps: true })).toEqual({ missingBars: 3, holes: 2 });
  });

  it('refuses duplicates, disorder and off-grid times even with allowGaps', () => {
    expect(refusal([row(0), row(1), row(1)], true)).toMatch(/^duplicate candle at 2026-01-01T00:01:00.000Z \(rows 2 and 3\) \| /);
    expect(refusal([row(0), row(2), row(1)], true)).toMatch(/^candles out of order at row 3: /);
    expect(refusal([row(0), { ...row(1), tsMs: T0_MS + 90_000 }], true)).toMatch(/^candle at 2026-01-01T00:01:30.000Z \(row 2\) is off the timeframe's grid \| check --timeframe/);
  });

  it.each([
    ['a NaN close', { close: NaN }, 'a missing or non-finite value'],
    ['high below low', { high: 8 }, 'high 8 < low 9'],
    ['open above high', { open: 12 }, 'open 12 outside [low 9, high 11]'],
    ['close below low', { close: 8.5 }, 'close 8.5 outside [low 9, high 11]'],
    ['negative volume', { volume: -1 }, 'volume -1 < 0'],
    ['zero price', { low: 0, open: 0, close: 0, high: 0 }, 'low 0 is not a positive price'],
  ])('refuses a corrupt row (%s) even with allowGaps', (_name, over, why) => {
    expect(refusal([row(0), row(1, over)], true)).toBe(`corrupt candle at 2026-01-01T00:01:00.000Z (row 2): ${why} | fix or remove the row in the input; --allow-gaps does not cover corrupt rows`);
  });

  it('refuses an empty input', () => {
    expect(refusal([])).toMatch(/^no candles in the input/);
  });

  it('hashes the candle values: the same candles hash alike, one changed value changes the hash', () => {
    const a = hashCandles(candlesFromRows([row(0), row(1)]));
    expect(hashCandles(candlesFromRows([row(0), row(1)]))).toBe(a);
    expect(hashCandles(candlesFromRows([row(0), row(1, { volume: 3.0000001 })]))).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
});
