import { describe, expect, it } from 'vitest';
import { expectedRows, fillRate, findGaps, lagSec, nullRate } from '../measures.js';

const T = Date.UTC(2026, 10, 23, 10, 0, 0); // aligned to 1 s, 5 s and 60 s
const SEC = 1000;

describe('lagSec', () => {
  it.each([
    { name: 'newest 90 s before as-of', newestTsMs: T - 90 * SEC, expected: 90 },
    { name: 'ms precision', newestTsMs: T - 1500, expected: 1.5 },
    { name: 'newest at as-of', newestTsMs: T, expected: 0 },
    { name: 'newest 1 ms after as-of', newestTsMs: T + 1, expected: 0 },
    { name: 'newest an hour after as-of', newestTsMs: T + 3600 * SEC, expected: 0 },
  ])('$name → $expected s', ({ newestTsMs, expected }) => {
    expect(lagSec(newestTsMs, T)).toBe(expected);
  });

  it('is never negative over a sweep around as-of', () => {
    for (let offsetMs = -5000; offsetMs <= 5000; offsetMs += 7) {
      expect(lagSec(T + offsetMs, T)).toBeGreaterThanOrEqual(0);
    }
  });

  it.each([NaN, Infinity, -Infinity])('rejects a non-finite time (%s)', (bad) => {
    expect(() => lagSec(bad, T)).toThrow(/newestTsMs must be a finite number/);
    expect(() => lagSec(T, bad)).toThrow(/asOfMs must be a finite number/);
  });
});

describe('expectedRows counts grid points t with start < t <= end', () => {
  it.each([
    { name: '10 min on the 1 s grid, aligned edges', start: T - 600 * SEC, end: T, stepSec: 1, expected: 600 },
    { name: 'empty window', start: T, end: T, stepSec: 1, expected: 0 },
    { name: 'one step, aligned: end counted, start not', start: T, end: T + SEC, stepSec: 1, expected: 1 },
    { name: 'start 1 ms before a point counts it', start: T - 1, end: T, stepSec: 5, expected: 1 },
    { name: 'start on a point excludes it', start: T, end: T + 4999, stepSec: 5, expected: 0 },
    { name: 'misaligned edges on the 1 s grid', start: T + 500, end: T + 10_500, stepSec: 1, expected: 10 },
    { name: 'shorter than a step, no point inside', start: T + 200, end: T + 800, stepSec: 1, expected: 0 },
    { name: 'shorter than a step, straddling a point', start: T + 800, end: T + 1200, stepSec: 1, expected: 1 },
    { name: '1 min on the 5 s grid, aligned', start: T, end: T + 60 * SEC, stepSec: 5, expected: 12 },
    { name: '5 s grid, start misaligned', start: T + SEC, end: T + 61 * SEC, stepSec: 5, expected: 12 },
    { name: '5 s grid, end just short of a point', start: T + SEC, end: T + 64_999, stepSec: 5, expected: 12 },
    { name: '5 s grid, end on a point', start: T + SEC, end: T + 65 * SEC, stepSec: 5, expected: 13 },
    { name: '1 h of 60 s polls', start: T - 3600 * SEC, end: T, stepSec: 60, expected: 60 },
    { name: '500 ms grid', start: T, end: T + 2 * SEC, stepSec: 0.5, expected: 4 },
  ])('$name → $expected', ({ start, end, stepSec, expected }) => {
    expect(expectedRows(start, end, stepSec)).toBe(expected);
  });

  it('matches a brute-force count over misaligned windows', () => {
    for (const stepSec of [1, 5, 60]) {
      const stepMs = stepSec * SEC;
      for (let i = 0; i < 200; i++) {
        const start = T + ((i * 7919) % 130_000) - 65_000;
        const end = start + ((i * 104_729) % 200_000);
        let count = 0;
        for (let t = Math.ceil(start / stepMs) * stepMs; t <= end; t += stepMs) if (t > start) count++;
        expect(expectedRows(start, end, stepSec), `${start}..${end} step ${stepSec}`).toBe(count);
      }
    }
  });

  it('tiles: consecutive windows add up without double counting', () => {
    const a = T - 12_345;
    const b = T + 6_789;
    const c = T + 60_001;
    expect(expectedRows(a, b, 1) + expectedRows(b, c, 1)).toBe(expectedRows(a, c, 1));
  });

  it.each([
    { name: 'inverted window', start: T, end: T - 1, stepSec: 1, error: /window ends .* before it starts/ },
    { name: 'zero step', start: T, end: T + SEC, stepSec: 0, error: /stepSec must be a positive whole number of ms/ },
    { name: 'negative step', start: T, end: T + SEC, stepSec: -1, error: /stepSec/ },
    { name: 'NaN step', start: T, end: T + SEC, stepSec: NaN, error: /stepSec/ },
    { name: 'sub-ms step', start: T, end: T + SEC, stepSec: 0.0005, error: /stepSec/ },
    { name: 'NaN start', start: NaN, end: T, stepSec: 1, error: /windowStartMs must be a finite number/ },
  ])('rejects $name', ({ start, end, stepSec, error }) => {
    expect(() => expectedRows(start, end, stepSec)).toThrow(error);
  });
});

describe('fillRate', () => {
  it.each([
    { name: 'complete', rows: 600, expected: 600, rate: 1 },
    { name: 'some missing', rows: 540, expected: 600, rate: 0.9 },
    { name: 'none present', rows: 0, expected: 600, rate: 0 },
    { name: 'duplicates do not push it above 1', rows: 612, expected: 600, rate: 1 },
    { name: 'empty window: nothing expected, nothing missing', rows: 0, expected: 0, rate: 1 },
    { name: 'rows but nothing expected', rows: 3, expected: 0, rate: 1 },
  ])('$name: $rows / $expected → $rate', ({ rows, expected, rate }) => {
    expect(fillRate(rows, expected)).toBe(rate);
  });

  it('measures a 1 s feed with a 30 s disconnect over 10 min', () => {
    const start = T - 600 * SEC;
    const rows = Array.from({ length: 600 }, (_, i) => start + (i + 1) * SEC).filter(
      (tsMs) => tsMs <= T - 300 * SEC || tsMs > T - 270 * SEC,
    );
    expect(fillRate(rows.length, expectedRows(start, T, 1))).toBe(0.95);
  });

  it.each([
    [-1, 10],
    [1, -10],
    [1.5, 10],
    [NaN, 10],
  ])('rejects fillRate(%s, %s)', (rows, expected) => {
    expect(() => fillRate(rows, expected)).toThrow(/must be a non-negative integer/);
  });
});

describe('findGaps', () => {
  it.each([
    { name: 'no rows', ts: [], stepSec: 1, gaps: [] },
    { name: 'one row', ts: [T], stepSec: 1, gaps: [] },
    { name: 'contiguous 1 s rows', ts: [T, T + SEC, T + 2 * SEC], stepSec: 1, gaps: [] },
    { name: 'duplicates are not gaps', ts: [T, T, T + SEC, T + SEC], stepSec: 1, gaps: [] },
    {
      name: 'two seconds missing',
      ts: [T, T + SEC, T + 4 * SEC],
      stepSec: 1,
      gaps: [{ fromMs: T + SEC, toMs: T + 4 * SEC, missing: 2 }],
    },
    {
      name: 'several gaps on the 5 s grid',
      ts: [T, T + 10 * SEC, T + 15 * SEC, T + 60 * SEC],
      stepSec: 5,
      gaps: [
        { fromMs: T, toMs: T + 10 * SEC, missing: 1 },
        { fromMs: T + 15 * SEC, toMs: T + 60 * SEC, missing: 8 },
      ],
    },
    {
      name: 'a poll 1 s late leaves its due point missing',
      ts: [T, T + 61 * SEC],
      stepSec: 60,
      gaps: [{ fromMs: T, toMs: T + 61 * SEC, missing: 1 }],
    },
    { name: 'poll jitter absorbed by a step with slack', ts: [T, T + 61 * SEC, T + 150 * SEC], stepSec: 90, gaps: [] },
    {
      name: 'off-grid timestamps: points strictly between',
      ts: [T, T + 150 * SEC],
      stepSec: 60,
      gaps: [{ fromMs: T, toMs: T + 150 * SEC, missing: 2 }],
    },
  ])('$name', ({ ts, stepSec, gaps }) => {
    expect(findGaps(ts, stepSec)).toEqual(gaps);
  });

  it('agrees with expectedRows and fillRate on the grid', () => {
    const ts = [1, 2, 3, 7, 8, 20, 21].map((s) => T + s * SEC);
    const missing = findGaps(ts, 1).reduce((sum, gap) => sum + gap.missing, 0);
    const expected = expectedRows(ts[0] - SEC, ts[ts.length - 1], 1);
    expect(ts.length + missing).toBe(expected);
    expect(fillRate(ts.length, expected)).toBe(7 / 21);
  });

  it('rejects unsorted or non-finite timestamps', () => {
    expect(() => findGaps([T, T - SEC], 1)).toThrow(/not sorted/);
    expect(() => findGaps([NaN, T], 1)).toThrow(/sortedTsMs\[0\] must be a finite number/);
    expect(() => findGaps([T, T + SEC], 0)).toThrow(/stepSec/);
  });
});

describe('nullRate', () => {
  it.each([
    { rowCount: 0, nullCount: 0, rate: 0 },
    { rowCount: 10, nullCount: 0, rate: 0 },
    { rowCount: 4, nullCount: 1, rate: 0.25 },
    { rowCount: 10, nullCount: 10, rate: 1 },
  ])('$nullCount nulls in $rowCount rows → $rate', ({ rowCount, nullCount, rate }) => {
    expect(nullRate(rowCount, nullCount)).toBe(rate);
  });

  it('rejects impossible counts', () => {
    expect(() => nullRate(3, 4)).toThrow(/nullCount \(4\) exceeds rowCount \(3\)/);
    expect(() => nullRate(-1, 0)).toThrow(/rowCount must be a non-negative integer/);
    expect(() => nullRate(3, 0.5)).toThrow(/nullCount must be a non-negative integer/);
  });
});
