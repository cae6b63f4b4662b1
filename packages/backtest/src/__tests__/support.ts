// Seeded candle sets for the equivalence tests: random walks, flat stretches, zero-height candles,
// zero volumes, and prices on a coarse grid so window edges, bin edges and highs tie exactly.
import { mulberry32 } from '@cqt/labeling';
import { candlesFromRows, type CandleRow, type Candles } from '../candles.js';

export const MINUTE_MS = 60_000;
export const T0_MS = Date.UTC(2026, 0, 1);

export type Regime = 'walk' | 'grid' | 'flat' | 'banded' | 'tight';

export function randomCandles(seed: number, n: number, regime: Regime): Candles {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const rows: CandleRow[] = [];
  let price = 100;
  for (let i = 0; i < n; i++) {
    let open: number, close: number, high: number, low: number, volume: number;
    if (regime === 'walk') {
      open = price;
      close = Math.max(1, open * (1 + (rnd() - 0.5) * 0.04));
      high = Math.max(open, close) * (1 + rnd() * 0.01 * Number(rnd() < 0.8));
      low = Math.min(open, close) * (1 - rnd() * 0.01 * Number(rnd() < 0.8));
      volume = rnd() < 0.1 ? 0 : rnd() * 1000;
    } else if (regime === 'grid') {
      // Integer prices and volumes: sums and bin edges are exact, so thresholds are met exactly.
      open = price;
      close = Math.max(2, open + pick([-2, -1, 0, 0, 1, 2]));
      high = Math.max(open, close) + pick([0, 0, 1, 2]);
      low = Math.max(1, Math.min(open, close) - pick([0, 0, 1, 2]));
      volume = pick([0, 1, 2, 2, 4, 8]);
    } else if (regime === 'flat') {
      // Long runs of one price: windows with min = max, and zero-height candles at the edges.
      open = close = high = low = rnd() < 0.15 ? price + pick([-1, 1]) : price;
      if (rnd() < 0.2) high = open + 1;
      volume = pick([0, 1, 3]);
    } else if (regime === 'tight') {
      // A high price moving by tiny steps: bins far narrower than the price, where the rounding of
      // each overlap (relative to the price) is largest against the bin width.
      open = i === 0 ? 65_000 : price;
      close = open + (rnd() - 0.5) * 0.02;
      high = Math.max(open, close) + rnd() * 0.005;
      low = Math.min(open, close) - rnd() * 0.005;
      volume = rnd() < 0.05 ? 0 : rnd() * 3;
    } else {
      // Every candle inside [95, 105], many touching both bounds: the window's [min, max] holds
      // for long stretches, so the incremental path runs.
      open = price;
      close = Math.min(105, Math.max(95, open + (rnd() - 0.5) * 4));
      high = rnd() < 0.5 ? 105 : Math.min(105, Math.max(open, close) + rnd());
      low = rnd() < 0.5 ? 95 : Math.max(95, Math.min(open, close) - rnd());
      volume = rnd() < 0.05 ? 0 : Math.round(rnd() * 100) / 4;
    }
    rows.push({ tsMs: T0_MS + i * MINUTE_MS, open, high, low, close, volume });
    price = close;
  }
  return candlesFromRows(rows);
}
