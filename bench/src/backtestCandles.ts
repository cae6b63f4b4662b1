// Seeded one-minute candles for the backtest bench: a random walk with wicks and volumes, the
// same set in the bench process and in the child it spawns for the process-start rows.
import { emptyCandles, type Candles } from '@cqt/backtest';
import { mulberry32 } from '@cqt/labeling';

const MINUTE_MS = 60_000;
const T0_MS = Date.UTC(2026, 0, 1);

export function walkCandles(n: number, seed = 42): Candles {
  const rnd = mulberry32(seed);
  const c = emptyCandles(n);
  let price = 50_000;
  for (let i = 0; i < n; i++) {
    const open = price;
    const close = open * (1 + (rnd() - 0.5) * 0.004);
    c.tsMs[i] = T0_MS + i * MINUTE_MS;
    c.open[i] = open;
    c.close[i] = close;
    c.high[i] = Math.max(open, close) * (1 + rnd() * 0.001);
    c.low[i] = Math.min(open, close) * (1 - rnd() * 0.001);
    c.volume[i] = rnd() * 10;
    price = close;
  }
  return c;
}

export const MINUTE_BARS_PER_YEAR = (365 * 86_400_000) / MINUTE_MS;
