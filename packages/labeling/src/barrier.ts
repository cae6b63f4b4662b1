/** Barrier configuration; all rates are fractions (0.0005 = 5 bp). */
export interface BarrierConfig {
  /** H: the horizon the barrier has to be reachable in. */
  horizonSec: number;
  /** Exchange fee per side (entry or exit). */
  feePerSide: number;
  /** Configured floor on r_t. */
  rMin: number;
  /** r_t must cover this many estimated round-trip costs, or a touch is not worth trading. */
  costMultiplier: number;
  /** Barrier width in units of horizon volatility sigma·√H. */
  kVol: number;
}

/** Everything that set r_t, so predictions can store it (columns sigma, r_t, k_vol_eff, …). */
export interface BarrierParams {
  /** Per-second volatility the barrier was built from (see ewmaSigma). */
  sigma: number;
  /** 2·feePerSide + spread: half the spread paid on entry and half on exit. */
  costRoundtripEst: number;
  /** max(rMin, costMultiplier · costRoundtripEst). */
  rMinEff: number;
  /**
   * Width actually used in horizon-vol units, r_t / (sigma·√H): kVol while volatility sets the
   * barrier, larger when the cost floor does (Infinity when sigma is 0).
   */
  kVolEff: number;
  /** Half-width r_t = max(rMinEff, kVol · sigma · √H). */
  rT: number;
}

/**
 * Barrier half-width for one prediction. An unknown input (NaN sigma while the estimate warms
 * up, NaN spread without a book) makes r_t NaN rather than a silently narrower barrier.
 */
export function barrierParams(sigma: number, spreadBps: number, config: BarrierConfig): BarrierParams {
  const { horizonSec, feePerSide, rMin, costMultiplier, kVol } = config;
  for (const [name, value] of Object.entries({ horizonSec, feePerSide, rMin, costMultiplier, kVol })) {
    if (!(value >= 0 && value < Infinity)) throw new RangeError(`${name} must be finite and ≥ 0, got ${value}`);
  }
  const costRoundtripEst = 2 * feePerSide + spreadBps / 10_000;
  const rMinEff = Math.max(rMin, costMultiplier * costRoundtripEst);
  const horizonVol = sigma * Math.sqrt(horizonSec);
  const rT = Math.max(rMinEff, kVol * horizonVol);
  return { sigma, costRoundtripEst, rMinEff, kVolEff: Math.max(kVol, rMinEff / horizonVol), rT };
}
