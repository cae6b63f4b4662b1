// A labelled dataset in columns: the rows `cqt export` writes, as typed arrays for the maths.

/** Outcome classes, in the order of every probability triple (p_up, p_down, p_none). */
export const CLASSES = ['UP', 'DOWN', 'NONE'] as const;
export type ClassName = (typeof CLASSES)[number];
export const CLASS_COUNT = CLASSES.length;

export interface Dataset {
  rows: number;
  featureNames: readonly string[];
  /** rows × features, row-major; NaN where a value is missing. */
  x: Float64Array;
  /** Class index per row (CLASSES order). */
  y: Uint8Array;
  /** Snapshot time t0 and the time the label became known (t0 + H), epoch ms; rows sorted by t0. */
  t0Ms: Float64Array;
  labelTsMs: Float64Array;
  /** What the Brownian baseline reads (NaN where missing): sigma per √s, barrier half-width r_t, H, round-trip cost, simple return at t0 + H. */
  sigma: Float64Array;
  halfWidth: Float64Array;
  horizonSec: Float64Array;
  costRoundtrip: Float64Array;
  horizonReturn: Float64Array;
}

export function classIndex(label: string): number {
  const i = (CLASSES as readonly string[]).indexOf(label);
  if (i < 0) throw new RangeError(`unknown label ${JSON.stringify(label)}; expected one of ${CLASSES.join(', ')}`);
  return i;
}

/** The rows at `index` (in that order). */
export function subset(data: Dataset, index: ArrayLike<number>): Dataset {
  const d = data.featureNames.length;
  const n = index.length;
  const x = new Float64Array(n * d);
  for (let r = 0; r < n; r++) x.set(data.x.subarray(index[r] * d, index[r] * d + d), r * d);
  const pick = (a: Float64Array) => Float64Array.from({ length: n }, (_, r) => a[index[r]]);
  return {
    rows: n,
    featureNames: data.featureNames,
    x,
    y: Uint8Array.from({ length: n }, (_, r) => data.y[index[r]]),
    t0Ms: pick(data.t0Ms),
    labelTsMs: pick(data.labelTsMs),
    sigma: pick(data.sigma),
    halfWidth: pick(data.halfWidth),
    horizonSec: pick(data.horizonSec),
    costRoundtrip: pick(data.costRoundtrip),
    horizonReturn: pick(data.horizonReturn),
  };
}

/** Class counts in CLASSES order. */
export function classCounts(y: Uint8Array): number[] {
  const counts = new Array<number>(CLASS_COUNT).fill(0);
  for (const c of y) counts[c]++;
  return counts;
}
