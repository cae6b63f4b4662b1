// The baseline barrier model: a driftless Brownian motion in log price with the current per-second
// volatility, and the probabilities that it leaves the band (−b, +a) through the top, through the
// bottom, or not at all within the horizon. Pure maths; `fit` calibrates one volatility scale.
//
// First exit from (−b, a) for X_t = σ·W_t, X_0 = 0, L = a + b, λ_n = n²π²σ²/(2L²) (the standard
// eigenfunction series of the heat equation with absorbing ends):
//   P(exit at +a by T) = b/L − Σ_{n≥1} (2/(nπ)) (−1)^{n+1} sin(nπb/L) e^{−λ_n T}
//   P(exit at −b by T) = a/L − Σ_{n≥1} (2/(nπ)) sin(nπb/L) e^{−λ_n T}
//   E[min(τ, T)]       = ab/σ² − Σ_{n odd} (4/(nπλ_n)) sin(nπb/L) e^{−λ_n T}
// The constant parts are the series' limits for T → ∞ in closed form, so what is summed decays
// like e^{−λ_1 T n²}: a few dozen terms in practice. Summing stops once a geometric bound on the
// remaining terms is below SERIES_TOLERANCE.

/** Summing stops when the bound on the omitted terms is below this (probabilities; seconds / H for E[τ]). */
export const SERIES_TOLERANCE = 1e-12;
/**
 * A barrier this many horizon standard deviations away is never reached within the horizon as
 * far as doubles can tell: P ≤ 2·2Φ(−8.5) < 1e-16. Skipping the series there also bounds its length.
 */
const NEVER_REACHED_Z = 8.5;
const MAX_TERMS = 100_000;
/**
 * Continuity correction for a barrier watched only every Δ seconds (labels use one price per
 * second): shift it outwards by β·σ·√Δ, β = −ζ(1/2)/√(2π) ≈ 0.5826 (Broadie, Glasserman & Kou 1997).
 */
export const DISCRETE_MONITORING_BETA = 0.5825971579390106;

export interface FirstExit {
  pUp: number;
  pDown: number;
  pNone: number;
  /** E[min(τ, H)] in seconds: how long a position opened at t0 is expected to stay open. */
  expectedExitSec: number;
}

/**
 * First exit of a driftless Brownian motion with volatility `sigma` per √s, started at 0, from
 * (−downDistance, upDistance) within `horizonSec`. The three probabilities sum to 1.
 */
export function firstExit(sigma: number, upDistance: number, downDistance: number, horizonSec: number): FirstExit {
  if (!(sigma >= 0 && sigma < Infinity)) throw new RangeError(`sigma must be finite and ≥ 0, got ${sigma}`);
  if (!(upDistance > 0 && downDistance > 0 && upDistance < Infinity && downDistance < Infinity)) {
    throw new RangeError(`barrier distances must be finite and > 0, got ${upDistance} and ${downDistance}`);
  }
  if (!(horizonSec > 0 && horizonSec < Infinity)) throw new RangeError(`horizonSec must be finite and > 0, got ${horizonSec}`);
  const horizonVol = sigma * Math.sqrt(horizonSec);
  if (horizonVol === 0 || Math.min(upDistance, downDistance) > NEVER_REACHED_Z * horizonVol) {
    return { pUp: 0, pDown: 0, pNone: 1, expectedExitSec: horizonSec };
  }
  const a = upDistance;
  const b = downDistance;
  const width = a + b;
  const lambda1 = (Math.PI * sigma) ** 2 / (2 * width * width);
  const decay1 = lambda1 * horizonSec;
  let upTerms = 0;
  let downTerms = 0;
  let exitTerms = 0;
  for (let n = 1; n <= MAX_TERMS; n++) {
    const weight = (2 / (n * Math.PI)) * Math.exp(-decay1 * n * n);
    const s = Math.sin((n * Math.PI * b) / width);
    upTerms += n % 2 === 1 ? weight * s : -weight * s;
    downTerms += weight * s;
    if (n % 2 === 1) exitTerms += (2 * weight * s) / (lambda1 * n * n);
    // |term m| ≤ 2/(mπ)·e^{−λ₁T m²} and m² ≥ (n+1)² + (m−n−1)(2n+3): a geometric series bounds the rest.
    const next = n + 1;
    const tail = ((2 / (next * Math.PI)) * Math.exp(-decay1 * next * next)) / -Math.expm1(-decay1 * (2 * n + 3));
    if (tail < SERIES_TOLERANCE && (2 * tail) / lambda1 < SERIES_TOLERANCE * horizonSec) break;
  }
  const pUp = clamp01(b / width - upTerms);
  const pDown = clamp01(a / width - downTerms);
  const expectedExitSec = Math.min(horizonSec, Math.max(0, (a * b) / (sigma * sigma) - exitTerms));
  return { pUp, pDown, pNone: Math.max(0, 1 - pUp - pDown), expectedExitSec };
}

function clamp01(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/** What a model needs for one prediction; rates are fractions (0.001 = 10 bp). */
export interface BarrierInput {
  /** Per-second volatility of 1 s log returns (EWMA). */
  sigma: number;
  /** Barrier half-width r_t: the barriers are p0·(1 ± r_t). */
  halfWidth: number;
  horizonSec: number;
  /** Round-trip cost of a position (fees both ways + spread). */
  costRoundtrip: number;
}

export interface BarrierPrediction {
  pUp: number;
  pDown: number;
  pNone: number;
  /** Expected net return per second of holding the better side (long or short) until a barrier or H. */
  evRate: number;
}

/** A labelled past event for fitting: the sigma known at t0 and what the price did by t0 + H. */
export interface FitSample {
  sigma: number;
  horizonSec: number;
  /** Simple return at t0 + H (the labels' horizonReturn). */
  horizonReturn: number;
}

/** JSON form of a model (save → load round-trips exactly). */
export interface ModelState {
  name: string;
  version: number;
  [parameter: string]: unknown;
}

/** The interface every barrier model implements, so predict can swap the baseline for a trained one. */
export interface BarrierModel {
  readonly name: string;
  /** Identifies the model and its fitted parameters (stored in predictions.model_version). */
  readonly version: string;
  fit(samples: readonly FitSample[]): void;
  predict(input: BarrierInput): BarrierPrediction;
  save(): ModelState;
}

export const BROWNIAN_MODEL = 'brownian_first_passage';
const BROWNIAN_VERSION = 1;
/** Fewer samples than this say nothing reliable about the volatility scale. */
const MIN_FIT_SAMPLES = 30;

/**
 * Driftless Brownian first passage. Parameters: `volScale` multiplies sigma (1 until fitted: the
 * ratio of realised to predicted horizon variance), `sampleSec` is how often the labels look at
 * the price (1 s; 0 for a continuously watched barrier).
 *
 * ev_rate: with no drift the log price is a martingale, so by optional stopping the expected
 * gross log return at exit (barrier or H) is 0 for the long and the short side alike; what is
 * left is the round-trip cost over the expected holding time, ev_rate = −cost / E[min(τ, H)].
 * The baseline never expects an edge — it is the bar a trained model has to clear.
 */
export class BrownianFirstPassage implements BarrierModel {
  readonly name = BROWNIAN_MODEL;

  constructor(
    private volScale = 1,
    private readonly sampleSec = 1,
  ) {
    if (!(volScale > 0 && volScale < Infinity)) throw new RangeError(`volScale must be finite and > 0, got ${volScale}`);
    if (!(sampleSec >= 0 && sampleSec < Infinity)) throw new RangeError(`sampleSec must be finite and ≥ 0, got ${sampleSec}`);
  }

  get version(): string {
    return `${BROWNIAN_VERSION};volScale=${this.volScale};sampleSec=${this.sampleSec}`;
  }

  fit(samples: readonly FitSample[]): void {
    let realised = 0;
    let predicted = 0;
    let count = 0;
    for (const { sigma, horizonSec, horizonReturn } of samples) {
      const logReturn = Math.log1p(horizonReturn);
      if (!Number.isFinite(logReturn) || !(sigma > 0) || !(horizonSec > 0)) continue;
      realised += logReturn * logReturn;
      predicted += sigma * sigma * horizonSec;
      count++;
    }
    if (count < MIN_FIT_SAMPLES) throw new RangeError(`fit needs at least ${MIN_FIT_SAMPLES} usable samples, got ${count}`);
    this.volScale = Math.sqrt(realised / predicted);
  }

  predict({ sigma, halfWidth, horizonSec, costRoundtrip }: BarrierInput): BarrierPrediction {
    if (!(halfWidth > 0 && halfWidth < 1)) throw new RangeError(`halfWidth must be in (0, 1), got ${halfWidth}`);
    const vol = sigma * this.volScale;
    const shift = DISCRETE_MONITORING_BETA * vol * Math.sqrt(this.sampleSec);
    // Barriers p0·(1 ± r) in log distance from p0.
    const exit = firstExit(vol, Math.log1p(halfWidth) + shift, -Math.log1p(-halfWidth) + shift, horizonSec);
    // Gross expected log return is 0 for either side (see above); nothing exits before the first sample.
    const holdSec = Math.max(exit.expectedExitSec, this.sampleSec);
    return { pUp: exit.pUp, pDown: exit.pDown, pNone: exit.pNone, evRate: -costRoundtrip / holdSec };
  }

  save(): ModelState {
    return { name: this.name, version: BROWNIAN_VERSION, volScale: this.volScale, sampleSec: this.sampleSec };
  }
}

/** A model from its saved state (a JSON object from `save()`). */
export function loadModel(state: unknown): BarrierModel {
  const s = state as Partial<ModelState> | null;
  if (s?.name === BROWNIAN_MODEL && s.version === BROWNIAN_VERSION) {
    return new BrownianFirstPassage(Number(s.volScale ?? 1), Number(s.sampleSec ?? 1));
  }
  throw new RangeError(`unknown model ${JSON.stringify(state)}; expected {"name":"${BROWNIAN_MODEL}","version":${BROWNIAN_VERSION},…}`);
}
