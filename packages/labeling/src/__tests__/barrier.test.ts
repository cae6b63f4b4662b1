import { describe, expect, it } from 'vitest';
import { barrierParams } from '../barrier.js';
import type { BarrierConfig } from '../barrier.js';

// fee 5 bp per side + 10 bp spread = 20 bp round trip; sigma·√H = 1e-4·10 = 10 bp.
const config: BarrierConfig = { horizonSec: 100, feePerSide: 0.0005, rMin: 0.001, costMultiplier: 1, kVol: 3 };

describe('barrierParams', () => {
  it('lets volatility set r_t when kVol·sigma·√H exceeds the floor', () => {
    const params = barrierParams(1e-4, 10, config);
    expect(params.costRoundtripEst).toBeCloseTo(0.002, 15);
    expect(params.rMinEff).toBeCloseTo(0.002, 15);
    expect(params.rT).toBeCloseTo(0.003, 15);
    expect(params.kVolEff).toBe(3);
    expect(params.sigma).toBe(1e-4);
  });

  it('lets the cost floor set r_t in calm markets, and reports the larger kVolEff', () => {
    const params = barrierParams(1e-4, 10, { ...config, kVol: 1, costMultiplier: 1.5 });
    expect(params.rMinEff).toBeCloseTo(0.003, 15);
    expect(params.rT).toBe(params.rMinEff);
    expect(params.kVolEff).toBeCloseTo(3, 12);
  });

  it('keeps the configured rMin when costs are below it', () => {
    const params = barrierParams(1e-5, 0, { ...config, feePerSide: 0, rMin: 0.004 });
    expect(params.costRoundtripEst).toBe(0);
    expect(params.rMinEff).toBe(0.004);
    expect(params.rT).toBe(0.004);
  });

  it('gives NaN, not a narrower barrier, when sigma or the spread is unknown', () => {
    expect(barrierParams(Number.NaN, 10, config)).toMatchObject({ rT: Number.NaN, kVolEff: Number.NaN });
    expect(barrierParams(1e-4, Number.NaN, config)).toMatchObject({ rMinEff: Number.NaN, rT: Number.NaN });
  });

  it('uses the floor alone when sigma is 0', () => {
    expect(barrierParams(0, 10, config)).toMatchObject({ rT: 0.002, kVolEff: Infinity });
  });

  it('rejects a negative or non-finite setting, naming it', () => {
    expect(() => barrierParams(1e-4, 10, { ...config, kVol: -1 })).toThrow(/kVol/);
    expect(() => barrierParams(1e-4, 10, { ...config, feePerSide: Number.NaN })).toThrow(/feePerSide/);
  });
});
