import type { PricePath } from './path.js';

/** Seeded PRNG (mulberry32), uniform in [0, 1): reproducible paths for tests and benchmarks. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomWalkOptions {
  seed: number;
  bars: number;
  /** Standard deviation of the 1 s log return (steps are uniform, which is enough here). */
  sigmaPerSec: number;
  startSec?: number;
  startPrice?: number;
  /** Probability that 1..maxGapSec seconds are missing before a bar (feed disconnects). */
  gapRate?: number;
  maxGapSec?: number;
  /** Probability that a bar has no price (NaN). */
  missingPriceRate?: number;
  /** Round prices to this tick, so prices repeat and land exactly on barriers. */
  tickSize?: number;
}

/** Seeded geometric random walk on a 1-second grid, with optional gaps, missing prices and ticks. */
export function randomWalkPath(options: RandomWalkOptions): PricePath {
  const { seed, bars, sigmaPerSec, startSec = 1_700_000_000, startPrice = 100_000_000 } = options;
  const { gapRate = 0, maxGapSec = 5, missingPriceRate = 0, tickSize } = options;
  const random = mulberry32(seed);
  const stepWidth = 2 * Math.sqrt(3) * sigmaPerSec;
  const tsSec = new Float64Array(bars);
  const price = new Float64Array(bars);
  let sec = startSec;
  let logPrice = Math.log(startPrice);
  for (let i = 0; i < bars; i++) {
    if (i > 0) sec += random() < gapRate ? 2 + Math.floor(random() * maxGapSec) : 1;
    logPrice += (random() - 0.5) * stepWidth;
    const p = Math.exp(logPrice);
    tsSec[i] = sec;
    price[i] = random() < missingPriceRate ? Number.NaN : tickSize === undefined ? p : Math.round(p / tickSize) * tickSize;
  }
  return { tsSec, price };
}
