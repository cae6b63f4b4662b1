import { describe, expect, it } from 'vitest';
import { classify } from '../classify.js';
import { candlePredictionPolicy } from '../policy.js';

const T = Date.UTC(2026, 10, 23, 10, 0, 0);
const classAt = (candleSec: number, lagSec: number) => classify({ newestTsMs: T, asOfMs: T + lagSec * 1000 }, candlePredictionPolicy(candleSec)).class;

describe('candlePredictionPolicy', () => {
  it('a 1 h series is fresh 30 min after its last prediction, a 1 m series is hard_stale by then', () => {
    expect(classAt(3600, 1800)).toBe('fresh');
    expect(classAt(60, 1800)).toBe('hard_stale');
  });

  it('stale once one close is missed (one candle + 120 s), hard_stale after three candles + 120 s', () => {
    expect(candlePredictionPolicy(60)).toMatchObject({ staleAfterSec: 180, hardStaleAfterSec: 300 });
    expect(candlePredictionPolicy(86_400)).toMatchObject({ staleAfterSec: 86_520, hardStaleAfterSec: 259_320 });
    expect([classAt(3600, 3720), classAt(3600, 3721), classAt(3600, 10_920), classAt(3600, 10_921)]).toEqual(['fresh', 'stale', 'stale', 'hard_stale']);
  });

  it('refuses a candle length that is not a positive number', () => {
    expect(() => candlePredictionPolicy(0)).toThrow('candleSec must be a positive number of seconds, got 0');
  });
});
