import type { PricePath } from '../path.js';
import type { TripleBarrierLabels } from '../triple-barrier.js';

/** Path from [second, price] pairs; null price = bar without price. */
export function bars(entries: readonly (readonly [number, number | null])[]): PricePath {
  return {
    tsSec: Float64Array.from(entries, ([sec]) => sec),
    price: Float64Array.from(entries, ([, p]) => p ?? Number.NaN),
  };
}

/** Consecutive seconds from `startSec`, one per price. */
export function secondsFrom(startSec: number, prices: readonly (number | null)[]): PricePath {
  return bars(prices.map((p, i) => [startSec + i, p] as const));
}

const FIELDS = ['label', 'status', 'touchTsSec', 'horizonReturn', 'horizonPriceTsSec', 'labelTsSec'] as const;

/**
 * First difference between two label sets, compared byte for byte (so NaN equals only NaN,
 * and 0 differs from −0), or null when identical.
 */
export function firstDifference(a: TripleBarrierLabels, b: TripleBarrierLabels): string | null {
  for (const field of FIELDS) {
    const x = a[field];
    const y = b[field];
    if (x.length !== y.length) return `${field}: length ${x.length} vs ${y.length}`;
    const xb = Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    const yb = Buffer.from(y.buffer, y.byteOffset, y.byteLength);
    if (xb.equals(yb)) continue;
    for (let e = 0; e < x.length; e++) {
      if (!Object.is(x[e], y[e])) return `${field}[${e}]: ${x[e]} vs ${y[e]}`;
    }
    return `${field}: bits differ`;
  }
  return null;
}
