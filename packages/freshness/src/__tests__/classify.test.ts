import { describe, expect, it } from 'vitest';
import { classify } from '../classify.js';
import type { Observation, RecentRow } from '../classify.js';
import { defaultPolicies } from '../policy.js';
import type { FreshnessPolicy } from '../policy.js';

const AS_OF = Date.UTC(2026, 10, 23, 10, 0, 0);
const AS_OF_ISO = '2026-11-23T10:00:00.000Z';
const SEC = 1000;
const policy: FreshnessPolicy = {
  staleAfterSec: 10,
  hardStaleAfterSec: 60,
  futureToleranceSec: 2,
  valueKind: 'price',
};

// A healthy 1 s series of `count` rows ending at newestTsMs.
function rows(count: number, newestTsMs: number, value = 100): RecentRow[] {
  return Array.from({ length: count }, (_, i) => ({ tsMs: newestTsMs - (count - 1 - i) * SEC, value }));
}

function observe(newestTsMs: number | null, extra: Partial<Observation> = {}): Observation {
  return { newestTsMs, asOfMs: AS_OF, ...extra };
}

describe('lag classes (thresholds exclusive: a lag equal to a threshold keeps the better class)', () => {
  it.each([
    { lagMs: 0, cls: 'fresh', lagSec: 0 },
    { lagMs: 3_000, cls: 'fresh', lagSec: 3 },
    { lagMs: 10_000, cls: 'fresh', lagSec: 10 },
    { lagMs: 10_001, cls: 'stale', lagSec: 10.001 },
    { lagMs: 60_000, cls: 'stale', lagSec: 60 },
    { lagMs: 60_001, cls: 'hard_stale', lagSec: 60.001 },
    { lagMs: 86_400_000, cls: 'hard_stale', lagSec: 86_400 },
  ])('lag $lagMs ms → $cls', ({ lagMs, cls, lagSec }) => {
    const result = classify(observe(AS_OF - lagMs, { recent: rows(5, AS_OF - lagMs) }), policy);
    expect(result).toMatchObject({ class: cls, lagSec, degraded: false });
  });

  it('explains stale and hard_stale with the lag and the threshold', () => {
    expect(classify(observe(AS_OF - 12_500), policy).reasons).toEqual(['lag 12.5 s > stale after 10 s']);
    expect(classify(observe(AS_OF - 61_000), policy).reasons).toEqual(['lag 61 s > hard stale after 60 s']);
    expect(classify(observe(AS_OF - 1_000), policy).reasons).toEqual([]);
  });

  it('with stale and hard stale at the same lag, skips straight to hard_stale', () => {
    const tight = { ...policy, staleAfterSec: 60 };
    expect(classify(observe(AS_OF - 60_000), tight).class).toBe('fresh');
    expect(classify(observe(AS_OF - 60_001), tight).class).toBe('hard_stale');
  });

  it('no rows → hard_stale with no lag', () => {
    expect(classify(observe(null), policy)).toEqual({
      class: 'hard_stale',
      degraded: false,
      lagSec: null,
      reasons: ['no rows'],
    });
  });
});

describe('corrupt', () => {
  const corrupt = (observation: Observation, p: FreshnessPolicy = policy) => {
    const result = classify(observation, p);
    expect(result.class).toBe('corrupt');
    return result;
  };
  const newest = AS_OF - SEC;
  const at = (offsetSec: number) => new Date(newest + offsetSec * SEC).toISOString();

  it.each([
    { name: 'NaN (an unparseable value)', value: NaN, reason: `non-finite value ×1; first: NaN at ${at(0)}` },
    { name: '+Infinity', value: Infinity, reason: `non-finite value ×1; first: Infinity at ${at(0)}` },
    { name: '-Infinity', value: -Infinity, reason: `non-finite value ×1; first: -Infinity at ${at(0)}` },
    { name: 'a zero price', value: 0, reason: `non-positive price ×1; first: 0 at ${at(0)}` },
    { name: 'a negative price', value: -5, reason: `non-positive price ×1; first: -5 at ${at(0)}` },
  ])('by $name', ({ value, reason }) => {
    const recent = [...rows(3, newest - SEC), { tsMs: newest, value }];
    expect(corrupt(observe(newest, { recent })).reasons).toEqual([reason]);
  });

  it.each([
    { name: 'positive prices', kind: 'price' as const, value: 0.0001 },
    { name: 'null (missing, counted by nullRate)', kind: 'price' as const, value: null },
    { name: 'a zero ratio', kind: 'ratio' as const, value: 0 },
    { name: 'negative values of kind any', kind: 'any' as const, value: -0.0003 },
    { name: 'a row without a value', kind: 'price' as const, value: undefined },
  ])('not by $name', ({ kind, value }) => {
    const recent = [...rows(3, newest - SEC), { tsMs: newest, value }];
    expect(classify(observe(newest, { recent }), { ...policy, valueKind: kind }).class).toBe('fresh');
  });

  it('by a negative ratio, but not when values may be anything', () => {
    const recent = [{ tsMs: newest, value: -0.5 }];
    expect(corrupt(observe(newest, { recent }), { ...policy, valueKind: 'ratio' }).reasons).toEqual([
      `negative ratio ×1; first: -0.5 at ${at(0)}`,
    ]);
    expect(classify(observe(newest, { recent }), { ...policy, valueKind: undefined }).class).toBe('fresh');
  });

  it('counts repeated offenders in one reason and lists each broken rule', () => {
    const recent = [
      { tsMs: newest - 3 * SEC, value: NaN },
      { tsMs: newest - 2 * SEC, value: -1 },
      { tsMs: newest - SEC, value: NaN },
      { tsMs: newest, value: NaN },
    ];
    expect(corrupt(observe(newest, { recent })).reasons).toEqual([
      `non-finite value ×3; first: NaN at ${at(-3)}`,
      `non-positive price ×1; first: -1 at ${at(-2)}`,
    ]);
  });

  describe('by timestamps in the future (tolerance inclusive)', () => {
    it.each([
      { aheadMs: 0, cls: 'fresh' },
      { aheadMs: 1_999, cls: 'fresh' },
      { aheadMs: 2_000, cls: 'fresh' },
      { aheadMs: 2_001, cls: 'corrupt' },
      { aheadMs: 3_600_000, cls: 'corrupt' },
    ])('newest ts $aheadMs ms after as-of → $cls, lag 0', ({ aheadMs, cls }) => {
      const result = classify(observe(AS_OF + aheadMs), policy);
      expect(result).toMatchObject({ class: cls, lagSec: 0 });
    });

    it('names the newest ts and the tolerance', () => {
      expect(corrupt(observe(AS_OF + 5_000)).reasons).toEqual([
        `newest ts more than 2 s after as-of ${AS_OF_ISO} ×1; first: 2026-11-23T10:00:05.000Z`,
      ]);
    });

    it('checks every recent row, not only the newest', () => {
      const recent = [{ tsMs: AS_OF + 9_000, value: 100 }];
      expect(corrupt(observe(AS_OF - SEC, { recent })).reasons).toEqual([
        `ts more than 2 s after as-of ${AS_OF_ISO} ×1; first: 2026-11-23T10:00:09.000Z`,
      ]);
      expect(classify(observe(AS_OF - SEC, { recent: [{ tsMs: AS_OF + 2_000 }] }), policy).class).toBe('fresh');
    });

    it('with zero tolerance, 1 ms ahead is corrupt', () => {
      expect(classify(observe(AS_OF + 1), { ...policy, futureToleranceSec: 0 }).class).toBe('corrupt');
      expect(classify(observe(AS_OF), { ...policy, futureToleranceSec: 0 }).class).toBe('fresh');
    });
  });

  describe('by non-monotonic ts in arrival order', () => {
    it('a strictly decreasing step is corrupt', () => {
      const recent = [{ tsMs: newest - 2 * SEC }, { tsMs: newest }, { tsMs: newest - 5 * SEC }];
      expect(corrupt(observe(newest, { recent })).reasons).toEqual([
        `non-monotonic ts ×1; first: ${at(-5)} after ${at(0)}`,
      ]);
    });

    it.each([
      { name: 'increasing', recent: rows(5, newest) },
      { name: 'repeated ts (a replayed row)', recent: [{ tsMs: newest - SEC }, { tsMs: newest }, { tsMs: newest }] },
      { name: 'a single row', recent: [{ tsMs: newest }] },
      { name: 'no recent rows', recent: [] },
    ])('$name is not', ({ recent }) => {
      expect(classify(observe(newest, { recent }), policy).class).toBe('fresh');
    });
  });

  it.each([NaN, Infinity, 1e300])('by an unparseable ts (%s)', (tsMs) => {
    expect(corrupt(observe(newest, { recent: [{ tsMs, value: 1 }] })).reasons).toEqual([
      `unparseable ts ×1; first: ${tsMs} at row 0`,
    ]);
    expect(corrupt(observe(tsMs)).reasons).toEqual([`unparseable newest ts ×1; first: ${tsMs}`]);
    expect(classify(observe(tsMs), policy).lagSec).toBeNull();
  });

  it('wins over stale and hard_stale, keeping the lag', () => {
    const old = AS_OF - 30_000;
    expect(corrupt(observe(old, { recent: [{ tsMs: old, value: NaN }] }))).toMatchObject({ lagSec: 30 });
    const ancient = AS_OF - 3_600_000;
    expect(corrupt(observe(ancient, { recent: [{ tsMs: ancient, value: 0 }] }))).toMatchObject({ lagSec: 3600 });
  });
});

describe('degraded: last cycle failed while last-good data is served', () => {
  const failedAt = AS_OF - 500;
  const failed = { lastCycleOk: false, lastCycleAtMs: failedAt };
  const failure = 'last cycle failed at 2026-11-23T09:59:59.500Z';

  it.each([
    { name: 'fresh data', newestTsMs: AS_OF - 2_000, recent: [], cls: 'fresh', degraded: true },
    { name: 'stale data', newestTsMs: AS_OF - 30_000, recent: [], cls: 'stale', degraded: true },
    { name: 'hard_stale data', newestTsMs: AS_OF - 120_000, recent: [], cls: 'hard_stale', degraded: false },
    { name: 'no rows', newestTsMs: null, recent: [], cls: 'hard_stale', degraded: false },
    { name: 'corrupt data', newestTsMs: AS_OF, recent: [{ tsMs: AS_OF, value: NaN }], cls: 'corrupt', degraded: false },
  ])('$name → $cls, degraded $degraded, failure in reasons', ({ newestTsMs, recent, cls, degraded }) => {
    const result = classify(observe(newestTsMs, { ...failed, recent }), policy);
    expect(result).toMatchObject({ class: cls, degraded });
    expect(result.reasons.at(-1)).toBe(failure);
  });

  it.each([
    { name: 'last cycle ok', extra: { lastCycleOk: true, lastCycleAtMs: failedAt } },
    { name: 'no cycle information', extra: {} },
  ])('not degraded with $name', ({ extra }) => {
    expect(classify(observe(AS_OF - 2_000, extra), policy)).toEqual({
      class: 'fresh',
      degraded: false,
      lagSec: 2,
      reasons: [],
    });
  });

  it('reports the failure without a time when none is known', () => {
    const result = classify(observe(AS_OF - 2_000, { lastCycleOk: false }), policy);
    expect(result.reasons).toEqual(['last cycle failed']);
  });
});

describe('inputs', () => {
  it('rejects an invalid policy before judging data', () => {
    expect(() => classify(observe(AS_OF), { ...policy, staleAfterSec: 100 })).toThrow(
      'freshness policy: staleAfterSec (100) must not exceed hardStaleAfterSec (60)',
    );
  });

  it.each([NaN, Infinity])('rejects an as-of of %s', (asOfMs) => {
    expect(() => classify({ newestTsMs: AS_OF, asOfMs }, policy)).toThrow(/asOfMs must be an epoch time in ms/);
  });

  it('works with the default policies: a healthy 1 s feed between bar closes', () => {
    // At 10:00:00.300 the newest closed bar opened at 09:59:59.
    const asOfMs = AS_OF + 300;
    const result = classify(
      { newestTsMs: AS_OF - SEC, asOfMs, recent: rows(60, AS_OF - SEC, 1.4e8) },
      defaultPolicies.market_1s,
    );
    expect(result).toEqual({ class: 'fresh', degraded: false, lagSec: 1.3, reasons: [] });
  });
});
