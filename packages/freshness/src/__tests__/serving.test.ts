// The soft-stale rule every server of derived values applies to a classification.
import { describe, expect, it } from 'vitest';
import type { Classification } from '../classify.js';
import { softStale } from '../serving.js';

const judged = (cls: Classification['class'], reasons: string[] = [], degraded = false): Classification => ({ class: cls, degraded, lagSec: 3, reasons });

describe('softStale', () => {
  it('fresh is served without a warning', () => {
    expect(softStale(judged('fresh'))).toEqual({ serve: true, warning: null });
  });

  it('stale is served with the reason as its warning', () => {
    expect(softStale(judged('stale', ['lag 30 s > stale after 15 s']))).toEqual({ serve: true, warning: 'stale: lag 30 s > stale after 15 s' });
  });

  it('fresh from a producer whose last cycle failed is served, with that as the warning', () => {
    expect(softStale(judged('fresh', ['last cycle failed at 2026-11-23T10:00:00.000Z'], true))).toEqual({
      serve: true,
      warning: 'degraded: last cycle failed at 2026-11-23T10:00:00.000Z',
    });
  });

  it.each([
    ['hard_stale', ['lag 200 s > hard stale after 120 s']],
    ['corrupt', ['non-finite value ×1; first: NaN at 2026-11-23T10:00:00.000Z']],
  ] as const)('%s is blocked, naming the class and the reasons', (cls, reasons) => {
    expect(softStale(judged(cls, [...reasons]))).toEqual({ serve: false, reason: `${cls}: ${reasons[0]}` });
  });

  it('a blocked class without reasons still says which class it is', () => {
    expect(softStale(judged('hard_stale'))).toEqual({ serve: false, reason: 'hard_stale' });
  });
});
